#include "fakes/drivers/fault_spec.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <utility>

#include "gpuhal/core/split_string.h"

namespace gpuhal::fake {
namespace {

bool Contains(std::span<const std::string_view> names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool IsAllocation(std::string_view name) {
  return name.find("Alloc") != std::string_view::npos ||
         name.find("Malloc") != std::string_view::npos;
}

Result<FaultRule> ParseFailRule(std::string_view rule_text, const FaultVocabulary& vocabulary,
                                uint64_t seed) {
  const size_t at = rule_text.find_first_of("@%");
  if (at == std::string_view::npos || at == 0) {
    return InvalidArgumentError("fail=", rule_text,
                                ": expected NAME@N (the Nth call fails) or NAME%P (each call "
                                "fails with probability P), e.g. cuMemAlloc@3");
  }
  const std::string_view name = rule_text.substr(0, at);
  const std::string_view value = rule_text.substr(at + 1);
  FaultRule rule;
  rule.entry_point = std::string(name);
  if (Contains(vocabulary.collective_functions, name)) {
    rule.error_code = vocabulary.collective_failed;
  } else if (Contains(vocabulary.vendor_functions, name)) {
    rule.error_code = IsAllocation(name) ? vocabulary.out_of_memory : vocabulary.launch_failed;
  } else {
    std::string hint;
    if (vocabulary.translate_cuda_name != nullptr && name.starts_with("cu")) {
      std::string translated = vocabulary.translate_cuda_name(name);
      if (translated != name && Contains(vocabulary.vendor_functions, translated)) {
        hint = " (did you mean " + translated + "?)";
      }
    }
    return InvalidArgumentError("fail=", rule_text, ": ", name, " is not a function of ",
                                vocabulary.vendor,
                                "'s vendor or collectives library", hint);
  }
  if (rule_text[at] == '@') {
    std::optional<uint64_t> nth = ParseUnsignedDecimal(value);
    if (!nth || *nth == 0) {
      return InvalidArgumentError("fail=", rule_text, ": the call number '", value,
                                  "' is not an integer of at least 1");
    }
    rule.nth_call = *nth;
    rule.max_fires = 1;
    return rule;
  }
  char* end = nullptr;
  const std::string value_text(value);
  const double fraction = std::strtod(value_text.c_str(), &end);
  if (value_text.empty() || end != value_text.c_str() + value_text.size() ||
      !(fraction > 0.0 && fraction <= 1.0)) {
    return InvalidArgumentError("fail=", rule_text, ": the probability '", value,
                                "' is not a number in (0, 1]");
  }
  rule.fraction = fraction;
  rule.seed = seed ^ std::hash<std::string_view>{}(name);
  rule.max_fires = 0;
  return rule;
}

Result<FaultRule> ParseKernelFault(std::string_view text, const FaultVocabulary& vocabulary) {
  const size_t at = text.find('@');
  const std::string_view name = text.substr(0, at);
  if (name.empty()) {
    return InvalidArgumentError("fault_kernel=", text, ": expected a kernel name, NAME[@N]");
  }
  FaultRule rule;
  rule.entry_point = "kernel:" + std::string(name);
  rule.error_code = vocabulary.launch_failed;
  rule.nth_call = 1;
  if (at != std::string_view::npos) {
    std::optional<uint64_t> nth = ParseUnsignedDecimal(text.substr(at + 1));
    if (!nth || *nth == 0) {
      return InvalidArgumentError("fault_kernel=", text, ": the launch number '",
                                  text.substr(at + 1), "' is not an integer of at least 1");
    }
    rule.nth_call = *nth;
  }
  return rule;
}

}  // namespace

Result<FaultPlan> ParseFaultPlan(std::optional<std::string_view> fail,
                                 std::optional<std::string_view> lose,
                                 std::optional<std::string_view> fault_kernel,
                                 const FaultVocabulary& vocabulary, uint64_t seed) {
  FaultPlan plan;
  if (fail) {
    for (std::string_view rule_text : SplitString(*fail, ',')) {
      GPUHAL_ASSIGN_OR_RETURN(FaultRule rule, ParseFailRule(rule_text, vocabulary, seed));
      plan.rules.push_back(std::move(rule));
    }
  }
  if (fault_kernel) {
    for (std::string_view text : SplitString(*fault_kernel, ',')) {
      GPUHAL_ASSIGN_OR_RETURN(FaultRule rule, ParseKernelFault(text, vocabulary));
      plan.rules.push_back(std::move(rule));
    }
  }
  if (lose) {
    std::optional<uint64_t> calls = ParseUnsignedDecimal(*lose);
    if (!calls) {
      return InvalidArgumentError("lose=", *lose,
                                  ": expected the number of vendor calls before the device is "
                                  "lost, e.g. lose=100");
    }
    plan.lose_after_calls = *calls;
  }
  return plan;
}

Result<FaultPlan> ParseFaultSpec(std::string_view spec, const FaultVocabulary& vocabulary,
                                 uint64_t seed) {
  std::optional<std::string_view> fail, lose, fault_kernel, memory;
  for (std::string_view pair : SplitString(spec, '&')) {
    const size_t equals = pair.find('=');
    const std::string_view key = pair.substr(0, equals);
    std::optional<std::string_view>* slot = key == "fail"           ? &fail
                                            : key == "lose"         ? &lose
                                            : key == "fault_kernel" ? &fault_kernel
                                            : key == "memory"       ? &memory
                                                                    : nullptr;
    if (equals == std::string_view::npos || slot == nullptr) {
      return InvalidArgumentError("fault spec part '", pair,
                                  "' is not fail=..., lose=N, fault_kernel=... or memory=SIZE");
    }
    if (slot->has_value()) return InvalidArgumentError("fault spec sets '", key, "' twice");
    *slot = pair.substr(equals + 1);
  }
  GPUHAL_ASSIGN_OR_RETURN(FaultPlan plan,
                          ParseFaultPlan(fail, lose, fault_kernel, vocabulary, seed));
  if (memory) {
    GPUHAL_ASSIGN_OR_RETURN(plan.memory_bytes, ParseByteSize("memory", *memory));
  }
  return plan;
}

void ApplyFaultPlan(const FaultPlan& plan, Engine& engine) {
  if (plan.memory_bytes) {
    for (int device = 0; device < engine.device_count(); ++device)
      engine.SetDeviceMemoryLimit(device, *plan.memory_bytes);
  }
  for (const FaultRule& rule : plan.rules) engine.fault_injector().AddRule(rule);
  if (plan.lose_after_calls) {
    engine.fault_injector().LoseDeviceAfter(*plan.lose_after_calls, [&engine] {
      for (int device = 0; device < engine.device_count(); ++device)
        engine.InjectDeviceLost(device);
    });
  }
}

std::optional<uint64_t> ParseUnsignedDecimal(std::string_view text) {
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Result<uint64_t> ParseByteSize(std::string_view key, std::string_view text) {
  static constexpr std::pair<std::string_view, uint64_t> kUnits[] = {
      {"KiB", uint64_t{1} << 10}, {"MiB", uint64_t{1} << 20}, {"GiB", uint64_t{1} << 30}};
  std::string_view digits = text;
  uint64_t unit = 1;
  for (const auto& [suffix, bytes] : kUnits) {
    if (text.ends_with(suffix)) {
      digits = text.substr(0, text.size() - suffix.size());
      unit = bytes;
    }
  }
  std::optional<uint64_t> count = ParseUnsignedDecimal(digits);
  if (!count || *count == 0 || *count > UINT64_MAX / unit) {
    return InvalidArgumentError("simulated GPU URI parameter ", key, "=", text,
                                " is not a size: a positive number of bytes, or of KiB, MiB "
                                "or GiB (e.g. 64MiB)");
  }
  return *count * unit;
}

}  // namespace gpuhal::fake
