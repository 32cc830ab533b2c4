// DynamicLibrary: a shared library opened at run time, closed when the last owner goes.
//
// Vendor drivers (CUDA, HIP, NCCL, RCCL) are never linked into gpuhal: a machine without
// them must still run the simulated GPU, and a machine with them must not need them at
// build time. Backends open them through this wrapper, which turns every failure into a
// Status that names the library or symbol and carries the loader's own explanation.
#ifndef GPUHAL_CORE_DYNAMIC_LIBRARY_H_
#define GPUHAL_CORE_DYNAMIC_LIBRARY_H_

#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal {

// Move-only owner of one dlopen handle.
class DynamicLibrary {
 public:
  DynamicLibrary() = default;
  DynamicLibrary(DynamicLibrary&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)), name_(std::move(other.name_)) {}
  DynamicLibrary& operator=(DynamicLibrary&& other) noexcept;
  DynamicLibrary(const DynamicLibrary&) = delete;
  DynamicLibrary& operator=(const DynamicLibrary&) = delete;
  ~DynamicLibrary() { Close(); }

  // Opens `name` (a file name searched as the dynamic loader does, or a path) with every
  // symbol bound now, so that a broken dependency fails here rather than at first call.
  // UNAVAILABLE, naming the library and quoting the loader, when it cannot be opened.
  static Result<DynamicLibrary> Open(std::string_view name);

  bool is_open() const { return handle_ != nullptr; }
  // The name the library was opened by.
  const std::string& name() const { return name_; }

  // The address of `symbol`, or null when the library does not define it.
  void* FindSymbol(const char* symbol) const;
  // As FindSymbol, but UNAVAILABLE naming the symbol and the library when it is absent.
  Result<void*> GetSymbol(const char* symbol) const;

 private:
  void Close();

  void* handle_ = nullptr;
  std::string name_;
};

// UNAVAILABLE for a library that lacks symbols gpuhal needs, e.g.
//   "libnccl.so.2 does not provide ncclCommSplit, ncclCommAbort; gpuhal needs NCCL 2.18 or newer"
// `requirement` (may be empty) tells the user what to install instead.
Status MissingSymbolsError(std::string_view library, std::span<const std::string> missing,
                           std::string_view requirement);

// A symbol table resolved from a library, keeping that library loaded for as long as
// anyone holds a reference: function pointers must never outlive the code they point at.
// Heap-allocated and ref counted, so `&loaded->symbols()` is stable for its lifetime.
template <typename Symbols>
class LoadedSymbols final : public RefCounted {
 public:
  LoadedSymbols(DynamicLibrary library, const Symbols& symbols)
      : library_(std::move(library)), symbols_(symbols) {}

  const Symbols& symbols() const { return symbols_; }
  const DynamicLibrary& library() const { return library_; }

 private:
  // Destroyed after symbols_ is no longer reachable: members are destroyed in reverse
  // order, and nothing else holds the table.
  DynamicLibrary library_;
  Symbols symbols_;
};

}  // namespace gpuhal

#endif  // GPUHAL_CORE_DYNAMIC_LIBRARY_H_
