// Built-in fake kernels: a process-wide list of kernels that every fake platform's engine
// receives when the platform is created. Kernels written once for the simulated GPU (the
// conformance kernels, the differential suite's kernels) register here, from any library,
// and are then loadable on every fake-cuda and fake-hip device without per-device setup.
//
// Vendor-neutral; it lives beside the CUDA front end only because both front ends use it.
//
//   void Fill(gpuhal::fake::KernelContext& context) { ... }
//   GPUHAL_FAKE_KERNEL(fill_u32, Fill, {sizeof(uint64_t), sizeof(uint32_t)});
//
// or at run time, before the platform is created:
//
//   RegisterBuiltinFakeKernel("fill_u32", &Fill, {sizeof(uint64_t), sizeof(uint32_t)});
#ifndef GPUHAL_FAKES_GPU_BUILTIN_FAKE_KERNELS_H_
#define GPUHAL_FAKES_GPU_BUILTIN_FAKE_KERNELS_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "fakes/engine/kernel_registry.h"

namespace gpuhal::fake {

// Adds (or replaces, by name) a built-in kernel. Platforms created afterwards see it;
// platforms already alive do not (register into their engine().kernels() directly).
// Thread-safe.
void RegisterBuiltinFakeKernel(std::string_view name, KernelFn fn,
                               std::vector<uint32_t> param_sizes, void* user_data = nullptr);

// Registers every built-in kernel into `registry`, in registration order.
void CopyBuiltinFakeKernelsInto(KernelRegistry& registry);

// A static registrar, so a library can register its kernels at load time.
struct BuiltinFakeKernelRegistrar {
  BuiltinFakeKernelRegistrar(std::string_view name, KernelFn fn,
                             std::vector<uint32_t> param_sizes, void* user_data = nullptr) {
    RegisterBuiltinFakeKernel(name, fn, std::move(param_sizes), user_data);
  }
};

}  // namespace gpuhal::fake

// Registers `fn` as built-in kernel `name` when the enclosing library is loaded. A static
// library's registrar object file is only linked if something references it: put the
// macro in a file that is linked for another reason (or link the library whole-archive).
#define GPUHAL_FAKE_KERNEL(name, fn, ...)                                               \
  static const ::gpuhal::fake::BuiltinFakeKernelRegistrar gpuhal_fake_kernel_##name{ \
      #name, fn, std::vector<uint32_t> __VA_ARGS__}

#endif  // GPUHAL_FAKES_GPU_BUILTIN_FAKE_KERNELS_H_
