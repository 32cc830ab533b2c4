// Splitting delimited text (command-line specs, URI values) into its fields.
#ifndef GPUHAL_CORE_SPLIT_STRING_H_
#define GPUHAL_CORE_SPLIT_STRING_H_

#include <string_view>
#include <vector>

namespace gpuhal {

// The fields of `text` between `separator`s, empty ones included: "a,,b" is {"a", "", "b"}
// and "" is {""}. The fields view `text`.
inline std::vector<std::string_view> SplitString(std::string_view text, char separator) {
  std::vector<std::string_view> fields;
  while (true) {
    const size_t end = text.find(separator);
    fields.push_back(text.substr(0, end));
    if (end == std::string_view::npos) return fields;
    text.remove_prefix(end + 1);
  }
}

}  // namespace gpuhal

#endif  // GPUHAL_CORE_SPLIT_STRING_H_
