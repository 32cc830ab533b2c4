// A HIP-shaped simulated GPU: one Engine, and HIP runtime and RCCL symbol tables whose
// functions act on that engine. The HIP twin of FakeCudaPlatform
// (fakes/cuda/fake_cuda_platform.h), with the same slots and lifetime rules; after the
// platform is released its tables return hipErrorDeinitialized (ncclInternalError).
#ifndef GPUHAL_FAKES_HIP_FAKE_HIP_PLATFORM_H_
#define GPUHAL_FAKES_HIP_FAKE_HIP_PLATFORM_H_

#include <memory>

#include "backends/hip/hip_symbols.h"
#include "backends/hip/rccl_symbols.h"
#include "fakes/engine/engine.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::fake {

class HipFrontEnd;
struct RcclVendor;
template <typename Vendor>
class CollectiveFrontEnd;

class FakeHipPlatform : public RefCounted {
 public:
  // RESOURCE_EXHAUSTED when every slot is taken. The engine starts with a copy of the
  // built-in fake kernels (fakes/gpu/builtin_fake_kernels.h).
  static Result<Ref<FakeHipPlatform>> Create(const EngineOptions& options);

  const hip::HipSymbols& hip_symbols() const { return *hip_symbols_; }
  const hip::RcclSymbols& rccl_symbols() const { return *rccl_symbols_; }
  // The same, by the names every fake platform has (FakeGpuDriver).
  const hip::HipSymbols& vendor_symbols() const { return hip_symbols(); }
  const hip::RcclSymbols& collective_symbols() const { return rccl_symbols(); }
  Engine& engine() { return *engine_; }
  int slot() const { return slot_; }

 private:
  FakeHipPlatform(int slot, const EngineOptions& options);
  ~FakeHipPlatform() override;

  const int slot_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<HipFrontEnd> hip_;
  std::unique_ptr<CollectiveFrontEnd<RcclVendor>> rccl_;
  const hip::HipSymbols* hip_symbols_;
  const hip::RcclSymbols* rccl_symbols_;
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_HIP_FAKE_HIP_PLATFORM_H_
