#include "fakes/cuda/cuda_front_end.h"

#include <algorithm>
#include <optional>

namespace gpuhal::fake {
namespace {

std::optional<int> DeviceAttribute(CUdevice_attribute attribute, int device) {
  if (attribute <= 0 || attribute >= CU_DEVICE_ATTRIBUTE_MAX) return std::nullopt;
  switch (attribute) {
    case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: return 1024;
    case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X: return 1024;
    case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y: return 1024;
    case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z: return 64;
    case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X: return 2147483647;
    case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y: return 65535;
    case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z: return 65535;
    case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK: return 48 * 1024;
    case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: return 227 * 1024;
    case CU_DEVICE_ATTRIBUTE_TOTAL_CONSTANT_MEMORY: return 64 * 1024;
    case CU_DEVICE_ATTRIBUTE_WARP_SIZE: return 32;
    case CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK: return 65536;
    case CU_DEVICE_ATTRIBUTE_CLOCK_RATE: return 1000000;
    case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: return 4;
    case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR: return 2048;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: return 9;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: return 0;
    case CU_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS: return 1;
    case CU_DEVICE_ATTRIBUTE_ASYNC_ENGINE_COUNT: return 2;
    case CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING: return 1;
    case CU_DEVICE_ATTRIBUTE_CAN_MAP_HOST_MEMORY: return 1;
    case CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED: return 1;
    case CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID: return device;
    default: return 0;
  }
}

// One end of a graph memcpy node: host memory, or a device (or unified) address.
bool ToMemoryRef(CUmemorytype type, const void* host, CUdeviceptr device, size_t offset,
                 MemoryRef* ref) {
  switch (type) {
    case CU_MEMORYTYPE_HOST:
      *ref = MemoryRef::Host(static_cast<const uint8_t*>(host) + offset);
      return host != nullptr;
    case CU_MEMORYTYPE_DEVICE:
    case CU_MEMORYTYPE_UNIFIED:
      *ref = MemoryRef::Device(device + offset);
      return true;
    default: return false;  // arrays are not simulated
  }
}

}  // namespace

CudaFrontEnd::CudaFrontEnd(Engine& engine, int slot) : GpuFrontEnd(engine, slot) {
  for (int device = 0; device < engine.device_count(); ++device) {
    auto context = std::make_unique<CUctx_st>();
    context->owner = this;
    context->device = device;
    contexts_.push_back(std::move(context));
  }
}

CudaFrontEnd::~CudaFrontEnd() = default;

bool CudaFrontEnd::IsOwnContext(const CUctx_st* context) const {
  return std::any_of(contexts_.begin(), contexts_.end(),
                     [&](const auto& own) { return own.get() == context; });
}

CUctx_st* CudaFrontEnd::CurrentContext() const {
  const int device = BoundDevice();
  return device < 0 ? nullptr : contexts_[device].get();
}

CUresult CudaFrontEnd::cuDeviceGetAttribute(int* pi, CUdevice_attribute attrib,
                                            CUdevice_v1 dev) {
  return DeviceGetAttribute(pi, DeviceAttribute(attrib, dev), dev);
}

// ---------------------------------------------------------------------------------------
// Contexts

CUresult CudaFrontEnd::cuDevicePrimaryCtxRetain(CUcontext* pctx, CUdevice_v1 dev) {
  if (CUresult result = CheckDevice(dev); result != CUDA_SUCCESS) return result;
  if (pctx == nullptr) return CUDA_ERROR_INVALID_VALUE;
  std::lock_guard lock(context_mu_);
  ++contexts_[dev]->retain_count;
  *pctx = contexts_[dev].get();
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuDevicePrimaryCtxRelease(CUdevice_v1 dev) {
  if (CUresult result = CheckDevice(dev); result != CUDA_SUCCESS) return result;
  std::lock_guard lock(context_mu_);
  if (contexts_[dev]->retain_count == 0) return CUDA_ERROR_INVALID_CONTEXT;
  // The context's state (its NULL stream) lives on: the engine keeps the device's memory
  // and streams regardless, and a retain after the last release gets the same context.
  --contexts_[dev]->retain_count;
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuCtxSetCurrent(CUcontext ctx) {
  if (CUresult result = CheckInitialized(); result != CUDA_SUCCESS) return result;
  if (ctx != nullptr && !IsOwnContext(ctx)) return CUDA_ERROR_INVALID_CONTEXT;
  BindDevice(ctx != nullptr ? ctx->device : -1);
  return CUDA_SUCCESS;
}

CUresult CudaFrontEnd::cuCtxGetCurrent(CUcontext* pctx) {
  if (CUresult result = CheckInitialized(); result != CUDA_SUCCESS) return result;
  if (pctx == nullptr) return CUDA_ERROR_INVALID_VALUE;
  *pctx = CurrentContext();
  return CUDA_SUCCESS;
}

// ---------------------------------------------------------------------------------------
// Graphs: CUDA's parameter structs

CudaFrontEnd::KernelNode CudaFrontEnd::ReadKernelNode(const CUDA_KERNEL_NODE_PARAMS_v2* params) {
  if (params == nullptr) return std::nullopt;
  return KernelNodeArgs<CUfunc_st>{params->func,
                                   {params->gridDimX, params->gridDimY, params->gridDimZ},
                                   {params->blockDimX, params->blockDimY, params->blockDimZ},
                                   params->sharedMemBytes,
                                   params->kernelParams,
                                   params->kern != nullptr || params->extra != nullptr};
}

CUresult CudaFrontEnd::cuGraphAddMemcpyNode(CUgraphNode* phGraphNode, CUgraph hGraph,
                                            const CUgraphNode* dependencies,
                                            size_t numDependencies,
                                            const CUDA_MEMCPY3D_v2* copyParams, CUcontext ctx) {
  if (copyParams == nullptr || !IsOwnContext(ctx)) return CUDA_ERROR_INVALID_VALUE;
  const CUDA_MEMCPY3D_v2& copy = *copyParams;
  if (copy.WidthInBytes == 0) return CUDA_ERROR_INVALID_VALUE;
  // Only linear copies: what 1D copies (Height = Depth = 1) describe.
  if (copy.Height > 1 || copy.Depth > 1 || copy.srcY != 0 || copy.srcZ != 0 || copy.dstY != 0 ||
      copy.dstZ != 0) {
    return CUDA_ERROR_NOT_SUPPORTED;
  }
  GraphNodeParams params;
  params.kind = GraphNodeKind::kMemcpy;
  if (!ToMemoryRef(copy.srcMemoryType, copy.srcHost, copy.srcDevice, copy.srcXInBytes,
                   &params.memcpy.src) ||
      !ToMemoryRef(copy.dstMemoryType, copy.dstHost, copy.dstDevice, copy.dstXInBytes,
                   &params.memcpy.dst)) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  params.memcpy.bytes = copy.WidthInBytes;
  return AddNode(phGraphNode, hGraph, dependencies, numDependencies, params);
}

// ---------------------------------------------------------------------------------------
// Errors

CUresult CudaFrontEnd::cuGetErrorName(CUresult error, const char** pStr) {
  if (pStr == nullptr) return CUDA_ERROR_INVALID_VALUE;
  const CudaErrorText* text = FindCudaErrorText(error);
  *pStr = text ? text->name : nullptr;
  return text ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

CUresult CudaFrontEnd::cuGetErrorString(CUresult error, const char** pStr) {
  if (pStr == nullptr) return CUDA_ERROR_INVALID_VALUE;
  const CudaErrorText* text = FindCudaErrorText(error);
  *pStr = text ? text->description : nullptr;
  return text ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

}  // namespace gpuhal::fake
