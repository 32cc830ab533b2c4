// The HIP runtime's opaque handle types, defined by the fake as the front end's handle
// objects (fakes/gpu/gpu_handles.h).
#ifndef GPUHAL_FAKES_HIP_HIP_HANDLES_H_
#define GPUHAL_FAKES_HIP_HIP_HANDLES_H_

#include "backends/hip/hip_symbols.h"
#include "fakes/gpu/gpu_handles.h"

namespace gpuhal::fake {
struct HipTraits;
}  // namespace gpuhal::fake

struct ihipStream_t : gpuhal::fake::StreamHandle<gpuhal::fake::HipTraits> {};
struct ihipEvent_t : gpuhal::fake::EventHandle<gpuhal::fake::HipTraits> {};
struct ihipMemPoolHandle_t : gpuhal::fake::PoolHandle<gpuhal::fake::HipTraits> {};
struct ihipModuleSymbol_t : gpuhal::fake::FunctionHandle<gpuhal::fake::HipTraits> {};
struct ihipModule_t : gpuhal::fake::ModuleHandle<gpuhal::fake::HipTraits, ihipModuleSymbol_t> {};
struct ihipGraph;
struct hipGraphNode : gpuhal::fake::GraphNodeHandle<ihipGraph> {};
struct ihipGraph : gpuhal::fake::GraphHandle<gpuhal::fake::HipTraits, hipGraphNode> {};
struct hipGraphExec : gpuhal::fake::GraphExecHandle<gpuhal::fake::HipTraits> {};

#endif  // GPUHAL_FAKES_HIP_HIP_HANDLES_H_
