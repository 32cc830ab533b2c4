#include "fakes/cuda/fake_cuda_platform.h"

#include <array>
#include <utility>

#include "fakes/gpu/builtin_fake_kernels.h"
#include "fakes/cuda/cuda_front_end.h"
#include "fakes/gpu/slot_binding.h"
#include "fakes/nccl/collective_front_end.h"
#include "fakes/nccl/nccl_comm.h"

namespace gpuhal::fake {

struct NcclVendor {
  using Result = ncclResult_t;
  using DataType = ncclDataType_t;
  using RedOp = ncclRedOp_t;
  using Comm = ncclComm;
  using Stream = cudaStream_t;
  using UniqueId = ncclUniqueId;
  using Config = ncclConfig_t;
  using StreamFrontEnd = CudaFrontEnd;
  static constexpr const std::string_view* kSymbolNames = cuda::kNcclSymbolNames;
  static constexpr int kVersionCode = NCCL_VERSION_CODE;
};

// Every member is named by a table; instantiate them all here (taking a member's address
// as a template argument does not reliably instantiate it).
template class CollectiveFrontEnd<NcclVendor>;

namespace {

using NcclFrontEnd = CollectiveFrontEnd<NcclVendor>;

template <int kSlot>
cuda::CudaSymbols MakeCudaTable() {
  cuda::CudaSymbols table;
#define GPUHAL_CUDA_SYMBOL(name, version)                                             \
  table.name = &Trampoline<CudaFrontEnd, kSlot, &CudaFrontEnd::name,                 \
                           SymbolIndex(cuda::kCudaSymbolNames, #name)>::Call;
#include "backends/cuda/cuda_symbols.inc"
  return table;
}

template <int kSlot>
cuda::NcclSymbols MakeNcclTable() {
  cuda::NcclSymbols table;
#define GPUHAL_NCCL_SYMBOL(name)                                                      \
  table.name = &Trampoline<NcclFrontEnd, kSlot, &NcclFrontEnd::name,                 \
                           SymbolIndex(cuda::kNcclSymbolNames, #name)>::Call;
#include "backends/cuda/nccl_symbols.inc"
  return table;
}

const std::array<cuda::CudaSymbols, kFakePlatformSlotCount>& CudaTables() {
  static const auto tables = MakeSlotTables<cuda::CudaSymbols>(
      []<int kSlot>() { return MakeCudaTable<kSlot>(); },
      std::make_index_sequence<kFakePlatformSlotCount>{});
  return tables;
}

const std::array<cuda::NcclSymbols, kFakePlatformSlotCount>& NcclTables() {
  static const auto tables = MakeSlotTables<cuda::NcclSymbols>(
      []<int kSlot>() { return MakeNcclTable<kSlot>(); },
      std::make_index_sequence<kFakePlatformSlotCount>{});
  return tables;
}

}  // namespace

Result<Ref<FakeCudaPlatform>> FakeCudaPlatform::Create(const EngineOptions& options) {
  if (options.device_count <= 0)
    return InvalidArgumentError("a fake CUDA platform needs at least one device");
  int slot = SlotClaims<FakeCudaPlatform>::Claim();
  if (slot < 0) {
    return ResourceExhaustedError("all ", kFakePlatformSlotCount,
                                  " fake CUDA platform slots are in use");
  }
  return Ref<FakeCudaPlatform>::Adopt(new FakeCudaPlatform(slot, options));
}

FakeCudaPlatform::FakeCudaPlatform(int slot, const EngineOptions& options)
    : slot_(slot),
      engine_(std::make_unique<Engine>(options)),
      cuda_symbols_(&CudaTables()[slot]),
      nccl_symbols_(&NcclTables()[slot]) {
  CopyBuiltinFakeKernelsInto(engine_->kernels());
  cuda_ = std::make_unique<CudaFrontEnd>(*engine_, slot_);
  nccl_ = std::make_unique<NcclFrontEnd>(*engine_, *cuda_);
  SlotTable<CudaFrontEnd>::Bind(slot_, cuda_.get());
  SlotTable<NcclFrontEnd>::Bind(slot_, nccl_.get());
}

FakeCudaPlatform::~FakeCudaPlatform() {
  SlotTable<NcclFrontEnd>::Unbind(slot_);
  SlotTable<CudaFrontEnd>::Unbind(slot_);
  nccl_.reset();
  cuda_.reset();
  engine_.reset();
  SlotClaims<FakeCudaPlatform>::Release(slot_);
}

}  // namespace gpuhal::fake
