#include "fakes/engine/graph.h"

namespace gpuhal::fake {
namespace {

uint32_t AddExecNode(ExecGraphData& data, GraphNode node, const std::vector<uint32_t>& deps) {
  auto index = static_cast<uint32_t>(data.nodes.size());
  node.dependencies.clear();
  node.child.reset();
  data.nodes.push_back(ExecNode{std::move(node), {}, static_cast<uint32_t>(deps.size())});
  for (uint32_t dep : deps) data.nodes[dep].successors.push_back(index);
  return index;
}

// Appends `graph` after `entry_deps`; returns the exec index that stands for each node.
std::vector<uint32_t> Flatten(const GraphTemplate& graph, const std::vector<uint32_t>& entry_deps,
                              ExecGraphData& data) {
  std::vector<uint32_t> exit_of(graph.nodes.size());
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const GraphNode& node = graph.nodes[i];
    std::vector<uint32_t> deps;
    for (uint32_t dep : node.dependencies) deps.push_back(exit_of[dep]);
    if (deps.empty()) deps = entry_deps;
    if (node.kind != GraphNodeKind::kChildGraph) {
      exit_of[i] = AddExecNode(data, node, deps);
      continue;
    }
    uint32_t entry = AddExecNode(data, GraphNode{}, deps);
    std::vector<uint32_t> inner = Flatten(*node.child, {entry}, data);
    inner.push_back(entry);  // an empty child still orders what follows after its deps
    exit_of[i] = AddExecNode(data, GraphNode{}, inner);
  }
  return exit_of;
}

}  // namespace

std::shared_ptr<ExecGraphData> InstantiateGraph(const GraphTemplate& graph) {
  auto data = std::make_shared<ExecGraphData>();
  data->exec_index_of_template_node = Flatten(graph, {}, *data);
  return data;
}

std::unique_ptr<GraphLaunch> StartGraphLaunch(std::shared_ptr<const ExecGraphData> data) {
  auto launch = std::make_unique<GraphLaunch>();
  size_t count = data->nodes.size();
  launch->remaining_dependencies.resize(count);
  launch->wait_points.resize(count);
  for (size_t i = 0; i < count; ++i) {
    launch->remaining_dependencies[i] = data->nodes[i].dependency_count;
    if (data->nodes[i].dependency_count == 0) launch->ready.push_back(static_cast<uint32_t>(i));
  }
  launch->data = std::move(data);
  return launch;
}

void CompleteGraphNode(GraphLaunch& launch, uint32_t index) {
  ++launch.completed;
  for (uint32_t successor : launch.data->nodes[index].successors)
    if (--launch.remaining_dependencies[successor] == 0) launch.ready.push_back(successor);
}

}  // namespace gpuhal::fake
