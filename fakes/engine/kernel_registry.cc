#include "fakes/engine/kernel_registry.h"

#include <cstring>
#include <string>

#include "gpuhal/host_kernel.h"

namespace gpuhal::fake {

uint8_t* KernelContext::Access(uint64_t address, uint64_t bytes) {
  if (faulted()) return nullptr;
  std::string why;
  uint8_t* host = memory_.Translate(address, bytes, &why);
  if (host == nullptr) {
    fault_ = Error::kIllegalAddress;
    fault_message_ = "kernel " + kernel_.name + ": " + why;
  }
  return host;
}

uint8_t* KernelContext::Resolve(uint64_t address, uint64_t* bytes_to_end) {
  *bytes_to_end = 0;
  Allocation* allocation = memory_.FindContaining(address);
  if (allocation == nullptr || allocation->state != Allocation::State::kLive) return nullptr;
  const uint64_t offset = address - allocation->base;
  *bytes_to_end = allocation->size - offset;
  return allocation->data + offset;
}

namespace {

// A HostKernelLaunch over the engine's launch context.
class EngineHostKernelLaunch final : public HostKernelLaunch {
 public:
  explicit EngineHostKernelLaunch(KernelContext& context) : context_(context) {}

  KernelDim3 grid() const override { return {context_.grid().x, context_.grid().y, context_.grid().z}; }
  KernelDim3 block() const override {
    return {context_.block().x, context_.block().y, context_.block().z};
  }
  uint32_t dynamic_shared_memory_bytes() const override { return context_.shared_memory_bytes(); }
  uint32_t warp_size() const override { return context_.warp_size(); }
  std::string_view kernel_name() const override { return context_.name(); }
  size_t argument_count() const override { return context_.arg_count(); }

  bool ReadArgument(size_t index, void* out, size_t size) override {
    const KernelInfo& kernel = context_.kernel();
    if (index >= kernel.param_sizes.size() || kernel.param_sizes[index] != size) {
      Fault("argument " + std::to_string(index) + " read as " + std::to_string(size) +
            " bytes, but the kernel has " + std::to_string(kernel.param_sizes.size()) +
            " parameters" +
            (index < kernel.param_sizes.size()
                 ? " and this one is " + std::to_string(kernel.param_sizes[index]) + " bytes"
                 : ""));
      return false;
    }
    std::memcpy(out, context_.args() + kernel.param_offsets[index], size);
    return true;
  }

  uint8_t* Resolve(uint64_t address, uint64_t* bytes_to_end) override {
    return context_.Resolve(address, bytes_to_end);
  }
  uint8_t* Access(uint64_t address, uint64_t bytes) override {
    uint8_t* host = context_.Access(address, bytes);
    if (host == nullptr) faulted_ = true;
    return host;
  }
  void Fault(std::string_view message) override {
    context_.Fault(message);
    faulted_ = true;
  }

 private:
  KernelContext& context_;
};

void RunHostKernel(KernelContext& context) {
  EngineHostKernelLaunch launch(context);
  reinterpret_cast<HostKernelFn>(context.user_data())(launch);
}

}  // namespace

void KernelContext::Fault(std::string_view message) {
  if (faulted()) return;
  fault_ = Error::kKernelFault;
  fault_message_ = "kernel " + kernel_.name + ": " + std::string(message);
}

KernelId KernelRegistry::Register(std::string_view name, KernelFn fn,
                                  std::vector<uint32_t> param_sizes, void* user_data,
                                  std::string_view scope) {
  KernelInfo info;
  info.name = std::string(name);
  info.scope = std::string(scope);
  info.fn = fn;
  info.user_data = user_data;
  uint32_t offset = 0;
  for (uint32_t size : param_sizes) {
    uint32_t alignment = size >= 8 ? 8 : (size >= 4 ? 4 : (size >= 2 ? 2 : 1));
    offset = (offset + alignment - 1) / alignment * alignment;
    info.param_offsets.push_back(offset);
    offset += size;
  }
  info.args_bytes = offset;
  info.param_sizes = std::move(param_sizes);
  std::lock_guard lock(mu_);
  kernels_.push_back(std::move(info));
  auto id = static_cast<KernelId>(kernels_.size());
  const KernelInfo& added = kernels_.back();
  by_name_[added.scope.empty() ? added.name : added.scope + "/" + added.name] = id;
  return id;
}

KernelId KernelRegistry::Find(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? KernelId::kNull : it->second;
}

const KernelInfo* KernelRegistry::Get(KernelId id) const {
  std::lock_guard lock(mu_);
  auto index = static_cast<uint32_t>(id);
  if (index == 0 || index > kernels_.size()) return nullptr;
  return &kernels_[index - 1];
}

Error KernelRegistry::LoadModuleImage(const char* image, std::vector<std::string>* names,
                                      std::vector<KernelId>* kernels, std::string* why) {
  if (image == nullptr) return Error::kInvalidValue;
  std::string scope;
  kernels->clear();
  std::string_view text(image);
  constexpr std::string_view kHeader = "gpuhal-fake-module";
  bool saw_header = false;
  names->clear();
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (!saw_header) {
      if (line != kHeader) return Error::kInvalidImage;
      saw_header = true;
      continue;
    }
    if (line.empty() || line.front() == '#') continue;
    constexpr std::string_view kKernel = "kernel ";
    constexpr std::string_view kScope = "scope ";
    if (line.starts_with(kScope)) {
      scope = std::string(line.substr(kScope.size()));
      if (scope.empty()) return Error::kInvalidImage;
      continue;
    }
    if (line.substr(0, kKernel.size()) != kKernel) return Error::kInvalidImage;
    std::string_view name = line.substr(kKernel.size());
    if (name.empty()) return Error::kInvalidImage;
    KernelId id = KernelId::kNull;
    if (scope.empty()) {
      id = Find(name);
      if (id == KernelId::kNull && why) {
        *why = "kernel '" + std::string(name) +
               "' has no host version registered with the simulated GPU";
      }
    } else {
      const std::string key = scope + "/" + std::string(name);
      id = Find(key);
      if (id == KernelId::kNull) {
        Result<HostKernel> published = HostKernelLibrary::FindPublished(scope, name);
        if (published.ok()) {
          id = Register(name, &RunHostKernel, published->parameter_sizes,
                        reinterpret_cast<void*>(published->fn), scope);
        } else if (why) {
          *why = published.status().message();
        }
      }
    }
    if (id == KernelId::kNull) return Error::kNotFound;
    names->emplace_back(name);
    kernels->push_back(id);
  }
  return saw_header ? Error::kOk : Error::kInvalidImage;
}

}  // namespace gpuhal::fake
