// Graphs: a template of nodes with explicit dependencies, instantiated into an immutable
// executable snapshot. Child graphs are flattened at instantiation, bracketed by two empty
// nodes, so a launch deals with one flat DAG. A launch tracks which nodes are ready; the
// scheduler runs one ready node per step, so independent nodes interleave with other
// streams in an order the PRNG chooses.
#ifndef GPUHAL_FAKES_ENGINE_GRAPH_H_
#define GPUHAL_FAKES_ENGINE_GRAPH_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "fakes/engine/ops.h"
#include "fakes/engine/types.h"

namespace gpuhal::fake {

enum class GraphNodeKind : uint8_t {
  kEmpty, kKernel, kMemset, kMemcpy, kHost, kEventRecord, kEventWait, kChildGraph,
};

// What a caller passes to add a node; only the member for `kind` is read.
struct GraphNodeParams {
  GraphNodeKind kind = GraphNodeKind::kEmpty;
  LaunchParams kernel;
  MemsetParams memset;
  MemcpyParams memcpy;
  HostFn host_fn = nullptr;
  void* host_user_data = nullptr;
  EventId event = EventId::kNull;
  GraphId child = GraphId::kNull;  // copied when the node is added, as CUDA does
};

struct GraphTemplate;

struct GraphNode {
  GraphNodeKind kind = GraphNodeKind::kEmpty;
  KernelOp kernel;
  MemsetParams memset;
  MemcpyParams memcpy;
  HostFnOp host;
  uint64_t event = 0;
  std::shared_ptr<const GraphTemplate> child;
  std::vector<uint32_t> dependencies;
};

struct GraphTemplate {
  std::vector<GraphNode> nodes;
};

struct ExecNode {
  GraphNode node;  // dependencies/child unused once flattened
  std::vector<uint32_t> successors;
  uint32_t dependency_count = 0;
};

struct ExecGraphData {
  std::vector<ExecNode> nodes;
  std::vector<uint32_t> exec_index_of_template_node;  // top-level nodes only
};

// Flattens `graph` into an executable snapshot.
std::shared_ptr<ExecGraphData> InstantiateGraph(const GraphTemplate& graph);

// One in-flight launch of an executable graph.
struct GraphLaunch {
  std::shared_ptr<const ExecGraphData> data;  // pinned: later updates don't touch it
  std::vector<uint32_t> remaining_dependencies;
  std::vector<uint32_t> ready;           // node indices whose dependencies are done
  std::vector<StreamPoint> wait_points;  // per node: event-wait targets captured at launch
  uint32_t completed = 0;
  uint64_t stream_seq = 0;
};

std::unique_ptr<GraphLaunch> StartGraphLaunch(std::shared_ptr<const ExecGraphData> data);
// Marks node `index` done and moves newly ready successors to `ready`.
void CompleteGraphNode(GraphLaunch& launch, uint32_t index);

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_ENGINE_GRAPH_H_
