// The HIP runtime's opaque handle types, defined by the fake: each holds the engine handle
// it stands for and the front end (hence the engine) that made it.
#ifndef GPUHAL_FAKES_HIP_HIP_HANDLES_H_
#define GPUHAL_FAKES_HIP_HIP_HANDLES_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "backends/hip/hip_symbols.h"
#include "fakes/engine/types.h"

namespace gpuhal::fake {
class HipFrontEnd;
}  // namespace gpuhal::fake

struct ihipStream_t {
  gpuhal::fake::HipFrontEnd* owner = nullptr;
  gpuhal::fake::StreamId id = gpuhal::fake::StreamId::kNull;
  int device = 0;
};

struct ihipEvent_t {
  gpuhal::fake::HipFrontEnd* owner = nullptr;
  gpuhal::fake::EventId id = gpuhal::fake::EventId::kNull;
};

struct ihipMemPoolHandle_t {
  gpuhal::fake::HipFrontEnd* owner = nullptr;
  gpuhal::fake::PoolId id = gpuhal::fake::PoolId::kNull;
  int device = 0;
  bool is_default = false;
};

struct ihipModuleSymbol_t {
  gpuhal::fake::HipFrontEnd* owner = nullptr;
  gpuhal::fake::KernelId kernel = gpuhal::fake::KernelId::kNull;
};

struct ihipModule_t {
  gpuhal::fake::HipFrontEnd* owner = nullptr;
  gpuhal::fake::ModuleId id = gpuhal::fake::ModuleId::kNull;
  std::mutex mu;
  // hipModuleGetFunction returns the same handle for the same name. The front end owns
  // the function objects; unloading the module destroys them.
  std::map<std::string, ihipModuleSymbol_t*, std::less<>> functions;
};

struct ihipGraph;

// A node is its graph plus its index there; the engine numbers nodes in order of addition.
struct hipGraphNode {
  ihipGraph* graph = nullptr;
  uint32_t index = 0;
};

struct ihipGraph {
  gpuhal::fake::HipFrontEnd* owner = nullptr;
  gpuhal::fake::GraphId id = gpuhal::fake::GraphId::kNull;
  std::mutex mu;
  // The front end owns the node objects; destroying the graph destroys them.
  std::vector<hipGraphNode*> nodes;
};

struct hipGraphExec {
  gpuhal::fake::HipFrontEnd* owner = nullptr;
  gpuhal::fake::GraphExecId id = gpuhal::fake::GraphExecId::kNull;
};

#endif  // GPUHAL_FAKES_HIP_HIP_HANDLES_H_
