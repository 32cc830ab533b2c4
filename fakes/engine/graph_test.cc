// Graphs: dependency order, snapshot on instantiate, exec kernel-node updates, child
// graphs, event nodes, host nodes.
#include <set>
#include <vector>

#include "fakes/engine/test_util.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::fake {
namespace {

// store(address, value): *address = value
void Store(KernelContext& context) {
  uint32_t* target = context.Pointer<uint32_t>(context.Arg<uint64_t>(0));
  if (target) *target = context.Arg<uint32_t>(1);
}

using GraphTest = EngineModeTest;
INSTANTIATE_BOTH_MODES(GraphTest);

GraphNodeParams HostNode(LogEntry* entry) {
  GraphNodeParams params;
  params.kind = GraphNodeKind::kHost;
  params.host_fn = AppendToLog;
  params.host_user_data = entry;
  return params;
}

TEST_P(GraphTest, NodesRunAfterTheirDependencies) {
  auto engine = Make();
  StreamId stream;
  ASSERT_OK(engine->CreateStream(0, &stream));
  GraphId graph;
  ASSERT_OK(engine->CreateGraph(&graph));
  OrderLog log;
  std::vector<LogEntry> entries;
  for (int i = 0; i < 6; ++i) entries.push_back({&log, i});
  // 0 -> {1, 2, 3} -> 4 -> 5 (1, 2, 3 independent)
  uint32_t n0, n1, n2, n3, n4, n5;
  ASSERT_OK(engine->AddGraphNode(graph, HostNode(&entries[0]), {}, &n0));
  ASSERT_OK(engine->AddGraphNode(graph, HostNode(&entries[1]), std::vector<uint32_t>{n0}, &n1));
  ASSERT_OK(engine->AddGraphNode(graph, HostNode(&entries[2]), std::vector<uint32_t>{n0}, &n2));
  ASSERT_OK(engine->AddGraphNode(graph, HostNode(&entries[3]), std::vector<uint32_t>{n0}, &n3));
  ASSERT_OK(engine->AddGraphNode(graph, HostNode(&entries[4]),
                                 std::vector<uint32_t>{n1, n2, n3}, &n4));
  ASSERT_OK(engine->AddGraphNode(graph, HostNode(&entries[5]), std::vector<uint32_t>{n4}, &n5));
  GraphExecId exec;
  ASSERT_OK(engine->InstantiateGraph(graph, &exec));
  for (int launch = 0; launch < 5; ++launch) ASSERT_OK(engine->LaunchGraph(exec, stream));
  ASSERT_OK(engine->SynchronizeStream(stream));
  std::vector<int> order = log.values();
  ASSERT_EQ(order.size(), 30u);
  for (int launch = 0; launch < 5; ++launch) {
    std::vector<int> one(order.begin() + launch * 6, order.begin() + launch * 6 + 6);
    EXPECT_EQ(one[0], 0);
    EXPECT_EQ((std::set<int>(one.begin() + 1, one.begin() + 4)), (std::set<int>{1, 2, 3}));
    EXPECT_EQ(one[4], 4);
    EXPECT_EQ(one[5], 5);
  }
  EXPECT_EQ(Error::kInvalidValue,
            engine->AddGraphNode(graph, HostNode(&entries[0]), std::vector<uint32_t>{99}, &n0));
}

TEST(GraphDeterministicTest, IndependentNodesRunInSeedDependentOrders) {
  std::set<std::vector<int>> orders;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Engine engine(Options(SchedulingMode::kDeterministic, 1, seed));
    StreamId stream;
    ASSERT_OK(engine.CreateStream(0, &stream));
    GraphId graph;
    ASSERT_OK(engine.CreateGraph(&graph));
    OrderLog log;
    std::vector<LogEntry> entries;
    for (int i = 0; i < 4; ++i) entries.push_back({&log, i});
    for (int i = 0; i < 4; ++i) ASSERT_OK(engine.AddGraphNode(graph, HostNode(&entries[i]), {}, nullptr));
    GraphExecId exec;
    ASSERT_OK(engine.InstantiateGraph(graph, &exec));
    ASSERT_OK(engine.LaunchGraph(exec, stream));
    ASSERT_OK(engine.SynchronizeStream(stream));
    orders.insert(log.values());
  }
  EXPECT_GE(orders.size(), 2u);
}

TEST_P(GraphTest, InstantiateSnapshotsAndExecUpdateAffectsLaterLaunches) {
  auto engine = Make();
  KernelId store = engine->kernels().Register("store", Store, {8, 4});
  StreamId stream;
  ASSERT_OK(engine->CreateStream(0, &stream));
  uint64_t word;
  ASSERT_OK(engine->Allocate(0, 4, &word));
  GraphId graph;
  ASSERT_OK(engine->CreateGraph(&graph));
  uint32_t value = 1;
  void* args[] = {&word, &value};
  GraphNodeParams params;
  params.kind = GraphNodeKind::kKernel;
  params.kernel = {store, {}, {}, 0, args};
  uint32_t node;
  ASSERT_OK(engine->AddGraphNode(graph, params, {}, &node));
  GraphExecId exec;
  ASSERT_OK(engine->InstantiateGraph(graph, &exec));
  value = 2;  // the template copied the argument; the exec graph copied the template
  ASSERT_OK(engine->SetGraphKernelNodeParams(graph, node, {store, {}, {}, 0, args}));
  ASSERT_OK(engine->LaunchGraph(exec, stream));
  ASSERT_OK(engine->SynchronizeStream(stream));
  uint32_t out;
  ASSERT_OK(engine->ReadMemory(word, &out, 4));
  EXPECT_EQ(out, 1u);  // the template change did not reach the exec graph

  value = 3;
  ASSERT_OK(engine->LaunchGraph(exec, stream));  // in flight with value 1 (deterministic)
  ASSERT_OK(engine->SetExecKernelNodeParams(exec, node, {store, {}, {}, 0, args}));
  ASSERT_OK(engine->SynchronizeStream(stream));
  ASSERT_OK(engine->ReadMemory(word, &out, 4));
  if (GetParam() == SchedulingMode::kDeterministic) {
    EXPECT_EQ(out, 1u);  // the in-flight launch kept its snapshot
  }
  ASSERT_OK(engine->LaunchGraph(exec, stream));
  ASSERT_OK(engine->SynchronizeStream(stream));
  ASSERT_OK(engine->ReadMemory(word, &out, 4));
  EXPECT_EQ(out, 3u);

  GraphExecId fresh;
  ASSERT_OK(engine->InstantiateGraph(graph, &fresh));
  ASSERT_OK(engine->LaunchGraph(fresh, stream));
  ASSERT_OK(engine->SynchronizeStream(stream));
  ASSERT_OK(engine->ReadMemory(word, &out, 4));
  EXPECT_EQ(out, 2u);  // the template change reaches new instantiations
  ASSERT_OK(engine->DestroyGraph(graph));
  ASSERT_OK(engine->LaunchGraph(fresh, stream));  // exec graphs outlive their template
  EXPECT_OK(engine->SynchronizeStream(stream));
  ASSERT_OK(engine->DestroyGraphExec(exec));
  EXPECT_EQ(Error::kInvalidHandle, engine->LaunchGraph(exec, stream));
}

TEST_P(GraphTest, MemsetMemcpyAndChildGraphNodes) {
  auto engine = Make();
  StreamId stream;
  ASSERT_OK(engine->CreateStream(0, &stream));
  uint64_t a, b;
  ASSERT_OK(engine->Allocate(0, 16, &a));
  ASSERT_OK(engine->Allocate(0, 16, &b));
  OrderLog log;
  LogEntry before{&log, 1}, after{&log, 3};

  GraphId child;
  ASSERT_OK(engine->CreateGraph(&child));
  GraphNodeParams memset;
  memset.kind = GraphNodeKind::kMemset;
  memset.memset = {a, 0x01020304, 4, 4};
  uint32_t set_node;
  ASSERT_OK(engine->AddGraphNode(child, memset, {}, &set_node));
  GraphNodeParams copy;
  copy.kind = GraphNodeKind::kMemcpy;
  copy.memcpy = {MemoryRef::Device(b), MemoryRef::Device(a), 16};
  ASSERT_OK(engine->AddGraphNode(child, copy, std::vector<uint32_t>{set_node}, nullptr));

  GraphId parent;
  ASSERT_OK(engine->CreateGraph(&parent));
  uint32_t first, child_node;
  ASSERT_OK(engine->AddGraphNode(parent, HostNode(&before), {}, &first));
  GraphNodeParams child_params;
  child_params.kind = GraphNodeKind::kChildGraph;
  child_params.child = child;
  ASSERT_OK(engine->AddGraphNode(parent, child_params, std::vector<uint32_t>{first}, &child_node));
  ASSERT_OK(engine->AddGraphNode(parent, HostNode(&after), std::vector<uint32_t>{child_node},
                                 nullptr));
  ASSERT_OK(engine->DestroyGraph(child));  // the parent holds a copy
  GraphExecId exec;
  ASSERT_OK(engine->InstantiateGraph(parent, &exec));
  ASSERT_OK(engine->LaunchGraph(exec, stream));
  ASSERT_OK(engine->SynchronizeStream(stream));
  uint32_t out[4];
  ASSERT_OK(engine->ReadMemory(b, out, 16));
  for (uint32_t word : out) EXPECT_EQ(word, 0x01020304u);
  EXPECT_EQ(log.values(), (std::vector<int>{1, 3}));
}

TEST_P(GraphTest, EventNodesOrderAgainstOtherStreams) {
  auto engine = Make();
  StreamId graph_stream, other;
  ASSERT_OK(engine->CreateStream(0, &graph_stream));
  ASSERT_OK(engine->CreateStream(0, &other));
  EventId before_graph, after_graph;
  ASSERT_OK(engine->CreateEvent(&before_graph));
  ASSERT_OK(engine->CreateEvent(&after_graph));
  OrderLog log;
  LogEntry one{&log, 1}, two{&log, 2}, three{&log, 3};
  uint64_t gate;
  ASSERT_OK(engine->Allocate(0, 4, &gate));

  GraphId graph;
  ASSERT_OK(engine->CreateGraph(&graph));
  GraphNodeParams wait;
  wait.kind = GraphNodeKind::kEventWait;
  wait.event = before_graph;
  uint32_t wait_node, host_node;
  ASSERT_OK(engine->AddGraphNode(graph, wait, {}, &wait_node));
  ASSERT_OK(engine->AddGraphNode(graph, HostNode(&two), std::vector<uint32_t>{wait_node},
                                 &host_node));
  GraphNodeParams record;
  record.kind = GraphNodeKind::kEventRecord;
  record.event = after_graph;
  ASSERT_OK(engine->AddGraphNode(graph, record, std::vector<uint32_t>{host_node}, nullptr));
  GraphExecId exec;
  ASSERT_OK(engine->InstantiateGraph(graph, &exec));

  ASSERT_OK(engine->EnqueueWaitValue32(other, gate, 1, WaitCondition::kEq));
  ASSERT_OK(engine->EnqueueHostFunction(other, AppendToLog, &one));
  ASSERT_OK(engine->RecordEvent(before_graph, other));
  ASSERT_OK(engine->LaunchGraph(exec, graph_stream));
  ASSERT_OK(engine->StreamWaitEvent(other, after_graph));
  ASSERT_OK(engine->EnqueueHostFunction(other, AppendToLog, &three));
  uint32_t value = 1;
  ASSERT_OK(engine->WriteMemory(gate, &value, 4));
  ASSERT_OK(engine->SynchronizeStream(other));
  EXPECT_EQ(log.values(), (std::vector<int>{1, 2, 3}));
}

TEST_P(GraphTest, EmptyGraphCompletes) {
  auto engine = Make();
  StreamId stream;
  ASSERT_OK(engine->CreateStream(0, &stream));
  GraphId graph;
  ASSERT_OK(engine->CreateGraph(&graph));
  GraphExecId exec;
  ASSERT_OK(engine->InstantiateGraph(graph, &exec));
  ASSERT_OK(engine->LaunchGraph(exec, stream));
  EXPECT_OK(engine->SynchronizeStream(stream));
}

}  // namespace
}  // namespace gpuhal::fake
