#include "fakes/hip/hip_front_end.h"

namespace gpuhal::fake {
namespace {

int DeviceAttribute(hipDeviceAttribute_t attribute, int device) {
  switch (attribute) {
    case hipDeviceAttributeMaxThreadsPerBlock: return 1024;
    case hipDeviceAttributeMaxBlockDimX: return 1024;
    case hipDeviceAttributeMaxBlockDimY: return 1024;
    case hipDeviceAttributeMaxBlockDimZ: return 1024;
    case hipDeviceAttributeMaxGridDimX: return 2147483647;
    case hipDeviceAttributeMaxGridDimY: return 65536;
    case hipDeviceAttributeMaxGridDimZ: return 65536;
    case hipDeviceAttributeMaxSharedMemoryPerBlock: return 64 * 1024;
    case hipDeviceAttributeWarpSize: return 64;
    case hipDeviceAttributeMultiprocessorCount: return 4;
    case hipDeviceAttributeComputeCapabilityMajor: return 9;
    case hipDeviceAttributeComputeCapabilityMinor: return 4;
    case hipDeviceAttributeConcurrentKernels: return 1;
    case hipDeviceAttributeCanMapHostMemory: return 1;
    case hipDeviceAttributeMemoryPoolsSupported: return 1;
    case hipDeviceAttributePciDeviceId: return device;
    default: return 0;
  }
}

MemoryRef ToMemoryRef(void* pointer, bool is_host) {
  return is_host ? MemoryRef::Host(pointer) : MemoryRef::Device(HipTraits::Address(pointer));
}

}  // namespace

hipError_t HipFrontEnd::hipDeviceGetAttribute(int* pi, hipDeviceAttribute_t attr, int deviceId) {
  return DeviceGetAttribute(pi, DeviceAttribute(attr, deviceId), deviceId);
}

hipError_t HipFrontEnd::hipSetDevice(int deviceId) {
  if (hipError_t error = CheckDevice(deviceId); error != hipSuccess) return error;
  BindDevice(deviceId);
  return hipSuccess;
}

hipError_t HipFrontEnd::hipGetDevice(int* deviceId) {
  if (hipError_t error = CheckInitialized(); error != hipSuccess) return error;
  if (deviceId == nullptr) return hipErrorInvalidValue;
  *deviceId = BoundDevice();
  return hipSuccess;
}

hipError_t HipFrontEnd::hipMalloc(void** ptr, size_t size) {
  if (ptr != nullptr && size == 0) {  // HIP, unlike CUDA, succeeds with a null pointer
    *ptr = nullptr;
    return hipSuccess;
  }
  return MemAlloc(ptr, size);
}

// ---------------------------------------------------------------------------------------
// Graphs: HIP's parameter structs

HipFrontEnd::KernelNode HipFrontEnd::ReadKernelNode(const hipKernelNodeParams* params) {
  if (params == nullptr) return std::nullopt;
  return KernelNodeArgs<ihipModuleSymbol_t>{
      static_cast<ihipModuleSymbol_t*>(params->func),
      {params->gridDim.x, params->gridDim.y, params->gridDim.z},
      {params->blockDim.x, params->blockDim.y, params->blockDim.z},
      params->sharedMemBytes,
      params->kernelParams,
      params->extra != nullptr};
}

bool HipFrontEnd::IsDeviceAddress(const void* pointer) {
  AllocationInfo info;
  return engine().GetAllocationInfo(HipTraits::Address(pointer), &info) == Error::kOk;
}

hipError_t HipFrontEnd::hipGraphAddMemcpyNode(hipGraphNode_t* pGraphNode, hipGraph_t graph,
                                              const hipGraphNode_t* pDependencies,
                                              size_t numDependencies,
                                              const hipMemcpy3DParms* pCopyParams) {
  if (pCopyParams == nullptr) return hipErrorInvalidValue;
  const hipMemcpy3DParms& copy = *pCopyParams;
  if (copy.extent.width == 0) return hipErrorInvalidValue;
  // Only linear copies between pointers: what 1D copies describe.
  if (copy.srcArray != nullptr || copy.dstArray != nullptr || copy.extent.height > 1 ||
      copy.extent.depth > 1 || copy.srcPos.y != 0 || copy.srcPos.z != 0 || copy.dstPos.y != 0 ||
      copy.dstPos.z != 0) {
    return hipErrorNotSupported;
  }
  void* src = static_cast<uint8_t*>(copy.srcPtr.ptr) + copy.srcPos.x;
  void* dst = static_cast<uint8_t*>(copy.dstPtr.ptr) + copy.dstPos.x;
  bool src_host, dst_host;
  switch (copy.kind) {
    case hipMemcpyHostToDevice: src_host = true, dst_host = false; break;
    case hipMemcpyDeviceToHost: src_host = false, dst_host = true; break;
    case hipMemcpyDeviceToDevice: src_host = false, dst_host = false; break;
    case hipMemcpyHostToHost: src_host = true, dst_host = true; break;
    case hipMemcpyDefault:
      src_host = !IsDeviceAddress(src);
      dst_host = !IsDeviceAddress(dst);
      break;
    default: return hipErrorInvalidMemcpyDirection;
  }
  GraphNodeParams params;
  params.kind = GraphNodeKind::kMemcpy;
  params.memcpy = MemcpyParams{ToMemoryRef(dst, dst_host), ToMemoryRef(src, src_host),
                               copy.extent.width};
  return AddNode(pGraphNode, graph, pDependencies, numDependencies, params);
}

// ---------------------------------------------------------------------------------------
// Errors: HIP names unknown codes rather than failing.

const char* HipFrontEnd::hipGetErrorName(hipError_t hip_error) {
  const HipErrorText* text = FindHipErrorText(hip_error);
  return text ? text->name : "hipErrorUnknown";
}

const char* HipFrontEnd::hipGetErrorString(hipError_t hipError) {
  const HipErrorText* text = FindHipErrorText(hipError);
  return text ? text->description : "unknown error";
}

}  // namespace gpuhal::fake
