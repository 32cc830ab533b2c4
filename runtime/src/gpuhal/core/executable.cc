#include "gpuhal/executable.h"

#include <string>

namespace gpuhal {

Result<uint32_t> Executable::LookupEntryPoint(std::string_view name) const {
  const uint32_t count = entry_point_count();
  for (uint32_t ordinal = 0; ordinal < count; ++ordinal) {
    if (entry_point(ordinal).name == name) return ordinal;
  }
  std::string available;
  for (uint32_t ordinal = 0; ordinal < count; ++ordinal) {
    if (!available.empty()) available += ", ";
    available += "'";
    available += entry_point(ordinal).name;
    available += "'";
  }
  return NotFoundError("executable has no entry point named '", name,
                       "'; available: ", available.empty() ? "none" : available);
}

}  // namespace gpuhal
