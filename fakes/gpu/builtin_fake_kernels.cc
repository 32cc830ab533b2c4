#include "fakes/gpu/builtin_fake_kernels.h"

#include <mutex>
#include <string>

namespace gpuhal::fake {
namespace {

struct BuiltinKernel {
  std::string name;
  KernelFn fn;
  std::vector<uint32_t> param_sizes;
  void* user_data;
};

// Function-local statics: registrars in other libraries may run before this file's
// globals are constructed.
std::mutex& BuiltinMutex() {
  static std::mutex mu;
  return mu;
}
std::vector<BuiltinKernel>& BuiltinKernels() {
  static std::vector<BuiltinKernel> kernels;
  return kernels;
}

}  // namespace

void RegisterBuiltinFakeKernel(std::string_view name, KernelFn fn,
                               std::vector<uint32_t> param_sizes, void* user_data) {
  std::lock_guard lock(BuiltinMutex());
  for (BuiltinKernel& kernel : BuiltinKernels()) {
    if (kernel.name == name) {
      kernel = BuiltinKernel{std::string(name), fn, std::move(param_sizes), user_data};
      return;
    }
  }
  BuiltinKernels().push_back({std::string(name), fn, std::move(param_sizes), user_data});
}

void CopyBuiltinFakeKernelsInto(KernelRegistry& registry) {
  std::lock_guard lock(BuiltinMutex());
  for (const BuiltinKernel& kernel : BuiltinKernels())
    registry.Register(kernel.name, kernel.fn, kernel.param_sizes, kernel.user_data);
}

}  // namespace gpuhal::fake
