#include "fakes/gpu/fake_module_image.h"

#include <cctype>
#include <string_view>

namespace gpuhal::fake {
namespace {

bool IsIdentifierChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '.';
}

}  // namespace

std::string ToFakeModuleImage(const char* image) {
  if (image == nullptr) return {};
  std::string_view text(image);
  constexpr std::string_view kFakeHeader = "gpuhal-fake-module";
  constexpr std::string_view kEntry = ".entry";
  if (text.substr(0, kFakeHeader.size()) == kFakeHeader ||
      text.find(kEntry) == std::string_view::npos) {
    return std::string(text);
  }
  std::string module(kFakeHeader);
  module += '\n';
  for (size_t at = text.find(kEntry); at != std::string_view::npos;
       at = text.find(kEntry, at + kEntry.size())) {
    size_t begin = at + kEntry.size();
    if (begin >= text.size() || !std::isspace(static_cast<unsigned char>(text[begin]))) continue;
    while (begin < text.size() && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
    size_t end = begin;
    while (end < text.size() && IsIdentifierChar(text[end])) ++end;
    if (end == begin) continue;
    module += "kernel ";
    module += text.substr(begin, end - begin);
    module += '\n';
  }
  return module;
}

}  // namespace gpuhal::fake
