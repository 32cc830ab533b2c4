#include "gpuhal/core/dynamic_library.h"

#include <dlfcn.h>

namespace gpuhal {
namespace {

std::string LastLoaderError() {
  const char* error = dlerror();
  return error ? std::string(error) : std::string("no error reported by the dynamic loader");
}

}  // namespace

DynamicLibrary& DynamicLibrary::operator=(DynamicLibrary&& other) noexcept {
  if (this != &other) {
    Close();
    handle_ = std::exchange(other.handle_, nullptr);
    name_ = std::move(other.name_);
  }
  return *this;
}

Result<DynamicLibrary> DynamicLibrary::Open(std::string_view name) {
  std::string owned_name(name);
  if (owned_name.empty()) return InvalidArgumentError("cannot open a library with an empty name");
  dlerror();  // Clear any stale error so the one reported is ours.
  // RTLD_LOCAL: two vendor libraries (or a real one and a test stub) may export the
  // same names; each table must resolve against its own library only.
  void* handle = dlopen(owned_name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    return UnavailableError("cannot load ", owned_name, ": ", LastLoaderError());
  }
  DynamicLibrary library;
  library.handle_ = handle;
  library.name_ = std::move(owned_name);
  return library;
}

void* DynamicLibrary::FindSymbol(const char* symbol) const {
  if (!handle_) return nullptr;
  return dlsym(handle_, symbol);
}

Result<void*> DynamicLibrary::GetSymbol(const char* symbol) const {
  if (!handle_) {
    return FailedPreconditionError("cannot look up ", symbol, ": no library is open");
  }
  dlerror();
  void* address = dlsym(handle_, symbol);
  if (!address) {
    return UnavailableError(name_, " does not provide ", symbol, ": ", LastLoaderError());
  }
  return address;
}

void DynamicLibrary::Close() {
  if (handle_) dlclose(std::exchange(handle_, nullptr));
}

Status MissingSymbolsError(std::string_view library, std::span<const std::string> missing,
                           std::string_view requirement) {
  // A long list would bury the requirement, which is what the user acts on.
  constexpr size_t kMaxNamed = 8;
  std::string names;
  for (size_t i = 0; i < missing.size() && i < kMaxNamed; ++i) {
    if (i) names += ", ";
    names += missing[i];
  }
  if (missing.size() > kMaxNamed) names += StrCat(" and ", missing.size() - kMaxNamed, " more");
  if (requirement.empty()) return UnavailableError(library, " does not provide ", names);
  return UnavailableError(library, " does not provide ", names, "; ", requirement);
}

}  // namespace gpuhal
