// The CUDA driver's opaque handle types, defined by the fake as the front end's handle
// objects (fakes/gpu/gpu_handles.h), plus the primary context, which only CUDA has.
#ifndef GPUHAL_FAKES_CUDA_CUDA_HANDLES_H_
#define GPUHAL_FAKES_CUDA_CUDA_HANDLES_H_

#include "backends/cuda/cuda_symbols.h"
#include "fakes/gpu/gpu_handles.h"

namespace gpuhal::fake {
class CudaFrontEnd;
struct CudaTraits;
}  // namespace gpuhal::fake

// A device's primary context; one per device, owned by the front end. Its NULL stream is
// the front end's NULL stream of the device (GpuFrontEnd::ResolveStreamOnDevice).
struct CUctx_st {
  gpuhal::fake::CudaFrontEnd* owner = nullptr;
  int device = 0;
  int retain_count = 0;  // guarded by the front end's mutex
};

struct CUstream_st : gpuhal::fake::StreamHandle<gpuhal::fake::CudaTraits> {};
struct CUevent_st : gpuhal::fake::EventHandle<gpuhal::fake::CudaTraits> {};
struct CUmemPoolHandle_st : gpuhal::fake::PoolHandle<gpuhal::fake::CudaTraits> {};
struct CUfunc_st : gpuhal::fake::FunctionHandle<gpuhal::fake::CudaTraits> {};
struct CUmod_st : gpuhal::fake::ModuleHandle<gpuhal::fake::CudaTraits, CUfunc_st> {};
struct CUgraph_st;
struct CUgraphNode_st : gpuhal::fake::GraphNodeHandle<CUgraph_st> {};
struct CUgraph_st : gpuhal::fake::GraphHandle<gpuhal::fake::CudaTraits, CUgraphNode_st> {};
struct CUgraphExec_st : gpuhal::fake::GraphExecHandle<gpuhal::fake::CudaTraits> {};

#endif  // GPUHAL_FAKES_CUDA_CUDA_HANDLES_H_
