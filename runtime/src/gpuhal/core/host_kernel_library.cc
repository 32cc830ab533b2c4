#include <algorithm>
#include <map>
#include <mutex>
#include <utility>

#include "gpuhal/host_kernel.h"

namespace gpuhal {
namespace {

// The published libraries by scope. Libraries register and withdraw themselves; the
// simulated GPU copies what it finds, so a lookup never outlives the lock.
struct PublishedLibraries {
  std::mutex mutex;
  std::map<std::string, const HostKernelLibrary*, std::less<>> by_scope;  // guarded by mutex
};

PublishedLibraries& Published() {
  static auto* published = new PublishedLibraries();  // never destroyed: used at exit
  return *published;
}

bool IsWellFormedName(std::string_view name) {
  return !name.empty() && std::none_of(name.begin(), name.end(), [](char c) {
    return c == '/' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
  });
}

}  // namespace

HostKernelLibrary::HostKernelLibrary(std::string scope) : scope_(std::move(scope)) {}

HostKernelLibrary::~HostKernelLibrary() {
  if (!published_) return;
  PublishedLibraries& published = Published();
  std::lock_guard lock(published.mutex);
  auto it = published.by_scope.find(scope_);
  if (it != published.by_scope.end() && it->second == this) published.by_scope.erase(it);
}

Status HostKernelLibrary::Add(std::string_view name, HostKernelFn fn,
                              std::vector<uint32_t> parameter_sizes) {
  if (published_) {
    return FailedPreconditionError("host kernel library '", scope_,
                                   "' is published; add kernel '", name, "' before Publish");
  }
  if (!IsWellFormedName(name)) {
    return InvalidArgumentError("host kernel name '", name,
                                "' is empty or holds whitespace or '/'");
  }
  if (fn == nullptr) return InvalidArgumentError("host kernel '", name, "' has a null function");
  for (const HostKernel& kernel : kernels_) {
    if (kernel.name == name) {
      return AlreadyExistsError("host kernel library '", scope_, "' already has a kernel named '",
                                name, "'");
    }
  }
  kernels_.push_back(HostKernel{std::string(name), fn, std::move(parameter_sizes)});
  return OkStatus();
}

Status HostKernelLibrary::Publish() {
  if (published_) return FailedPreconditionError("host kernel library '", scope_, "' is published already");
  if (!IsWellFormedName(scope_)) {
    return InvalidArgumentError("host kernel library scope '", scope_,
                                "' is empty or holds whitespace or '/'");
  }
  PublishedLibraries& published = Published();
  std::lock_guard lock(published.mutex);
  if (published.by_scope.contains(scope_)) {
    return AlreadyExistsError("another host kernel library is published as '", scope_,
                              "'; give each library its own scope");
  }
  published.by_scope.emplace(scope_, this);
  published_ = true;
  return OkStatus();
}

Result<HostKernel> HostKernelLibrary::FindPublished(std::string_view scope,
                                                    std::string_view name) {
  PublishedLibraries& published = Published();
  std::lock_guard lock(published.mutex);
  auto it = published.by_scope.find(scope);
  if (it == published.by_scope.end()) {
    return NotFoundError("no host kernel library is published as '", scope,
                         "' (publish the library gpuhal_add_kernels made, before loading "
                         "its container on a simulated device)");
  }
  for (const HostKernel& kernel : it->second->kernels_) {
    if (kernel.name == name) return kernel;
  }
  return NotFoundError("host kernel library '", scope, "' has no kernel named '", name, "'");
}

}  // namespace gpuhal
