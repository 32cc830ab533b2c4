#include "fakes/engine/kernel_registry.h"

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

void KernelContext::Fault(std::string_view message) {
  if (faulted()) return;
  fault_ = Error::kKernelFault;
  fault_message_ = "kernel " + kernel_.name + ": " + std::string(message);
}

KernelId KernelRegistry::Register(std::string_view name, KernelFn fn,
                                  std::vector<uint32_t> param_sizes, void* user_data) {
  KernelInfo info;
  info.name = std::string(name);
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
  by_name_[kernels_.back().name] = id;
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

Error KernelRegistry::ParseModuleImage(const char* image, std::vector<std::string>* names) const {
  if (image == nullptr) return Error::kInvalidValue;
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
    if (line.substr(0, kKernel.size()) != kKernel) return Error::kInvalidImage;
    std::string_view name = line.substr(kKernel.size());
    if (name.empty()) return Error::kInvalidImage;
    if (Find(name) == KernelId::kNull) return Error::kNotFound;
    names->emplace_back(name);
  }
  return saw_header ? Error::kOk : Error::kInvalidImage;
}

}  // namespace gpuhal::fake
