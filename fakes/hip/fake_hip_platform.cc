#include "fakes/hip/fake_hip_platform.h"

#include <array>
#include <utility>

#include "fakes/gpu/builtin_fake_kernels.h"
#include "fakes/gpu/slot_binding.h"
#include "fakes/hip/hip_front_end.h"
#include "fakes/nccl/collective_front_end.h"
#include "fakes/nccl/rccl_comm.h"

namespace gpuhal::fake {

struct RcclVendor {
  using Result = hip::ncclResult_t;
  using DataType = hip::ncclDataType_t;
  using RedOp = hip::ncclRedOp_t;
  using Comm = hip::ncclComm;
  using Stream = hipStream_t;
  using UniqueId = hip::ncclUniqueId;
  using Config = hip::ncclConfig_t;
  using StreamFrontEnd = HipFrontEnd;
  static constexpr const std::string_view* kSymbolNames = hip::kRcclSymbolNames;
  // RCCL 2.20.5 (ROCm 6.2), encoded as NCCL encodes versions.
  static constexpr int kVersionCode = 22005;
};

// Every member is named by a table; instantiate them all here (taking a member's address
// as a template argument does not reliably instantiate it).
template class CollectiveFrontEnd<RcclVendor>;

namespace {

using RcclFrontEnd = CollectiveFrontEnd<RcclVendor>;

template <int kSlot>
hip::HipSymbols MakeHipTable() {
  hip::HipSymbols table;
#define GPUHAL_HIP_SYMBOL(name, return_type, parameters)                              \
  table.name = &Trampoline<HipFrontEnd, kSlot, &HipFrontEnd::name,                   \
                           SymbolIndex(hip::kHipSymbolNames, #name)>::Call;
#include "backends/hip/hip_symbols.inc"
  return table;
}

template <int kSlot>
hip::RcclSymbols MakeRcclTable() {
  hip::RcclSymbols table;
#define GPUHAL_RCCL_SYMBOL(name)                                                      \
  table.name = &Trampoline<RcclFrontEnd, kSlot, &RcclFrontEnd::name,                 \
                           SymbolIndex(hip::kRcclSymbolNames, #name)>::Call;
#include "backends/hip/rccl_symbols.inc"
  return table;
}

const std::array<hip::HipSymbols, kFakePlatformSlotCount>& HipTables() {
  static const auto tables = MakeSlotTables<hip::HipSymbols>(
      []<int kSlot>() { return MakeHipTable<kSlot>(); },
      std::make_index_sequence<kFakePlatformSlotCount>{});
  return tables;
}

const std::array<hip::RcclSymbols, kFakePlatformSlotCount>& RcclTables() {
  static const auto tables = MakeSlotTables<hip::RcclSymbols>(
      []<int kSlot>() { return MakeRcclTable<kSlot>(); },
      std::make_index_sequence<kFakePlatformSlotCount>{});
  return tables;
}

// AMD GPUs run 64-lane wavefronts (hipDeviceAttributeWarpSize says 64 too).
EngineOptions WithHipWarpSize(EngineOptions options) {
  options.warp_size = 64;
  return options;
}

}  // namespace

Result<Ref<FakeHipPlatform>> FakeHipPlatform::Create(const EngineOptions& options) {
  if (options.device_count <= 0)
    return InvalidArgumentError("a fake HIP platform needs at least one device");
  int slot = SlotClaims<FakeHipPlatform>::Claim();
  if (slot < 0) {
    return ResourceExhaustedError("all ", kFakePlatformSlotCount,
                                  " fake HIP platform slots are in use");
  }
  return Ref<FakeHipPlatform>::Adopt(new FakeHipPlatform(slot, options));
}

FakeHipPlatform::FakeHipPlatform(int slot, const EngineOptions& options)
    : slot_(slot),
      engine_(std::make_unique<Engine>(WithHipWarpSize(options))),
      hip_symbols_(&HipTables()[slot]),
      rccl_symbols_(&RcclTables()[slot]) {
  CopyBuiltinFakeKernelsInto(engine_->kernels());
  hip_ = std::make_unique<HipFrontEnd>(*engine_, slot_);
  rccl_ = std::make_unique<RcclFrontEnd>(*engine_, *hip_);
  SlotTable<HipFrontEnd>::Bind(slot_, hip_.get());
  SlotTable<RcclFrontEnd>::Bind(slot_, rccl_.get());
}

FakeHipPlatform::~FakeHipPlatform() {
  SlotTable<RcclFrontEnd>::Unbind(slot_);
  SlotTable<HipFrontEnd>::Unbind(slot_);
  rccl_.reset();
  hip_.reset();
  engine_.reset();
  SlotClaims<FakeHipPlatform>::Release(slot_);
}

}  // namespace gpuhal::fake
