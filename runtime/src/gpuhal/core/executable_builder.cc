#include "gpuhal/core/executable_builder.h"

#include "gpuhal/core/executable_format_generated.h"

namespace gpuhal {
namespace {

constexpr size_t kCodeAlignment = 16;

flatbuffers::Offset<format::LayoutShape> WriteLayoutShape(flatbuffers::FlatBufferBuilder& fbb,
                                                          const LayoutShape& shape) {
  std::vector<flatbuffers::Offset<format::DescriptorSetShape>> sets;
  sets.reserve(shape.sets.size());
  for (const DescriptorSetShape& set : shape.sets) {
    std::vector<format::BindingShape> bindings;
    bindings.reserve(set.bindings.size());
    for (const BindingShape& binding : set.bindings) {
      bindings.emplace_back(binding.ordinal, static_cast<format::DescriptorType>(binding.type));
    }
    sets.push_back(format::CreateDescriptorSetShape(fbb, fbb.CreateVectorOfStructs(bindings)));
  }
  return format::CreateLayoutShape(fbb, fbb.CreateVector(sets), shape.push_constant_count);
}

}  // namespace

ExecutableBuilder& ExecutableBuilder::AddEntryPoint(std::string_view name,
                                                    std::array<uint32_t, 3> block_size,
                                                    uint32_t shared_memory_bytes,
                                                    LayoutShape layout) {
  entry_points_.push_back(
      {std::string(name), block_size, shared_memory_bytes, std::move(layout)});
  return *this;
}

ExecutableBuilder& ExecutableBuilder::AddTarget(std::string_view name,
                                                std::span<const uint8_t> code,
                                                std::span<const std::string> symbol_names) {
  targets_.push_back({std::string(name), std::vector<uint8_t>(code.begin(), code.end()),
                      std::vector<std::string>(symbol_names.begin(), symbol_names.end())});
  return *this;
}

ExecutableBuilder& ExecutableBuilder::AddTarget(std::string_view name, std::string_view code,
                                                std::span<const std::string> symbol_names) {
  return AddTarget(name,
                   std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(code.data()),
                                            code.size()),
                   symbol_names);
}

std::vector<uint8_t> ExecutableBuilder::Build() const {
  flatbuffers::FlatBufferBuilder fbb;

  std::vector<flatbuffers::Offset<format::EntryPoint>> entry_points;
  entry_points.reserve(entry_points_.size());
  for (const ParsedEntryPoint& entry_point : entry_points_) {
    const auto name = fbb.CreateString(entry_point.name);
    const auto layout = WriteLayoutShape(fbb, entry_point.layout);
    const format::BlockSize block_size(entry_point.block_size[0], entry_point.block_size[1],
                                       entry_point.block_size[2]);
    entry_points.push_back(format::CreateEntryPoint(fbb, name, &block_size,
                                                    entry_point.shared_memory_bytes, layout));
  }

  std::vector<flatbuffers::Offset<format::TargetBlob>> targets;
  targets.reserve(targets_.size());
  for (const Target& target : targets_) {
    const auto name = fbb.CreateString(target.name);
    fbb.ForceVectorAlignment(target.code.size(), sizeof(uint8_t), kCodeAlignment);
    const auto code = fbb.CreateVector(target.code);
    const auto symbols = fbb.CreateVectorOfStrings(target.symbols);
    targets.push_back(format::CreateTargetBlob(fbb, name, code, symbols));
  }

  const auto container =
      format::CreateExecutableContainer(fbb, fbb.CreateVector(entry_points),
                                        fbb.CreateVector(targets));
  format::FinishSizePrefixedExecutableContainerBuffer(fbb, container);
  return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

}  // namespace gpuhal
