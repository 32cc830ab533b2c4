// A CUDA-shaped simulated GPU: one Engine, and CUDA driver and NCCL symbol tables whose
// functions act on that engine. Hand the tables to anything written against
// cuda::CudaSymbols / cuda::NcclSymbols (the CUDA backend, the differential suite).
//
//   GPUHAL_ASSIGN_OR_RETURN(Ref<FakeCudaPlatform> platform,
//                           FakeCudaPlatform::Create({.device_count = 2, .seed = 7}));
//   const cuda::CudaSymbols& cu = platform->cuda_symbols();
//   cu.cuInit(0);
//
// Up to kFakePlatformSlotCount platforms may be alive at once (they are independent:
// separate engines, memory, contexts). The tables stay valid for the process's life, but
// after the platform is released their functions return CUDA_ERROR_DEINITIALIZED
// (ncclInternalError) until the slot is reused.
#ifndef GPUHAL_FAKES_CUDA_FAKE_CUDA_PLATFORM_H_
#define GPUHAL_FAKES_CUDA_FAKE_CUDA_PLATFORM_H_

#include <memory>

#include "backends/cuda/cuda_symbols.h"
#include "backends/cuda/nccl_symbols.h"
#include "fakes/engine/engine.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::fake {

class CudaFrontEnd;
struct NcclVendor;
template <typename Vendor>
class CollectiveFrontEnd;

class FakeCudaPlatform : public RefCounted {
 public:
  // RESOURCE_EXHAUSTED when every slot is taken. The engine starts with a copy of the
  // built-in fake kernels (fakes/gpu/builtin_fake_kernels.h).
  static Result<Ref<FakeCudaPlatform>> Create(const EngineOptions& options);

  const cuda::CudaSymbols& cuda_symbols() const { return *cuda_symbols_; }
  const cuda::NcclSymbols& nccl_symbols() const { return *nccl_symbols_; }
  // The same, by the names every fake platform has (FakeGpuDriver).
  const cuda::CudaSymbols& vendor_symbols() const { return cuda_symbols(); }
  const cuda::NcclSymbols& collective_symbols() const { return nccl_symbols(); }
  Engine& engine() { return *engine_; }
  int slot() const { return slot_; }

 private:
  FakeCudaPlatform(int slot, const EngineOptions& options);
  ~FakeCudaPlatform() override;

  const int slot_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<CudaFrontEnd> cuda_;
  std::unique_ptr<CollectiveFrontEnd<NcclVendor>> nccl_;
  const cuda::CudaSymbols* cuda_symbols_;
  const cuda::NcclSymbols* nccl_symbols_;
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_CUDA_FAKE_CUDA_PLATFORM_H_
