// An executable loaded through the vendor's module API: one module holding one function
// per entry point, plus the entry points' launch metadata and retained layouts.
//
// Loading verifies the container before reading any field (ParseExecutableContainer),
// checks each entry point's declared layout against the caller's PipelineLayout, picks
// the first target this device can load, and resolves every entry point's symbol, so a
// loaded executable can always be dispatched.
#ifndef GPUHAL_BACKENDS_GPU_NATIVE_EXECUTABLE_H_
#define GPUHAL_BACKENDS_GPU_NATIVE_EXECUTABLE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <string>
#include <string_view>

#include "backends/gpu/gpu_context.h"
#include "backends/gpu/vendor.h"
#include "gpuhal/allocator.h"
#include "gpuhal/core/executable_format.h"
#include "gpuhal/executable.h"
#include "gpuhal/layout.h"
#include "gpuhal/ref.h"
#include "gpuhal/status.h"

namespace gpuhal::gpu {

// The target name of code for the simulated GPU: module image text naming kernels
// registered with it (fakes/engine/kernel_registry.h).
inline constexpr std::string_view kFakeExecutableTarget = "fake";

// Targets whose code is text handed to the loader as a C string.
inline bool IsTextTarget(std::string_view target) {
  return target == "ptx" || target == kFakeExecutableTarget;
}

template <Vendor V>
class NativeExecutable final : public Executable {
 public:
  static constexpr char kTypeTag = 0;  // see Executable::TypeTag
  const void* TypeTag() const override { return &kTypeTag; }

  static Result<Ref<Executable>> Load(const GpuContext<V>& context, const ExecutableParams& params);

  uint32_t entry_point_count() const override { return entry_point_count_; }
  const EntryPointInfo& entry_point(uint32_t ordinal) const override {
    return entries_[ordinal].info;
  }
  typename V::Function function(uint32_t ordinal) const { return entries_[ordinal].function; }
  // The container target the module was loaded from ("cubin", "fake", ...).
  std::string_view target() const { return target_; }
  const V& vendor() const { return vendor_; }

 private:
  template <typename T, typename... Args>
  friend T* gpuhal::NewRefCounted(Allocator& allocator, Args&&... args);

  struct Entry {
    EntryPointInfo info;
    typename V::Function function{};
    Ref<PipelineLayout> layout;
  };

  explicit NativeExecutable(const GpuContext<V>& context)
      : vendor_(context.vendor),
        host_allocator_(*context.host_allocator),
        symbol_owner_(context.symbol_owner) {}
  ~NativeExecutable() override;

  // The targets this device tries, most preferred first. On the simulated GPU the fake
  // target comes first; the vendor's targets follow because the simulated front ends
  // also accept PTX (looking up its entry names among the registered fake kernels).
  static std::string PreferenceList(const GpuContext<V>& context);
  static Result<const ParsedTarget*> PickTarget(const GpuContext<V>& context,
                                                const ParsedExecutable& parsed);
  Status LoadModule(const ParsedTarget& target);
  Status InitializeEntries(const ParsedExecutable& parsed, const ParsedTarget& target,
                           std::span<PipelineLayout* const> layouts);

  V vendor_;
  Allocator& host_allocator_;
  Ref<RefCounted> symbol_owner_;  // the symbol table must outlive UnloadModule
  typename V::Module module_{};
  bool module_loaded_ = false;
  std::string_view target_;
  uint32_t entry_point_count_ = 0;
  Entry* entries_ = nullptr;  // entry_point_count_ of them, then the names' characters
  size_t entries_bytes_ = 0;
};

template <Vendor V>
NativeExecutable<V>::~NativeExecutable() {
  // Unloading can only fail for a context that is already gone; nothing to report to.
  if (module_loaded_) vendor_.UnloadModule(module_).IgnoreError();
  for (uint32_t i = 0; i < entry_point_count_; ++i) entries_[i].~Entry();
  host_allocator_.Free(entries_);
}

template <Vendor V>
std::string NativeExecutable<V>::PreferenceList(const GpuContext<V>& context) {
  std::string list;
  if (context.simulated) list += kFakeExecutableTarget;
  for (std::string_view name : V::kExecutableTargets) {
    if (!list.empty()) list += ", ";
    list += name;
  }
  return list;
}

template <Vendor V>
Result<const ParsedTarget*> NativeExecutable<V>::PickTarget(const GpuContext<V>& context,
                                                            const ParsedExecutable& parsed) {
  auto find = [&](std::string_view name) -> const ParsedTarget* {
    for (const ParsedTarget& target : parsed.targets) {
      if (target.name == name) return &target;
    }
    return nullptr;
  };
  if (context.simulated) {
    if (const ParsedTarget* fake = find(kFakeExecutableTarget)) return fake;
  }
  for (std::string_view name : V::kExecutableTargets) {
    if (const ParsedTarget* target = find(name)) return target;
  }
  std::string available;
  for (const ParsedTarget& target : parsed.targets) {
    if (!available.empty()) available += ", ";
    available += target.name;
  }
  return NotFoundError("executable container has no target a ", V::kName,
                       context.simulated ? " (simulated)" : "", " device loads: it wants one of ",
                       PreferenceList(context), "; the container has ",
                       available.empty() ? "none" : available);
}

template <Vendor V>
Status NativeExecutable<V>::LoadModule(const ParsedTarget& target) {
  const std::span<const uint8_t> code = target.code;
  if (code.empty()) {
    return InvalidArgumentError("executable target '", target.name, "' has an empty code blob");
  }
  const bool needs_terminator = IsTextTarget(target.name) && code.back() != 0;
  const void* image = code.data();
  void* terminated = nullptr;
  if (needs_terminator) {
    // The loader reads text targets as C strings; the container does not store the NUL.
    terminated = host_allocator_.Allocate(code.size() + 1, 1);
    if (!terminated) {
      return ResourceExhaustedError("out of host memory copying the ", code.size(), "-byte '",
                                    target.name, "' code blob");
    }
    std::memcpy(terminated, code.data(), code.size());
    static_cast<char*>(terminated)[code.size()] = '\0';
    image = terminated;
  }
  Result<typename V::Module> module = vendor_.LoadModule(image);
  host_allocator_.Free(terminated);  // the loader has copied what it keeps
  if (!module.ok()) {
    return module.status().WithContext(
        StrCat("loading the '", target.name, "' target (", code.size(), " bytes)"));
  }
  module_ = *module;
  module_loaded_ = true;
  return OkStatus();
}

template <Vendor V>
Status NativeExecutable<V>::InitializeEntries(const ParsedExecutable& parsed,
                                              const ParsedTarget& target,
                                              std::span<PipelineLayout* const> layouts) {
  const size_t count = parsed.entry_points.size();
  size_t name_bytes = 0;
  for (const ParsedEntryPoint& entry : parsed.entry_points) name_bytes += entry.name.size();
  entries_bytes_ = count * sizeof(Entry) + name_bytes;
  entries_ = static_cast<Entry*>(host_allocator_.Allocate(entries_bytes_, alignof(Entry)));
  if (!entries_) {
    return ResourceExhaustedError("out of host memory for ", count, " entry points");
  }
  char* names = reinterpret_cast<char*>(entries_ + count);
  for (size_t i = 0; i < count; ++i) {
    const ParsedEntryPoint& parsed_entry = parsed.entry_points[i];
    Entry* entry = new (&entries_[i]) Entry();
    ++entry_point_count_;
    std::memcpy(names, parsed_entry.name.data(), parsed_entry.name.size());
    entry->info.name = std::string_view(names, parsed_entry.name.size());
    names += parsed_entry.name.size();
    entry->info.block_size = parsed_entry.block_size;
    entry->info.shared_memory_bytes = parsed_entry.shared_memory_bytes;
    entry->layout = Ref<PipelineLayout>(layouts[i]);
    entry->info.layout = layouts[i];
    const std::string& symbol = target.symbols[i];
    Result<typename V::Function> function = vendor_.GetFunction(module_, symbol.c_str());
    if (!function.ok()) {
      return function.status().WithContext(StrCat("entry point ", i, " '", parsed_entry.name,
                                                  "': symbol '", symbol, "' is not in the '",
                                                  target.name, "' module"));
    }
    entry->function = *function;
  }
  return OkStatus();
}

template <Vendor V>
Result<Ref<Executable>> NativeExecutable<V>::Load(const GpuContext<V>& context,
                                                  const ExecutableParams& params) {
  Result<ParsedExecutable> parsed = ParseExecutableContainer(params.container);
  if (!parsed.ok()) return parsed.status().WithContext("loading executable");
  const size_t count = parsed->entry_points.size();
  if (params.pipeline_layouts.size() != count) {
    return InvalidArgumentError("loading executable: the container has ", count,
                                " entry points but ", params.pipeline_layouts.size(),
                                " pipeline layouts were given; pass one per entry point, in "
                                "the container's order");
  }
  for (size_t i = 0; i < count; ++i) {
    if (!params.pipeline_layouts[i]) {
      return InvalidArgumentError("loading executable: pipeline layout ", i, " (entry point '",
                                  parsed->entry_points[i].name, "') is null");
    }
    GPUHAL_RETURN_IF_ERROR(CheckLayoutMatches(parsed->entry_points[i], *params.pipeline_layouts[i])
                               .WithContext("loading executable"));
  }
  GPUHAL_ASSIGN_OR_RETURN(const ParsedTarget* target, PickTarget(context, *parsed));
  if (target->symbols.size() != count) {
    return InvalidArgumentError("loading executable: target '", target->name, "' names ",
                                target->symbols.size(), " symbols for ", count, " entry points");
  }

  GPUHAL_RETURN_IF_ERROR(context.vendor.MakeCurrent());
  Ref<NativeExecutable> executable = MakeRef<NativeExecutable>(*context.host_allocator, context);
  if (!executable) return ResourceExhaustedError("out of host memory creating an executable");
  for (std::string_view name : V::kExecutableTargets) {
    if (name == target->name) executable->target_ = name;
  }
  if (executable->target_.empty()) executable->target_ = kFakeExecutableTarget;
  GPUHAL_RETURN_IF_ERROR(executable->LoadModule(*target));
  GPUHAL_RETURN_IF_ERROR(executable->InitializeEntries(*parsed, *target, params.pipeline_layouts));
  return Ref<Executable>(std::move(executable));
}

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_NATIVE_EXECUTABLE_H_
