// Writing executable containers: for tests, tools (gpuhal-pack) and the conformance suite.
//
// The builder does not validate: tests use it to produce containers that break the format's
// rules on purpose. ParseExecutableContainer is the single place the rules live; run the
// output through it when validity matters (gpuhal-pack does).
#ifndef GPUHAL_CORE_EXECUTABLE_BUILDER_H_
#define GPUHAL_CORE_EXECUTABLE_BUILDER_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gpuhal/core/executable_format.h"

namespace gpuhal {

class ExecutableBuilder {
 public:
  // Entry points keep the order they are added in; that order is the entry point ordinal.
  ExecutableBuilder& AddEntryPoint(std::string_view name, std::array<uint32_t, 3> block_size,
                                   uint32_t shared_memory_bytes, LayoutShape layout);

  // symbol_names[i] is the function in `code` implementing the i-th entry point.
  ExecutableBuilder& AddTarget(std::string_view name, std::span<const uint8_t> code,
                               std::span<const std::string> symbol_names);
  // Convenience for text code such as PTX.
  ExecutableBuilder& AddTarget(std::string_view name, std::string_view code,
                               std::span<const std::string> symbol_names);

  // The container bytes. Code blobs are 16-byte aligned within it (binary code formats
  // expect aligned headers when loaded in place from an aligned buffer).
  std::vector<uint8_t> Build() const;

 private:
  std::vector<ParsedEntryPoint> entry_points_;
  struct Target {
    std::string name;
    std::vector<uint8_t> code;
    std::vector<std::string> symbols;
  };
  std::vector<Target> targets_;
};

}  // namespace gpuhal

#endif  // GPUHAL_CORE_EXECUTABLE_BUILDER_H_
