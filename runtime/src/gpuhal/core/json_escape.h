// Text as a JSON string's contents: quotes and backslashes escaped, control characters
// as \u00XX. For the JSON gpuhal writes itself (Chrome traces, tool reports).
#ifndef GPUHAL_CORE_JSON_ESCAPE_H_
#define GPUHAL_CORE_JSON_ESCAPE_H_

#include <cstdio>
#include <string>
#include <string_view>

namespace gpuhal {

inline void AppendJsonEscaped(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof(buffer), "\\u%04x", static_cast<unsigned char>(c));
      out += buffer;
    } else {
      out += c;
    }
  }
}

inline std::string JsonEscaped(std::string_view text) {
  std::string out;
  AppendJsonEscaped(out, text);
  return out;
}

}  // namespace gpuhal

#endif  // GPUHAL_CORE_JSON_ESCAPE_H_
