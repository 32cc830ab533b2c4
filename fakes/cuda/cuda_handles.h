// The CUDA driver's opaque handle types, defined by the fake: each holds the engine
// handle it stands for and the front end (hence the engine) that made it, so a handle
// passed to another fake platform's table is reported instead of misused.
#ifndef GPUHAL_FAKES_CUDA_CUDA_HANDLES_H_
#define GPUHAL_FAKES_CUDA_CUDA_HANDLES_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backends/cuda/cuda_symbols.h"
#include "fakes/engine/types.h"

namespace gpuhal::fake {
class CudaFrontEnd;
}  // namespace gpuhal::fake

// A device's primary context; one per device, owned by the front end.
struct CUctx_st {
  gpuhal::fake::CudaFrontEnd* owner = nullptr;
  int device = 0;
  // The context's NULL stream. The fake gives it no implicit synchronization with other
  // streams: gpuhal creates every stream CU_STREAM_NON_BLOCKING, which real CUDA does not
  // synchronize with the NULL stream either.
  gpuhal::fake::StreamId null_stream = gpuhal::fake::StreamId::kNull;
  int retain_count = 0;  // guarded by the front end's mutex
};

struct CUstream_st {
  gpuhal::fake::CudaFrontEnd* owner = nullptr;
  gpuhal::fake::StreamId id = gpuhal::fake::StreamId::kNull;
  int device = 0;
};

struct CUevent_st {
  gpuhal::fake::CudaFrontEnd* owner = nullptr;
  gpuhal::fake::EventId id = gpuhal::fake::EventId::kNull;
};

struct CUmemPoolHandle_st {
  gpuhal::fake::CudaFrontEnd* owner = nullptr;
  gpuhal::fake::PoolId id = gpuhal::fake::PoolId::kNull;
  int device = 0;
  bool is_default = false;
};

struct CUfunc_st {
  gpuhal::fake::CudaFrontEnd* owner = nullptr;
  gpuhal::fake::KernelId kernel = gpuhal::fake::KernelId::kNull;
};

struct CUmod_st {
  gpuhal::fake::CudaFrontEnd* owner = nullptr;
  gpuhal::fake::ModuleId id = gpuhal::fake::ModuleId::kNull;
  std::mutex mu;
  // cuModuleGetFunction returns the same handle for the same name, as the driver does.
  // The front end owns the function objects; unloading the module destroys them.
  std::map<std::string, CUfunc_st*, std::less<>> functions;
};

struct CUgraph_st;

// A node is its graph plus its index there; the engine numbers nodes in order of addition.
struct CUgraphNode_st {
  CUgraph_st* graph = nullptr;
  uint32_t index = 0;
};

struct CUgraph_st {
  gpuhal::fake::CudaFrontEnd* owner = nullptr;
  gpuhal::fake::GraphId id = gpuhal::fake::GraphId::kNull;
  std::mutex mu;
  // The front end owns the node objects; destroying the graph destroys them.
  std::vector<CUgraphNode_st*> nodes;
};

struct CUgraphExec_st {
  gpuhal::fake::CudaFrontEnd* owner = nullptr;
  gpuhal::fake::GraphExecId id = gpuhal::fake::GraphExecId::kNull;
};

#endif  // GPUHAL_FAKES_CUDA_CUDA_HANDLES_H_
