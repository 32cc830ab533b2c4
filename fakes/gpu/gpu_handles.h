// The opaque handle objects of the CUDA and HIP front ends, written once. The vendors'
// headers declare the structs by their own names (CUstream_st, ihipStream_t, ...); the
// fake defines each as one of these (fakes/cuda/cuda_handles.h, fakes/hip/hip_handles.h).
// Each holds the engine handle it stands for and the front end (hence the engine) that
// made it, so a handle passed to another fake platform's table is reported, not misused.
#ifndef GPUHAL_FAKES_GPU_GPU_HANDLES_H_
#define GPUHAL_FAKES_GPU_GPU_HANDLES_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "fakes/engine/types.h"

namespace gpuhal::fake {

template <typename Traits>
class GpuFrontEnd;

template <typename Traits>
struct StreamHandle {
  GpuFrontEnd<Traits>* owner = nullptr;
  StreamId id = StreamId::kNull;
  int device = 0;
};

template <typename Traits>
struct EventHandle {
  GpuFrontEnd<Traits>* owner = nullptr;
  EventId id = EventId::kNull;
};

template <typename Traits>
struct PoolHandle {
  GpuFrontEnd<Traits>* owner = nullptr;
  PoolId id = PoolId::kNull;
  int device = 0;
  bool is_default = false;
};

template <typename Traits>
struct FunctionHandle {
  GpuFrontEnd<Traits>* owner = nullptr;
  KernelId kernel = KernelId::kNull;
};

template <typename Traits, typename Function>
struct ModuleHandle {
  GpuFrontEnd<Traits>* owner = nullptr;
  ModuleId id = ModuleId::kNull;
  std::mutex mu;
  // Getting a function returns the same handle for the same name, as the vendors do. The
  // front end owns the function objects; unloading the module destroys them.
  std::map<std::string, Function*, std::less<>> functions;
};

// A node is its graph plus its index there; the engine numbers nodes in order of addition.
template <typename Graph>
struct GraphNodeHandle {
  Graph* graph = nullptr;
  uint32_t index = 0;
};

template <typename Traits, typename Node>
struct GraphHandle {
  GpuFrontEnd<Traits>* owner = nullptr;
  GraphId id = GraphId::kNull;
  std::mutex mu;
  // The front end owns the node objects; destroying the graph destroys them.
  std::vector<Node*> nodes;
};

template <typename Traits>
struct GraphExecHandle {
  GpuFrontEnd<Traits>* owner = nullptr;
  GraphExecId id = GraphExecId::kNull;
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_GPU_GPU_HANDLES_H_
