// gpuhal-pack: writes an executable container from code files and a command-line
// description of the entry points. See kUsage.
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "gpuhal/core/executable_builder.h"
#include "gpuhal/core/executable_format.h"
#include "gpuhal/core/split_string.h"
#include "gpuhal/status.h"

namespace gpuhal {
namespace {

constexpr std::string_view kUsage = R"(usage: gpuhal-pack --entry SPEC... --target SPEC... -o OUT.ghx

Writes a gpuhal executable container. The result is checked with the same parser the
runtime uses, so an invalid description is reported here rather than at load time.

  --entry NAME:BX,BY,BZ:SHARED[:sets=SET,SET...][:push=N]
      An entry point, in ordinal order (repeat for each). BX,BY,BZ is the block size,
      SHARED the dynamic shared memory in bytes. Each SET is either a number N
      (N storage buffers, ordinals 0..N-1) or letters, one binding per letter with
      ordinals 0,1,...: 's' storage buffer, 'u' uniform buffer. push=N: N 32-bit push
      constants. Without sets= or push= the entry point takes no arguments.
  --target NAME:FILE[:SYMBOL,SYMBOL...]
      A code blob for target NAME ("ptx", "cubin", "hsaco", "fake", ...) read from FILE
      (empty FILE: no code, as for "fake"). SYMBOL i is the kernel function of entry
      point i; without symbols the entry point names are used. FILE cannot contain ':'.
  -o, --output OUT.ghx
      Where to write the container.
  -h, --help
      This text.

Exit status: 0 when the container was written, 1 otherwise (the reason is on stderr).

example:
  gpuhal-pack --entry fill:256,1,1:0:sets=1:push=2 --entry copy:16,16,1:4096:sets=2,su \
              --target ptx:kernels.ptx:fill_kernel,copy_kernel -o kernels.ghx
)";

Result<uint32_t> ParseUint32(std::string_view text, std::string_view what) {
  uint32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return InvalidArgumentError(what, " '", text, "' is not a non-negative 32-bit integer");
  }
  return value;
}

Result<DescriptorSetShape> ParseSet(std::string_view text, std::string_view entry) {
  DescriptorSetShape set;
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    GPUHAL_ASSIGN_OR_RETURN(uint32_t count,
                            ParseUint32(text, StrCat("--entry ", entry, ": binding count")));
    for (uint32_t ordinal = 0; ordinal < count; ++ordinal) {
      set.bindings.push_back({ordinal, DescriptorType::kStorageBuffer});
    }
    return set;
  }
  for (char letter : text) {
    const uint32_t ordinal = static_cast<uint32_t>(set.bindings.size());
    switch (letter) {
      case 's':
        set.bindings.push_back({ordinal, DescriptorType::kStorageBuffer});
        break;
      case 'u':
        set.bindings.push_back({ordinal, DescriptorType::kUniformBuffer});
        break;
      default:
        return InvalidArgumentError("--entry ", entry, ": set '", text,
                                    "' must be a binding count or letters 's' (storage "
                                    "buffer) and 'u' (uniform buffer)");
    }
  }
  return set;
}

struct EntrySpec {
  std::string name;
  std::array<uint32_t, 3> block_size{};
  uint32_t shared_memory_bytes = 0;
  LayoutShape layout;
};

Result<EntrySpec> ParseEntry(std::string_view text) {
  const std::vector<std::string_view> fields = SplitString(text, ':');
  if (fields.size() < 3) {
    return InvalidArgumentError("--entry '", text,
                                "' needs at least NAME:BX,BY,BZ:SHARED (see --help)");
  }
  EntrySpec entry;
  entry.name = std::string(fields[0]);
  const std::vector<std::string_view> block = SplitString(fields[1], ',');
  if (block.size() != 3) {
    return InvalidArgumentError("--entry ", fields[0], ": block size '", fields[1],
                                "' must be three numbers BX,BY,BZ");
  }
  for (size_t axis = 0; axis < 3; ++axis) {
    GPUHAL_ASSIGN_OR_RETURN(entry.block_size[axis],
                            ParseUint32(block[axis], StrCat("--entry ", fields[0], ": block size")));
  }
  GPUHAL_ASSIGN_OR_RETURN(entry.shared_memory_bytes,
                          ParseUint32(fields[2], StrCat("--entry ", fields[0], ": shared memory")));
  for (size_t i = 3; i < fields.size(); ++i) {
    if (fields[i].starts_with("sets=")) {
      for (std::string_view set : SplitString(fields[i].substr(5), ',')) {
        GPUHAL_ASSIGN_OR_RETURN(DescriptorSetShape shape, ParseSet(set, fields[0]));
        entry.layout.sets.push_back(std::move(shape));
      }
    } else if (fields[i].starts_with("push=")) {
      GPUHAL_ASSIGN_OR_RETURN(
          entry.layout.push_constant_count,
          ParseUint32(fields[i].substr(5), StrCat("--entry ", fields[0], ": push constant count")));
    } else {
      return InvalidArgumentError("--entry ", fields[0], ": unknown field '", fields[i],
                                  "'; expected sets=... or push=N");
    }
  }
  return entry;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return NotFoundError("cannot open '", path, "' for reading");
  std::string contents((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (file.bad()) return DataLossError("error reading '", path, "'");
  return contents;
}

struct TargetSpec {
  std::string name;
  std::string code;
  std::vector<std::string> symbols;  // empty: use the entry point names
};

Result<TargetSpec> ParseTarget(std::string_view text) {
  const std::vector<std::string_view> fields = SplitString(text, ':');
  if (fields.size() < 2 || fields.size() > 3) {
    return InvalidArgumentError("--target '", text,
                                "' must be NAME:FILE or NAME:FILE:SYMBOL,SYMBOL... (see --help)");
  }
  TargetSpec target;
  target.name = std::string(fields[0]);
  if (!fields[1].empty()) {
    GPUHAL_ASSIGN_OR_RETURN(target.code, ReadFile(std::string(fields[1])));
  }
  if (fields.size() == 3 && !fields[2].empty()) {
    for (std::string_view symbol : SplitString(fields[2], ',')) target.symbols.emplace_back(symbol);
  }
  return target;
}

Status WriteFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return PermissionDeniedError("cannot open '", path, "' for writing");
  file.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  file.close();
  if (!file) return DataLossError("error writing '", path, "'");
  return OkStatus();
}

struct Options {
  std::vector<EntrySpec> entries;
  std::vector<TargetSpec> targets;
  std::string output;
  bool help = false;
};

Result<Options> ParseArguments(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "-h" || flag == "--help") {
      options.help = true;
      return options;
    }
    if (flag != "--entry" && flag != "--target" && flag != "-o" && flag != "--output") {
      return InvalidArgumentError("unknown argument '", flag, "' (see --help)");
    }
    if (i + 1 >= argc) return InvalidArgumentError(flag, " needs a value (see --help)");
    const std::string_view value = argv[++i];
    if (flag == "--entry") {
      GPUHAL_ASSIGN_OR_RETURN(EntrySpec entry, ParseEntry(value));
      options.entries.push_back(std::move(entry));
    } else if (flag == "--target") {
      GPUHAL_ASSIGN_OR_RETURN(TargetSpec target, ParseTarget(value));
      options.targets.push_back(std::move(target));
    } else {
      options.output = std::string(value);
    }
  }
  if (options.output.empty()) return InvalidArgumentError("no output file: pass -o OUT.ghx");
  return options;
}

Status Pack(const Options& options) {
  ExecutableBuilder builder;
  std::vector<std::string> entry_names;
  for (const EntrySpec& entry : options.entries) {
    builder.AddEntryPoint(entry.name, entry.block_size, entry.shared_memory_bytes, entry.layout);
    entry_names.push_back(entry.name);
  }
  for (const TargetSpec& target : options.targets) {
    builder.AddTarget(target.name, target.code,
                      target.symbols.empty() ? entry_names : target.symbols);
  }
  const std::vector<uint8_t> bytes = builder.Build();
  auto parsed = ParseExecutableContainer(bytes);
  if (!parsed.ok()) return parsed.status().WithContext("the described container is invalid");
  return WriteFile(options.output, bytes);
}

int Main(int argc, char** argv) {
  auto options = ParseArguments(argc, argv);
  if (!options.ok()) {
    std::cerr << "gpuhal-pack: " << options.status() << "\n";
    return 1;
  }
  if (options->help) {
    std::cout << kUsage;
    return 0;
  }
  if (Status status = Pack(*options); !status.ok()) {
    std::cerr << "gpuhal-pack: " << status << "\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace gpuhal

int main(int argc, char** argv) { return gpuhal::Main(argc, argv); }
