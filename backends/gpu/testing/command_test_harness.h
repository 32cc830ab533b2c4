// Test support for the command half of the driver: a simulated GPU opened through the
// vendor seam (no Device object), buffers on it, synchronous reads and writes, a few
// registered fake kernels and containers that name them. Used by the *_test.cc files of
// backends/gpu that test command buffers, executables and events.
#ifndef GPUHAL_BACKENDS_GPU_TESTING_COMMAND_TEST_HARNESS_H_
#define GPUHAL_BACKENDS_GPU_TESTING_COMMAND_TEST_HARNESS_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "backends/gpu/gpu_buffer.h"
#include "backends/gpu/command_half.h"
#include "backends/gpu/gpu_context.h"
#include "backends/gpu/gpu_operand_check.h"
#include "backends/gpu/vendor_binding.h"
#include "fakes/gpu/builtin_fake_kernels.h"
#include "fakes/engine/engine.h"
#include "fakes/engine/kernel_registry.h"
#include "gpuhal/allocator.h"
#include "gpuhal/core/block_pool.h"
#include "gpuhal/core/executable_builder.h"
#include "gpuhal/device.h"
#include "gpuhal/layout.h"
#include "gpuhal/status.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::gpu::testing {

// ---- Fake kernels --------------------------------------------------------------------
// Each runs its whole grid at once; "threads" are grid.x * block.x.

inline uint64_t ThreadCount(fake::KernelContext& context) {
  return uint64_t{context.grid().x} * context.block().x;
}

// fill_u32(buffer, value): buffer[i] = value.
inline void FillU32Kernel(fake::KernelContext& context) {
  const uint64_t n = ThreadCount(context);
  auto* out = context.Pointer<uint32_t>(context.Arg<uint64_t>(0), n);
  const uint32_t value = context.Arg<uint32_t>(1);
  if (!out) return;
  for (uint64_t i = 0; i < n; ++i) out[i] = value;
}

// add_one(in, out): out[i] = in[i] + 1.
inline void AddOneKernel(fake::KernelContext& context) {
  const uint64_t n = ThreadCount(context);
  auto* in = context.Pointer<uint32_t>(context.Arg<uint64_t>(0), n);
  auto* out = context.Pointer<uint32_t>(context.Arg<uint64_t>(1), n);
  if (!in || !out) return;
  for (uint64_t i = 0; i < n; ++i) out[i] = in[i] + 1;
}

// scale_by_constant(in [set 0], out [set 1], factor): out[i] = in[i] * factor.
inline void ScaleByConstantKernel(fake::KernelContext& context) {
  const uint64_t n = ThreadCount(context);
  auto* in = context.Pointer<uint32_t>(context.Arg<uint64_t>(0), n);
  auto* out = context.Pointer<uint32_t>(context.Arg<uint64_t>(1), n);
  const uint32_t factor = context.Arg<uint32_t>(2);
  if (!in || !out) return;
  for (uint64_t i = 0; i < n; ++i) out[i] = in[i] * factor;
}

// dump_arguments(out, a, b, c0, c1): writes its five parameters to out as uint64s.
inline void DumpArgumentsKernel(fake::KernelContext& context) {
  auto* out = context.Pointer<uint64_t>(context.Arg<uint64_t>(0), 5);
  if (!out) return;
  out[0] = context.Arg<uint64_t>(0);
  out[1] = context.Arg<uint64_t>(1);
  out[2] = context.Arg<uint64_t>(2);
  out[3] = context.Arg<uint32_t>(3);
  out[4] = context.Arg<uint32_t>(4);
}

// store_constants(out, c[0..63]): out[i] = c[i].
inline void StoreConstantsKernel(fake::KernelContext& context) {
  auto* out = context.Pointer<uint32_t>(context.Arg<uint64_t>(0), kMaxPushConstants);
  if (!out) return;
  for (uint32_t i = 0; i < kMaxPushConstants; ++i) out[i] = context.Arg<uint32_t>(1 + i);
}

// record_grid(out): out = {grid.x, grid.y, grid.z, calls so far + 1} (accumulating).
inline void RecordGridKernel(fake::KernelContext& context) {
  auto* out = context.Pointer<uint32_t>(context.Arg<uint64_t>(0), 4);
  if (!out) return;
  out[0] = context.grid().x;
  out[1] = context.grid().y;
  out[2] = context.grid().z;
  out[3] += 1;
}

inline void RegisterTestKernels() {
  static std::once_flag once;
  std::call_once(once, [] {
    fake::RegisterBuiltinFakeKernel("fill_u32", &FillU32Kernel, {8, 4});
    fake::RegisterBuiltinFakeKernel("add_one", &AddOneKernel, {8, 8});
    fake::RegisterBuiltinFakeKernel("scale_by_constant", &ScaleByConstantKernel, {8, 8, 4});
    fake::RegisterBuiltinFakeKernel("dump_arguments", &DumpArgumentsKernel, {8, 8, 8, 4, 4});
    std::vector<uint32_t> constants(1 + kMaxPushConstants, 4);
    constants[0] = 8;
    fake::RegisterBuiltinFakeKernel("store_constants", &StoreConstantsKernel, constants);
    fake::RegisterBuiltinFakeKernel("record_grid", &RecordGridKernel, {8});
  });
}

// The fake module image naming `kernels`.
inline std::string FakeModuleImage(std::span<const std::string> kernels) {
  std::string image = "gpuhal-fake-module\n";
  for (const std::string& kernel : kernels) image += "kernel " + kernel + "\n";
  return image;
}

// ---- Platforms -----------------------------------------------------------------------

// Specialized by each vendor's test file (see gpu_command_buffer_cuda_test.cc): the
// CUDA and HIP headers cannot share a translation unit (nccl.h pulls in the CUDA
// runtime's vector types, which clash with HIP's), so each vendor's tests build apart.
//   static constexpr const char* kName;
//   static Result<Ref<RefCounted>> Create(V& vendor);  // fills vendor.symbols
//   static fake::Engine& EngineOf(RefCounted& platform);  // what Create returned
//   static fake::FaultRule LaunchFailureRule();  // fails the next kernel launch
template <Vendor V>
struct FakePlatform;

// One simulated device opened through the vendor seam, with one stream.
template <Vendor V>
class FakeGpu {
 public:
  static Result<std::unique_ptr<FakeGpu>> Create(
      CommandBufferMode mode = CommandBufferMode::kGraph) {
    RegisterTestKernels();
    auto gpu = std::unique_ptr<FakeGpu>(new FakeGpu());
    V vendor{};
    GPUHAL_ASSIGN_OR_RETURN(gpu->platform_, FakePlatform<V>::Create(vendor));
    GPUHAL_RETURN_IF_ERROR(vendor.Initialize());
    GPUHAL_ASSIGN_OR_RETURN(gpu->binding_,
                            VendorBinding<V>::Open(gpu->allocator_, vendor, 0, gpu->platform_));
    GPUHAL_ASSIGN_OR_RETURN(gpu->block_pool_, BlockPool::Create(gpu->allocator_, 4096));
    gpu->params_.command_buffer_mode = mode;
    gpu->context_.vendor = gpu->binding_->vendor();
    gpu->context_.host_allocator = &gpu->allocator_;
    gpu->context_.block_pool = gpu->block_pool_.get();
    gpu->context_.params = &gpu->params_;
    gpu->context_.symbol_owner = gpu->platform_.get();
    gpu->context_.simulated = true;
    GPUHAL_ASSIGN_OR_RETURN(gpu->operand_check_, GpuOperandCheck<V>::Create(gpu->context_));
    gpu->context_.operand_check = gpu->operand_check_.get();
    GPUHAL_ASSIGN_OR_RETURN(gpu->stream_, gpu->vendor().CreateStream());
    return gpu;
  }

  ~FakeGpu() {
    if (stream_) vendor().DestroyStream(stream_).IgnoreError();
  }

  const V& vendor() const { return context_.vendor; }
  const Ref<VendorBinding<V>>& binding() const { return binding_; }
  fake::Engine& engine() { return FakePlatform<V>::EngineOf(*platform_); }
  const GpuContext<V>& context() const { return context_; }
  typename V::Stream stream() const { return stream_; }
  CountingAllocator& allocator() { return allocator_; }
  BlockPool& block_pool() { return *block_pool_; }

  Result<Ref<Buffer>> Allocate(size_t length,
                               BufferUsage usage = BufferUsage::kDefault | BufferUsage::kMapping) {
    GPUHAL_ASSIGN_OR_RETURN(DeviceAddress address, vendor().Allocate(length));
    BufferParams params;
    params.usage = usage;
    typename GpuBuffer<V>::Memory memory;
    memory.kind = GpuMemoryKind::kDevice;
    memory.address = address;
    GPUHAL_ASSIGN_OR_RETURN(Ref<GpuBuffer<V>> buffer,
                            GpuBuffer<V>::Create(allocator_, binding_, params, length, memory));
    return Ref<Buffer>(std::move(buffer));
  }

  Result<DeviceAddress> AddressOf(Buffer& buffer) const {
    return DeviceAddressOf(context_, buffer);
  }

  Status Write(Buffer& buffer, size_t offset, std::span<const uint8_t> bytes) {
    GPUHAL_ASSIGN_OR_RETURN(DeviceAddress address, AddressOf(buffer));
    GPUHAL_RETURN_IF_ERROR(
        vendor().CopyHostToDeviceAsync(address + offset, bytes.data(), bytes.size(), stream_));
    return vendor().SynchronizeStream(stream_);
  }
  template <typename T>
  Status WriteValues(Buffer& buffer, size_t offset, const std::vector<T>& values) {
    return Write(buffer, offset,
                 {reinterpret_cast<const uint8_t*>(values.data()), values.size() * sizeof(T)});
  }
  Result<std::vector<uint8_t>> Read(Buffer& buffer, size_t offset, size_t length) {
    GPUHAL_ASSIGN_OR_RETURN(DeviceAddress address, AddressOf(buffer));
    std::vector<uint8_t> bytes(length);
    GPUHAL_RETURN_IF_ERROR(
        vendor().CopyDeviceToHostAsync(bytes.data(), address + offset, length, stream_));
    GPUHAL_RETURN_IF_ERROR(vendor().SynchronizeStream(stream_));
    return bytes;
  }
  template <typename T>
  Result<std::vector<T>> ReadValues(Buffer& buffer, size_t offset, size_t count) {
    GPUHAL_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, Read(buffer, offset, count * sizeof(T)));
    std::vector<T> values(count);
    std::memcpy(values.data(), bytes.data(), bytes.size());
    return values;
  }

  Result<Ref<CommandBuffer>> CreateCommandBuffer(
      CommandBufferMode mode, CommandBufferUsage usage = CommandBufferUsage::kOneShot) {
    CommandBufferParams params;
    params.usage = usage;
    return CreateGpuCommandBuffer(context_, params, mode);
  }

  // Issues `command_buffer` on the stream and waits for it.
  Status Submit(CommandBuffer& command_buffer) {
    GPUHAL_RETURN_IF_ERROR(IssueCommandBuffer(context_, command_buffer, stream_));
    return vendor().SynchronizeStream(stream_);
  }

  Result<Ref<PipelineLayout>> StorageLayout(std::vector<uint32_t> buffers_per_set,
                                            uint32_t push_constants) {
    std::vector<Ref<DescriptorSetLayout>> sets;
    std::vector<DescriptorSetLayout*> raw;
    for (uint32_t count : buffers_per_set) {
      std::vector<DescriptorSetLayoutBinding> bindings(count);
      for (uint32_t i = 0; i < count; ++i) bindings[i].ordinal = i;
      GPUHAL_ASSIGN_OR_RETURN(Ref<DescriptorSetLayout> set,
                              DescriptorSetLayout::Create(allocator_, bindings));
      raw.push_back(set.get());
      sets.push_back(std::move(set));
    }
    return PipelineLayout::Create(allocator_, raw, push_constants);
  }

  // An executable whose fake target implements `kernels` with `layouts`, one entry point
  // per kernel (named after it), with the given block sizes.
  struct KernelSpec {
    std::string name;
    std::vector<uint32_t> buffers_per_set;
    uint32_t push_constants = 0;
    std::array<uint32_t, 3> block_size{1, 1, 1};
  };
  Result<Ref<Executable>> LoadKernels(const std::vector<KernelSpec>& kernels,
                                      std::vector<Ref<PipelineLayout>>* layouts_out = nullptr) {
    ExecutableBuilder builder;
    std::vector<std::string> names;
    std::vector<Ref<PipelineLayout>> layouts;
    std::vector<PipelineLayout*> raw;
    for (const KernelSpec& kernel : kernels) {
      builder.AddEntryPoint(
          kernel.name, kernel.block_size, 0,
          LayoutShape::StorageBuffers(kernel.buffers_per_set, kernel.push_constants));
      names.push_back(kernel.name);
      GPUHAL_ASSIGN_OR_RETURN(Ref<PipelineLayout> layout,
                              StorageLayout(kernel.buffers_per_set, kernel.push_constants));
      raw.push_back(layout.get());
      layouts.push_back(std::move(layout));
    }
    builder.AddTarget("fake", FakeModuleImage(names), names);
    container_ = builder.Build();
    ExecutableParams params;
    params.container = container_;
    params.pipeline_layouts = raw;
    GPUHAL_ASSIGN_OR_RETURN(Ref<Executable> executable, LoadGpuExecutable(context_, params));
    if (layouts_out) *layouts_out = std::move(layouts);
    return executable;
  }

 private:
  FakeGpu() = default;

  // Declared first: destroyed last, after everything allocated through it.
  CountingAllocator allocator_;
  Ref<RefCounted> platform_;
  Ref<VendorBinding<V>> binding_;
  Ref<BlockPool> block_pool_;
  Ref<GpuOperandCheck<V>> operand_check_;
  DeviceParams params_;
  GpuContext<V> context_{};
  typename V::Stream stream_{};
  std::vector<uint8_t> container_;
};

// Names typed tests after the platform ("FakeCuda", "FakeHip").
struct VendorNames {
  template <typename V>
  static std::string GetName(int) {
    return FakePlatform<V>::kName;
  }
};

inline std::vector<uint8_t> Bytes(std::initializer_list<uint8_t> bytes) { return bytes; }

// Names what each vendor's instantiation of a typed suite over a vendor runs: the vendor
// itself (backends/gpu/CMakeLists.txt generates the instantiations).
#define GPUHAL_VENDOR_TYPED_SUITE(Suite)         \
  template <typename V>                          \
  using Suite##Types = ::testing::Types<V>;      \
  using Suite##Names = ::gpuhal::gpu::testing::VendorNames

}  // namespace gpuhal::gpu::testing

#endif  // GPUHAL_BACKENDS_GPU_TESTING_COMMAND_TEST_HARNESS_H_
