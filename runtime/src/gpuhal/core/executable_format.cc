#include "gpuhal/core/executable_format.h"

#include <algorithm>
#include <string>
#include <unordered_set>

#include "gpuhal/core/executable_format_generated.h"

namespace gpuhal {
namespace {

// Our schema nests at most six deep (container, entry point vector, entry point, layout,
// set vector, set); anything deeper is corruption, and a small bound keeps a hostile buffer
// from making the verifier recurse far.
constexpr flatbuffers::uoffset_t kVerifierMaxDepth = 16;
// An entry point is at most 2 + kMaxDescriptorSets tables, so this allows tens of
// thousands of entry points while bounding verification work on a hostile buffer.
constexpr flatbuffers::uoffset_t kVerifierMaxTables = 1u << 18;
// The widest scalar in the schema is 32 bits; reading fields through a less aligned
// pointer is undefined behaviour.
constexpr uintptr_t kRequiredAlignment = 4;

std::string_view DescriptorTypeName(DescriptorType type) {
  switch (type) {
    case DescriptorType::kStorageBuffer:
      return "storage buffer";
    case DescriptorType::kUniformBuffer:
      return "uniform buffer";
  }
  return "unknown descriptor type";
}

std::string_view AsStringView(const flatbuffers::String* string) {
  return string ? std::string_view(string->data(), string->size()) : std::string_view();
}

// "entry point 2 ('saxpy')" or "entry point 2" while the name is still unknown.
std::string DescribeEntryPoint(size_t index, std::string_view name) {
  if (name.empty()) return StrCat("entry point ", index);
  return StrCat("entry point ", index, " ('", name, "')");
}

std::string DescribeTarget(size_t index, std::string_view name) {
  if (name.empty()) return StrCat("target ", index);
  return StrCat("target ", index, " ('", name, "')");
}

// Size prefix, root offset, file identifier.
constexpr size_t kHeaderBytes =
    2 * sizeof(flatbuffers::uoffset_t) + flatbuffers::kFileIdentifierLength;

std::string PrintableIdentifier(std::span<const uint8_t> bytes) {
  std::string identifier;
  for (size_t i = 0; i < flatbuffers::kFileIdentifierLength; ++i) {
    const uint8_t c = bytes[2 * sizeof(flatbuffers::uoffset_t) + i];
    identifier += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  return identifier;
}

// Everything that makes the buffer safe to read, before any field is read.
Status VerifyContainerBytes(std::span<const uint8_t> bytes) {
  if (bytes.empty()) {
    return InvalidArgumentError("executable container is empty (0 bytes)");
  }
  if (reinterpret_cast<uintptr_t>(bytes.data()) % kRequiredAlignment != 0) {
    return InvalidArgumentError(
        "executable container bytes at address ", static_cast<const void*>(bytes.data()),
        " are not ", kRequiredAlignment,
        "-byte aligned; copy them into a std::vector<uint8_t> or an alignas(",
        kRequiredAlignment, ") array first");
  }
  if (bytes.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    return InvalidArgumentError("executable container is ", bytes.size(),
                                " bytes; the format allows fewer than ",
                                FLATBUFFERS_MAX_BUFFER_SIZE);
  }
  if (bytes.size() < kHeaderBytes) {
    return DataLossError("executable container is truncated: ", bytes.size(),
                         " bytes, shorter than its ", kHeaderBytes, "-byte header");
  }
  if (!format::SizePrefixedExecutableContainerBufferHasIdentifier(bytes.data())) {
    if (format::ExecutableContainerBufferHasIdentifier(bytes.data())) {
      return InvalidArgumentError(
          "executable container has its file identifier at offset 4, so it was written "
          "without the required size prefix; write it with ExecutableBuilder, "
          "gpuhal-pack or FlatBufferBuilder::FinishSizePrefixed");
    }
    return InvalidArgumentError("not a gpuhal executable container: file identifier is '",
                                PrintableIdentifier(bytes), "', expected '",
                                kExecutableContainerIdentifier, "'");
  }
  // The verifier checks this too; checking it here first gives a precise message for the
  // most common corruption, a cut-off file.
  const size_t declared_bytes =
      sizeof(flatbuffers::uoffset_t) + flatbuffers::ReadScalar<flatbuffers::uoffset_t>(bytes.data());
  if (declared_bytes != bytes.size()) {
    return DataLossError("executable container is ", bytes.size(), " bytes but its header says ",
                         declared_bytes, ": it is ",
                         declared_bytes > bytes.size() ? "truncated" : "followed by extra bytes",
                         "; pass exactly the bytes written by the packer");
  }
  flatbuffers::Verifier::Options options;
  options.max_depth = kVerifierMaxDepth;
  options.max_tables = kVerifierMaxTables;
  options.check_alignment = true;
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), options);
  if (!format::VerifySizePrefixedExecutableContainerBuffer(verifier)) {
    return DataLossError("executable container of ", bytes.size(),
                         " bytes is truncated or corrupt: it fails FlatBuffers verification");
  }
  return OkStatus();
}

Result<LayoutShape> ParseLayoutShape(const format::LayoutShape* layout,
                                     const std::string& entry_point) {
  LayoutShape shape;
  if (!layout) return shape;  // no bindings, no push constants
  const auto* sets = layout->sets();
  const size_t set_count = sets ? sets->size() : 0;
  if (set_count > kMaxDescriptorSets) {
    return InvalidArgumentError(entry_point, ": layout declares ", set_count,
                                " descriptor sets; at most kMaxDescriptorSets = ",
                                kMaxDescriptorSets, " are supported");
  }
  shape.sets.resize(set_count);
  for (size_t set = 0; set < set_count; ++set) {
    const auto* bindings = sets->Get(static_cast<flatbuffers::uoffset_t>(set))->bindings();
    const size_t binding_count = bindings ? bindings->size() : 0;
    if (binding_count > kMaxBindingsPerSet) {
      return InvalidArgumentError(entry_point, ": set ", set, " declares ", binding_count,
                                  " bindings; at most kMaxBindingsPerSet = ",
                                  kMaxBindingsPerSet, " are supported");
    }
    auto& parsed = shape.sets[set].bindings;
    parsed.reserve(binding_count);
    for (size_t b = 0; b < binding_count; ++b) {
      const auto* binding = bindings->Get(static_cast<flatbuffers::uoffset_t>(b));
      const auto raw_type = static_cast<uint8_t>(binding->type());
      if (raw_type > static_cast<uint8_t>(format::DescriptorType::MAX)) {
        return InvalidArgumentError(entry_point, ": set ", set, " binding ", b, " (ordinal ",
                                    binding->ordinal(), ") has unknown descriptor type ",
                                    static_cast<unsigned>(raw_type));
      }
      for (const BindingShape& earlier : parsed) {
        if (earlier.ordinal == binding->ordinal()) {
          return InvalidArgumentError(entry_point, ": set ", set, " declares binding ordinal ",
                                      binding->ordinal(),
                                      " more than once; ordinals must be unique within a set");
        }
      }
      parsed.push_back({binding->ordinal(), static_cast<DescriptorType>(raw_type)});
    }
  }
  shape.push_constant_count = layout->push_constant_count();
  if (shape.push_constant_count > kMaxPushConstants) {
    return InvalidArgumentError(entry_point, ": layout declares ", shape.push_constant_count,
                                " push constants; at most kMaxPushConstants = ",
                                kMaxPushConstants, " are supported");
  }
  return shape;
}

Result<ParsedEntryPoint> ParseEntryPoint(const format::EntryPoint& entry_point, size_t index) {
  ParsedEntryPoint parsed;
  parsed.name = std::string(AsStringView(entry_point.name()));
  const std::string described = DescribeEntryPoint(index, parsed.name);
  if (parsed.name.empty()) {
    return InvalidArgumentError(described, ": name is missing or empty");
  }
  const format::BlockSize* block_size = entry_point.block_size();
  if (!block_size) {
    return InvalidArgumentError(described, ": block_size is missing");
  }
  parsed.block_size = {block_size->x(), block_size->y(), block_size->z()};
  uint64_t threads = 1;
  for (size_t axis = 0; axis < 3; ++axis) {
    if (parsed.block_size[axis] == 0) {
      return InvalidArgumentError(described, ": block_size[", axis,
                                  "] is 0; every dimension must be at least 1");
    }
    threads *= parsed.block_size[axis];  // at most 3 * 32 bits: cannot overflow 64 bits
  }
  if (threads > kMaxThreadsPerBlock) {
    return InvalidArgumentError(described, ": block_size ", parsed.block_size[0], "x",
                                parsed.block_size[1], "x", parsed.block_size[2], " is ",
                                threads, " threads; at most kMaxThreadsPerBlock = ",
                                kMaxThreadsPerBlock, " are allowed");
  }
  parsed.shared_memory_bytes = entry_point.shared_memory_bytes();
  GPUHAL_ASSIGN_OR_RETURN(parsed.layout, ParseLayoutShape(entry_point.layout(), described));
  return parsed;
}

Result<ParsedTarget> ParseTarget(const format::TargetBlob& target, size_t index,
                                 const std::vector<ParsedEntryPoint>& entry_points) {
  ParsedTarget parsed;
  parsed.name = std::string(AsStringView(target.name()));
  const std::string described = DescribeTarget(index, parsed.name);
  if (parsed.name.empty()) {
    return InvalidArgumentError(described, ": name is missing or empty");
  }
  if (const auto* code = target.code()) parsed.code = {code->data(), code->size()};
  const auto* symbols = target.symbols();
  const size_t symbol_count = symbols ? symbols->size() : 0;
  if (symbol_count != entry_points.size()) {
    return InvalidArgumentError(described, ": has ", symbol_count,
                                " symbol names but the container has ", entry_points.size(),
                                " entry points; each target needs exactly one symbol per "
                                "entry point, in entry point order");
  }
  parsed.symbols.reserve(symbol_count);
  for (size_t i = 0; i < symbol_count; ++i) {
    std::string_view symbol = AsStringView(symbols->Get(static_cast<flatbuffers::uoffset_t>(i)));
    if (symbol.empty()) {
      return InvalidArgumentError(described, ": symbol name for ",
                                  DescribeEntryPoint(i, entry_points[i].name), " is empty");
    }
    parsed.symbols.emplace_back(symbol);
  }
  return parsed;
}

}  // namespace

LayoutShape LayoutShape::StorageBuffers(std::span<const uint32_t> storage_buffers_per_set,
                                        uint32_t push_constant_count) {
  LayoutShape shape;
  shape.push_constant_count = push_constant_count;
  shape.sets.resize(storage_buffers_per_set.size());
  for (size_t set = 0; set < storage_buffers_per_set.size(); ++set) {
    for (uint32_t ordinal = 0; ordinal < storage_buffers_per_set[set]; ++ordinal) {
      shape.sets[set].bindings.push_back({ordinal, DescriptorType::kStorageBuffer});
    }
  }
  return shape;
}

Result<const ParsedTarget*> ParsedExecutable::FindTarget(std::string_view name) const {
  for (const ParsedTarget& target : targets) {
    if (target.name == name) return &target;
  }
  std::string available;
  for (const ParsedTarget& target : targets) {
    if (!available.empty()) available += ", ";
    available += StrCat("'", target.name, "'");
  }
  return NotFoundError("executable container has no code for target '", name,
                       "'; available targets: ", available.empty() ? "none" : available);
}

Result<ParsedExecutable> ParseExecutableContainer(std::span<const uint8_t> bytes) {
  GPUHAL_RETURN_IF_ERROR(VerifyContainerBytes(bytes));
  const format::ExecutableContainer* container = format::GetSizePrefixedExecutableContainer(bytes.data());

  ParsedExecutable parsed;
  const auto* entry_points = container->entry_points();
  if (!entry_points || entry_points->size() == 0) {
    return InvalidArgumentError("executable container declares no entry points; at least one "
                                "is required");
  }
  parsed.entry_points.reserve(entry_points->size());
  std::unordered_set<std::string_view> entry_point_names;
  for (flatbuffers::uoffset_t i = 0; i < entry_points->size(); ++i) {
    GPUHAL_ASSIGN_OR_RETURN(ParsedEntryPoint entry_point,
                            ParseEntryPoint(*entry_points->Get(i), i));
    // Views into the flatbuffer, which outlives this function, not into `parsed`.
    if (!entry_point_names.insert(AsStringView(entry_points->Get(i)->name())).second) {
      return InvalidArgumentError(DescribeEntryPoint(i, entry_point.name),
                                  ": name is used by an earlier entry point; entry point "
                                  "names must be unique");
    }
    parsed.entry_points.push_back(std::move(entry_point));
  }

  const auto* targets = container->targets();
  if (!targets || targets->size() == 0) {
    return InvalidArgumentError("executable container has no targets; at least one code blob "
                                "(e.g. 'ptx', 'hsaco', 'fake') is required");
  }
  parsed.targets.reserve(targets->size());
  std::unordered_set<std::string_view> target_names;
  for (flatbuffers::uoffset_t i = 0; i < targets->size(); ++i) {
    GPUHAL_ASSIGN_OR_RETURN(ParsedTarget target,
                            ParseTarget(*targets->Get(i), i, parsed.entry_points));
    if (!target_names.insert(AsStringView(targets->Get(i)->name())).second) {
      return InvalidArgumentError(DescribeTarget(i, target.name),
                                  ": name is used by an earlier target; target names must "
                                  "be unique");
    }
    parsed.targets.push_back(std::move(target));
  }
  return parsed;
}

Status CheckLayoutMatches(const ParsedEntryPoint& entry_point, const PipelineLayout& layout) {
  const std::string prefix =
      StrCat("pipeline layout does not match the shape entry point '", entry_point.name,
             "' was built for: ");
  const LayoutShape& declared = entry_point.layout;
  if (declared.sets.size() != layout.set_count()) {
    return InvalidArgumentError(prefix, "it declares ", declared.sets.size(),
                                " descriptor sets, the layout has ", layout.set_count());
  }
  for (uint32_t set = 0; set < layout.set_count(); ++set) {
    std::vector<BindingShape> expected = declared.sets[set].bindings;
    // The layout keeps its bindings sorted by ordinal; compare in the same order.
    std::sort(expected.begin(), expected.end(),
              [](const BindingShape& a, const BindingShape& b) { return a.ordinal < b.ordinal; });
    const auto actual = layout.set_layout(set).bindings();
    if (expected.size() != actual.size()) {
      return InvalidArgumentError(prefix, "it declares ", expected.size(), " bindings in set ",
                                  set, ", the layout's set ", set, " has ", actual.size());
    }
    for (size_t i = 0; i < expected.size(); ++i) {
      if (expected[i].ordinal != actual[i].ordinal) {
        return InvalidArgumentError(prefix, "set ", set, " binding ", i,
                                    " in ordinal order is ordinal ", expected[i].ordinal,
                                    " in the entry point, ordinal ", actual[i].ordinal,
                                    " in the layout");
      }
      if (expected[i].type != actual[i].type) {
        return InvalidArgumentError(prefix, "set ", set, " ordinal ", expected[i].ordinal,
                                    " is a ", DescriptorTypeName(expected[i].type),
                                    " in the entry point, a ", DescriptorTypeName(actual[i].type),
                                    " in the layout");
      }
    }
  }
  if (declared.push_constant_count != layout.push_constant_count()) {
    return InvalidArgumentError(prefix, "it declares ", declared.push_constant_count,
                                " push constants, the layout has ",
                                layout.push_constant_count());
  }
  return OkStatus();
}

}  // namespace gpuhal
