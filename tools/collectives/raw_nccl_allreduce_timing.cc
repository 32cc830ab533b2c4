// The raw NCCL side of allreduce_timing.h: the CUDA driver API and NCCL, called directly
// through the same loaded symbol tables gpuhal uses, with nothing of gpuhal's in between.
#include <chrono>
#include <cstdint>
#include <vector>

#include "backends/cuda/cuda_library.h"
#include "backends/cuda/cuda_status.h"
#include "backends/cuda/nccl_library.h"
#include "backends/cuda/nccl_status.h"
#include "tools/collectives/allreduce_timing.h"

namespace gpuhal::collectives {
namespace {

struct RawDevice {
  CUdevice device = 0;
  CUcontext context = nullptr;
  CUstream stream = nullptr;
  CUdeviceptr send = 0, recv = 0;
  ncclComm_t comm = nullptr;
};

class RawNccl {
 public:
  RawNccl(const cuda::CudaSymbols& cu, const cuda::NcclSymbols& nccl) : cu_(cu), nccl_(nccl) {}
  ~RawNccl() {
    for (RawDevice& d : devices_) {
      if (!d.context) continue;
      cu_.cuCtxSetCurrent(d.context);
      FreeBuffers(d);
      if (d.comm) nccl_.ncclCommDestroy(d.comm);
      if (d.stream) cu_.cuStreamDestroy(d.stream);
      cu_.cuDevicePrimaryCtxRelease(d.device);
    }
  }

  Status Open(int count) {
    GPUHAL_RETURN_IF_ERROR(GPUHAL_CUDA_CALL(cu_, cuInit, 0));
    devices_.resize(count);
    std::vector<int> ordinals(count);
    for (int i = 0; i < count; ++i) {
      RawDevice& d = devices_[i];
      ordinals[i] = i;
      GPUHAL_RETURN_IF_ERROR(GPUHAL_CUDA_CALL(cu_, cuDeviceGet, &d.device, i));
      GPUHAL_RETURN_IF_ERROR(GPUHAL_CUDA_CALL(cu_, cuDevicePrimaryCtxRetain, &d.context, d.device));
      GPUHAL_RETURN_IF_ERROR(GPUHAL_CUDA_CALL(cu_, cuCtxSetCurrent, d.context));
      GPUHAL_RETURN_IF_ERROR(
          GPUHAL_CUDA_CALL(cu_, cuStreamCreate, &d.stream, CU_STREAM_NON_BLOCKING));
    }
    std::vector<ncclComm_t> comms(count);
    GPUHAL_RETURN_IF_ERROR(
        GPUHAL_NCCL_CALL(nccl_, ncclCommInitAll, comms.data(), count, ordinals.data()));
    for (int i = 0; i < count; ++i) devices_[i].comm = comms[i];
    return OkStatus();
  }

  Result<double> Time(size_t bytes) {
    for (RawDevice& d : devices_) {
      GPUHAL_RETURN_IF_ERROR(GPUHAL_CUDA_CALL(cu_, cuCtxSetCurrent, d.context));
      GPUHAL_RETURN_IF_ERROR(GPUHAL_CUDA_CALL(cu_, cuMemAlloc, &d.send, bytes));
      GPUHAL_RETURN_IF_ERROR(GPUHAL_CUDA_CALL(cu_, cuMemAlloc, &d.recv, bytes));
      const float one = 1.0f;
      uint32_t pattern;
      std::memcpy(&pattern, &one, 4);
      GPUHAL_RETURN_IF_ERROR(
          GPUHAL_CUDA_CALL(cu_, cuMemsetD32Async, d.send, pattern, bytes / 4, d.stream));
    }
    GPUHAL_RETURN_IF_ERROR(Run(bytes, WarmupIterationsFor(bytes)));
    GPUHAL_RETURN_IF_ERROR(Synchronize());
    const int iterations = TimedIterationsFor(bytes);
    const auto start = std::chrono::steady_clock::now();
    GPUHAL_RETURN_IF_ERROR(Run(bytes, iterations));
    GPUHAL_RETURN_IF_ERROR(Synchronize());
    const auto end = std::chrono::steady_clock::now();
    for (RawDevice& d : devices_) {
      cu_.cuCtxSetCurrent(d.context);
      FreeBuffers(d);
    }
    return std::chrono::duration<double>(end - start).count() / iterations;
  }

 private:
  Status Run(size_t bytes, int iterations) {
    for (int i = 0; i < iterations; ++i) {
      GPUHAL_RETURN_IF_ERROR(GPUHAL_NCCL_CALL(nccl_, ncclGroupStart));
      for (RawDevice& d : devices_) {
        const ncclResult_t result =
            nccl_.ncclAllReduce(reinterpret_cast<const void*>(d.send),
                                reinterpret_cast<void*>(d.recv), bytes / 4, ncclFloat32, ncclSum,
                                d.comm, d.stream);
        if (result != ncclSuccess) {
          nccl_.ncclGroupEnd();
          return cuda::NcclResultToStatus(result, "ncclAllReduce", &nccl_);
        }
      }
      GPUHAL_RETURN_IF_ERROR(GPUHAL_NCCL_CALL(nccl_, ncclGroupEnd));
    }
    return OkStatus();
  }
  Status Synchronize() {
    for (RawDevice& d : devices_) {
      GPUHAL_RETURN_IF_ERROR(GPUHAL_CUDA_CALL(cu_, cuCtxSetCurrent, d.context));
      GPUHAL_RETURN_IF_ERROR(GPUHAL_CUDA_CALL(cu_, cuStreamSynchronize, d.stream));
    }
    return OkStatus();
  }
  void FreeBuffers(RawDevice& d) {
    if (d.send) cu_.cuMemFree(d.send);
    if (d.recv) cu_.cuMemFree(d.recv);
    d.send = d.recv = 0;
  }

  const cuda::CudaSymbols& cu_;
  const cuda::NcclSymbols& nccl_;
  std::vector<RawDevice> devices_;
};

}  // namespace

Result<std::vector<double>> TimeRawNcclAllReduce(int device_count, const std::vector<size_t>& sizes) {
  GPUHAL_ASSIGN_OR_RETURN(Ref<cuda::CudaLibrary> cuda_library, cuda::LoadCudaLibrary());
  GPUHAL_ASSIGN_OR_RETURN(Ref<cuda::NcclLibrary> nccl_library, cuda::LoadNcclLibrary());
  RawNccl raw(cuda_library->symbols(), nccl_library->symbols());
  GPUHAL_RETURN_IF_ERROR(raw.Open(device_count));
  std::vector<double> seconds;
  for (size_t bytes : sizes) {
    Result<double> time = raw.Time(bytes);
    if (!time.ok()) return time.status().WithContext(StrCat("raw NCCL all-reduce of ", bytes, " bytes"));
    seconds.push_back(*time);
  }
  return seconds;
}

}  // namespace gpuhal::collectives
