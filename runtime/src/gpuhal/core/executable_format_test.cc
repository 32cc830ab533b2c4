#include "gpuhal/core/executable_format.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "gpuhal/core/executable_builder.h"
#include "gpuhal/core/executable_format_generated.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal {
namespace {

// A container described as plain data, so each rejection test can break one thing.
struct ContainerSpec {
  struct Entry {
    std::string name;
    std::array<uint32_t, 3> block_size;
    uint32_t shared_memory_bytes;
    LayoutShape layout;
  };
  struct Target {
    std::string name;
    std::string code;
    std::vector<std::string> symbols;
  };
  std::vector<Entry> entry_points;
  std::vector<Target> targets;

  std::vector<uint8_t> Build() const {
    ExecutableBuilder builder;
    for (const Entry& entry : entry_points) {
      builder.AddEntryPoint(entry.name, entry.block_size, entry.shared_memory_bytes,
                            entry.layout);
    }
    for (const Target& target : targets) builder.AddTarget(target.name, target.code, target.symbols);
    return builder.Build();
  }
};

ContainerSpec ValidSpec() {
  LayoutShape copy_layout;
  copy_layout.sets = {{{{0, DescriptorType::kStorageBuffer}, {1, DescriptorType::kStorageBuffer}}},
                      {{{7, DescriptorType::kUniformBuffer}, {3, DescriptorType::kStorageBuffer}}}};
  copy_layout.push_constant_count = 2;
  const uint32_t fill_sets[] = {1};
  return ContainerSpec{
      .entry_points = {{"fill", {256, 1, 1}, 0, LayoutShape::StorageBuffers(fill_sets, 3)},
                       {"copy", {16, 16, 4}, 4096, copy_layout}},
      .targets = {{"ptx", ".version 7.0\n.target sm_70\n", {"fill_kernel", "_Z4copyPfS_"}},
                  {"fake", "", {"fake_fill", "fake_copy"}}},
  };
}

TEST(ExecutableFormatTest, RoundTripsEveryField) {
  const ContainerSpec spec = ValidSpec();
  const std::vector<uint8_t> bytes = spec.Build();
  auto parsed = ParseExecutableContainer(bytes);
  ASSERT_OK(parsed) << parsed.status();

  ASSERT_EQ(parsed->entry_points.size(), spec.entry_points.size());
  for (size_t i = 0; i < spec.entry_points.size(); ++i) {
    SCOPED_TRACE(spec.entry_points[i].name);
    const ParsedEntryPoint& entry_point = parsed->entry_points[i];
    EXPECT_EQ(entry_point.name, spec.entry_points[i].name);
    EXPECT_EQ(entry_point.block_size, spec.entry_points[i].block_size);
    EXPECT_EQ(entry_point.shared_memory_bytes, spec.entry_points[i].shared_memory_bytes);
    EXPECT_EQ(entry_point.layout, spec.entry_points[i].layout);
  }
  // Declaration order of bindings survives, so tools can show what the author wrote.
  EXPECT_EQ(parsed->entry_points[1].layout.sets[1].bindings[0].ordinal, 7u);

  ASSERT_EQ(parsed->targets.size(), spec.targets.size());
  for (size_t i = 0; i < spec.targets.size(); ++i) {
    SCOPED_TRACE(spec.targets[i].name);
    const ParsedTarget& target = parsed->targets[i];
    EXPECT_EQ(target.name, spec.targets[i].name);
    EXPECT_EQ(std::string(target.code.begin(), target.code.end()), spec.targets[i].code);
    EXPECT_EQ(target.symbols, spec.targets[i].symbols);
  }
}

TEST(ExecutableFormatTest, CodeIsAlignedAndPointsIntoTheContainer) {
  const std::vector<uint8_t> bytes = ValidSpec().Build();
  auto parsed = ParseExecutableContainer(bytes);
  ASSERT_OK(parsed) << parsed.status();
  const ParsedTarget& ptx = parsed->targets[0];
  ASSERT_FALSE(ptx.code.empty());
  EXPECT_GE(ptx.code.data(), bytes.data());
  EXPECT_LE(ptx.code.data() + ptx.code.size(), bytes.data() + bytes.size());
  EXPECT_EQ((ptx.code.data() - bytes.data()) % 16, 0);
}

TEST(ExecutableFormatTest, FindTargetReturnsTheNamedBlob) {
  const std::vector<uint8_t> bytes = ValidSpec().Build();
  auto parsed = ParseExecutableContainer(bytes);
  ASSERT_OK(parsed) << parsed.status();
  auto fake = parsed->FindTarget("fake");
  ASSERT_OK(fake) << fake.status();
  EXPECT_EQ((*fake)->symbols[1], "fake_copy");
}

TEST(ExecutableFormatTest, FindTargetListsAvailableTargetsWhenMissing) {
  const std::vector<uint8_t> bytes = ValidSpec().Build();
  auto parsed = ParseExecutableContainer(bytes);
  ASSERT_OK(parsed) << parsed.status();
  auto hsaco = parsed->FindTarget("hsaco");
  ASSERT_FALSE(hsaco.ok());
  EXPECT_EQ(hsaco.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(hsaco.status().message(),
            "executable container has no code for target 'hsaco'; available targets: 'ptx', "
            "'fake'");
}

TEST(ExecutableFormatTest, EntryPointWithoutLayoutHasAnEmptyShape) {
  ContainerSpec spec = ValidSpec();
  spec.entry_points[0].layout = {};
  auto parsed = ParseExecutableContainer(spec.Build());
  ASSERT_OK(parsed) << parsed.status();
  EXPECT_TRUE(parsed->entry_points[0].layout.sets.empty());
  EXPECT_EQ(parsed->entry_points[0].layout.push_constant_count, 0u);
}

TEST(ExecutableFormatTest, AcceptsTheLimitsThemselves) {
  ContainerSpec spec = ValidSpec();
  spec.entry_points[0].block_size = {1024, 1, 1};
  const std::vector<uint32_t> full_sets(kMaxDescriptorSets, kMaxBindingsPerSet);
  spec.entry_points[0].layout = LayoutShape::StorageBuffers(full_sets, kMaxPushConstants);
  auto parsed = ParseExecutableContainer(spec.Build());
  EXPECT_OK(parsed) << parsed.status();
}

struct Rejection {
  std::string what;
  std::function<void(ContainerSpec&)> break_spec;
  StatusCode code;
  std::string message_fragment;
};

std::vector<Rejection> SemanticRejections() {
  using S = ContainerSpec;
  constexpr StatusCode kInvalid = StatusCode::kInvalidArgument;
  return {
      {"no entry points", [](S& s) { s.entry_points.clear(); for (auto& t : s.targets) t.symbols.clear(); },
       kInvalid, "executable container declares no entry points; at least one is required"},
      {"empty entry point name", [](S& s) { s.entry_points[1].name = ""; }, kInvalid,
       "entry point 1: name is missing or empty"},
      {"duplicate entry point name", [](S& s) { s.entry_points[1].name = "fill"; }, kInvalid,
       "entry point 1 ('fill'): name is used by an earlier entry point"},
      {"zero block dimension", [](S& s) { s.entry_points[0].block_size = {32, 0, 1}; }, kInvalid,
       "entry point 0 ('fill'): block_size[1] is 0; every dimension must be at least 1"},
      {"too many threads", [](S& s) { s.entry_points[1].block_size = {64, 32, 1}; }, kInvalid,
       "entry point 1 ('copy'): block_size 64x32x1 is 2048 threads; at most "
       "kMaxThreadsPerBlock = 1024"},
      {"thread count overflowing 32 bits",
       [](S& s) { s.entry_points[0].block_size = {65536, 65536, 1}; }, kInvalid,
       "is 4294967296 threads"},
      {"too many sets",
       [](S& s) { s.entry_points[1].layout.sets.resize(kMaxDescriptorSets + 1); }, kInvalid,
       "entry point 1 ('copy'): layout declares 5 descriptor sets; at most "
       "kMaxDescriptorSets = 4"},
      {"too many bindings",
       [](S& s) {
         const uint32_t sets[] = {kMaxBindingsPerSet + 1};
         s.entry_points[0].layout = LayoutShape::StorageBuffers(sets, 0);
       },
       kInvalid,
       "entry point 0 ('fill'): set 0 declares 33 bindings; at most kMaxBindingsPerSet = 32"},
      {"repeated ordinal",
       [](S& s) { s.entry_points[1].layout.sets[1].bindings[1].ordinal = 7; }, kInvalid,
       "entry point 1 ('copy'): set 1 declares binding ordinal 7 more than once"},
      {"unknown descriptor type",
       [](S& s) { s.entry_points[1].layout.sets[0].bindings[1].type = DescriptorType{9}; },
       kInvalid, "entry point 1 ('copy'): set 0 binding 1 (ordinal 1) has unknown descriptor type 9"},
      {"too many push constants",
       [](S& s) { s.entry_points[0].layout.push_constant_count = kMaxPushConstants + 1; }, kInvalid,
       "entry point 0 ('fill'): layout declares 65 push constants; at most kMaxPushConstants = 64"},
      {"no targets", [](S& s) { s.targets.clear(); }, kInvalid,
       "executable container has no targets"},
      {"empty target name", [](S& s) { s.targets[1].name = ""; }, kInvalid,
       "target 1: name is missing or empty"},
      {"duplicate target name", [](S& s) { s.targets[1].name = "ptx"; }, kInvalid,
       "target 1 ('ptx'): name is used by an earlier target; target names must be unique"},
      {"too few symbols", [](S& s) { s.targets[0].symbols.pop_back(); }, kInvalid,
       "target 0 ('ptx'): has 1 symbol names but the container has 2 entry points"},
      {"too many symbols", [](S& s) { s.targets[1].symbols.push_back("extra"); }, kInvalid,
       "target 1 ('fake'): has 3 symbol names but the container has 2 entry points"},
      {"empty symbol", [](S& s) { s.targets[1].symbols[1] = ""; }, kInvalid,
       "target 1 ('fake'): symbol name for entry point 1 ('copy') is empty"},
  };
}

TEST(ExecutableFormatTest, RejectsEachBrokenRuleWithItsCodeAndMessage) {
  for (const Rejection& rejection : SemanticRejections()) {
    SCOPED_TRACE(rejection.what);
    ContainerSpec spec = ValidSpec();
    rejection.break_spec(spec);
    auto parsed = ParseExecutableContainer(spec.Build());
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), rejection.code) << parsed.status();
    EXPECT_NE(parsed.status().message().find(rejection.message_fragment), std::string_view::npos)
        << parsed.status();
  }
}

// Fields the builder always writes; only a hand-made buffer can leave them out.
TEST(ExecutableFormatTest, RejectsMissingNameAndBlockSize) {
  flatbuffers::FlatBufferBuilder fbb;
  const auto entry_point = format::CreateEntryPoint(fbb, /*name=*/0, /*block_size=*/nullptr);
  const auto symbol = fbb.CreateString("k");
  const auto target = format::CreateTargetBlob(fbb, fbb.CreateString("ptx"), 0,
                                               fbb.CreateVector(&symbol, 1));
  format::FinishSizePrefixedExecutableContainerBuffer(
      fbb, format::CreateExecutableContainer(fbb, fbb.CreateVector(&entry_point, 1),
                                             fbb.CreateVector(&target, 1)));
  std::vector<uint8_t> bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  auto parsed = ParseExecutableContainer(bytes);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message(), "entry point 0: name is missing or empty");

  flatbuffers::FlatBufferBuilder named;
  const auto entry_point2 = format::CreateEntryPoint(named, named.CreateString("k"), nullptr);
  const auto symbol2 = named.CreateString("k");
  const auto target2 = format::CreateTargetBlob(named, named.CreateString("ptx"), 0,
                                                named.CreateVector(&symbol2, 1));
  format::FinishSizePrefixedExecutableContainerBuffer(
      named, format::CreateExecutableContainer(named, named.CreateVector(&entry_point2, 1),
                                               named.CreateVector(&target2, 1)));
  bytes.assign(named.GetBufferPointer(), named.GetBufferPointer() + named.GetSize());
  parsed = ParseExecutableContainer(bytes);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(), "entry point 0 ('k'): block_size is missing");
}

TEST(ExecutableFormatTest, RejectsEmptyBuffer) {
  auto parsed = ParseExecutableContainer({});
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message(), "executable container is empty (0 bytes)");
}

TEST(ExecutableFormatTest, RejectsMisalignedBuffer) {
  const std::vector<uint8_t> bytes = ValidSpec().Build();
  std::vector<uint8_t> shifted(bytes.size() + 1);
  std::memcpy(shifted.data() + 1, bytes.data(), bytes.size());
  auto parsed = ParseExecutableContainer(std::span(shifted).subspan(1));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("are not 4-byte aligned"), std::string_view::npos)
      << parsed.status();
}

TEST(ExecutableFormatTest, RejectsWrongFileIdentifier) {
  std::vector<uint8_t> bytes = ValidSpec().Build();
  std::memcpy(bytes.data() + 8, "\x7f" "ELF", 4);
  auto parsed = ParseExecutableContainer(bytes);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message(),
            "not a gpuhal executable container: file identifier is '?ELF', expected 'GHX1'");
}

TEST(ExecutableFormatTest, RejectsContainerWithoutSizePrefix) {
  // A container written: with FlatBufferBuilder::Finish instead of FinishSizePrefixed.
  flatbuffers::FlatBufferBuilder fbb;
  format::FinishExecutableContainerBuffer(
      fbb, format::CreateExecutableContainer(fbb, 0, 0));
  std::vector<uint8_t> bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  auto parsed = ParseExecutableContainer(bytes);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("without the required size prefix"),
            std::string_view::npos)
      << parsed.status();
}

TEST(ExecutableFormatTest, RejectsTrailingBytes) {
  std::vector<uint8_t> bytes = ValidSpec().Build();
  const size_t size = bytes.size();
  bytes.resize(size + 4);
  auto parsed = ParseExecutableContainer(bytes);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(parsed.status().message(),
            StrCat("executable container is ", size + 4, " bytes but its header says ", size,
                   ": it is followed by extra bytes; pass exactly the bytes written by the "
                   "packer"));
}

// Each prefix is copied into an allocation of exactly its length so that ASan sees any
// read past the end.
TEST(ExecutableFormatTest, RejectsEveryTruncation) {
  const std::vector<uint8_t> bytes = ValidSpec().Build();
  for (size_t length = 0; length < bytes.size(); ++length) {
    SCOPED_TRACE(StrCat("prefix of ", length, " of ", bytes.size(), " bytes"));
    const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + length);
    auto parsed = ParseExecutableContainer(prefix);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(),
              length == 0 ? StatusCode::kInvalidArgument : StatusCode::kDataLoss)
        << parsed.status();
  }
}

// A truncation that also fixes up the size prefix gets past the length check; the verifier
// must still catch the dangling offsets.
TEST(ExecutableFormatTest, RejectsTruncationWithConsistentSizePrefix) {
  const std::vector<uint8_t> bytes = ValidSpec().Build();
  for (size_t length = 12; length < bytes.size(); length += 4) {
    SCOPED_TRACE(StrCat("prefix of ", length, " bytes"));
    std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + length);
    const uint32_t rest = static_cast<uint32_t>(length - 4);
    std::memcpy(prefix.data(), &rest, sizeof(rest));
    auto parsed = ParseExecutableContainer(prefix);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), StatusCode::kDataLoss) << parsed.status();
    EXPECT_NE(parsed.status().message().find("fails FlatBuffers verification"),
              std::string_view::npos)
        << parsed.status();
  }
}

// Corruption must never crash or read out of bounds; whether a flip is caught depends on
// where it lands (a flipped byte inside a code blob is still a valid container).
TEST(ExecutableFormatTest, SurvivesRandomByteFlips) {
  const std::vector<uint8_t> bytes = ValidSpec().Build();
  std::mt19937 random(20240611);
  std::uniform_int_distribution<size_t> position(0, bytes.size() - 1);
  std::uniform_int_distribution<int> flip_count(1, 4);
  std::uniform_int_distribution<int> value(0, 255);
  int rejected = 0;
  constexpr int kTrials = 5000;
  for (int trial = 0; trial < kTrials; ++trial) {
    std::vector<uint8_t> corrupt = bytes;
    for (int flips = flip_count(random); flips > 0; --flips) {
      corrupt[position(random)] = static_cast<uint8_t>(value(random));
    }
    auto parsed = ParseExecutableContainer(corrupt);
    if (!parsed.ok()) {
      ++rejected;
      const StatusCode code = parsed.status().code();
      EXPECT_TRUE(code == StatusCode::kInvalidArgument || code == StatusCode::kDataLoss)
          << parsed.status();
      EXPECT_FALSE(parsed.status().message().empty());
    } else {
      for (const ParsedTarget& target : parsed->targets) {
        ASSERT_GE(target.code.data(), corrupt.data());
        ASSERT_LE(target.code.data() + target.code.size(), corrupt.data() + corrupt.size());
      }
    }
  }
  EXPECT_GT(rejected, kTrials / 4);
}

class CheckLayoutMatchesTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(allocator_.live_bytes(), 0u); }

  // The layout the ValidSpec "copy" entry point declares, with `edit` applied first.
  Ref<PipelineLayout> CopyLayout(
      const std::function<void(std::vector<std::vector<DescriptorSetLayoutBinding>>&,
                               uint32_t&)>& edit = nullptr) {
    std::vector<std::vector<DescriptorSetLayoutBinding>> sets = {
        {{0, DescriptorType::kStorageBuffer}, {1, DescriptorType::kStorageBuffer}},
        {{3, DescriptorType::kStorageBuffer},
         {7, DescriptorType::kUniformBuffer, DescriptorFlags::kReadOnly}}};
    uint32_t push_constants = 2;
    if (edit) edit(sets, push_constants);
    std::vector<Ref<DescriptorSetLayout>> set_layouts;
    std::vector<DescriptorSetLayout*> set_pointers;
    for (const auto& bindings : sets) {
      auto set = DescriptorSetLayout::Create(allocator_, bindings);
      EXPECT_OK(set) << set.status();
      if (!set.ok()) return nullptr;
      set_layouts.push_back(*set);
      set_pointers.push_back(set_layouts.back().get());
    }
    auto layout = PipelineLayout::Create(allocator_, set_pointers, push_constants);
    EXPECT_OK(layout) << layout.status();
    return layout.ok() ? *layout : nullptr;
  }

  ParsedEntryPoint CopyEntryPoint() {
    const std::vector<uint8_t> bytes = ValidSpec().Build();
    auto parsed = ParseExecutableContainer(bytes);
    EXPECT_OK(parsed) << parsed.status();
    return parsed.ok() ? parsed->entry_points[1] : ParsedEntryPoint{};
  }

  void ExpectMismatch(const Ref<PipelineLayout>& layout, std::string_view difference) {
    ASSERT_TRUE(layout);
    const Status status = CheckLayoutMatches(CopyEntryPoint(), *layout);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status;
    EXPECT_EQ(status.message(),
              StrCat("pipeline layout does not match the shape entry point 'copy' was built "
                     "for: ",
                     difference));
  }

  CountingAllocator allocator_;
};

TEST_F(CheckLayoutMatchesTest, MatchesRegardlessOfDeclarationOrderAndFlags) {
  Ref<PipelineLayout> layout = CopyLayout();
  ASSERT_TRUE(layout);
  EXPECT_OK(CheckLayoutMatches(CopyEntryPoint(), *layout));
}

TEST_F(CheckLayoutMatchesTest, NamesSetCountDifference) {
  ExpectMismatch(CopyLayout([](auto& sets, uint32_t&) { sets.pop_back(); }),
                 "it declares 2 descriptor sets, the layout has 1");
}

TEST_F(CheckLayoutMatchesTest, NamesBindingCountDifference) {
  ExpectMismatch(
      CopyLayout([](auto& sets, uint32_t&) { sets[0].push_back({2}); }),
      "it declares 2 bindings in set 0, the layout's set 0 has 3");
}

TEST_F(CheckLayoutMatchesTest, NamesOrdinalDifference) {
  ExpectMismatch(CopyLayout([](auto& sets, uint32_t&) { sets[1][0].ordinal = 4; }),
                 "set 1 binding 0 in ordinal order is ordinal 3 in the entry point, ordinal 4 "
                 "in the layout");
}

TEST_F(CheckLayoutMatchesTest, NamesDescriptorTypeDifference) {
  ExpectMismatch(
      CopyLayout([](auto& sets, uint32_t&) { sets[1][1].type = DescriptorType::kStorageBuffer; }),
      "set 1 ordinal 7 is a uniform buffer in the entry point, a storage buffer in the layout");
}

TEST_F(CheckLayoutMatchesTest, NamesPushConstantDifference) {
  ExpectMismatch(CopyLayout([](auto&, uint32_t& push_constants) { push_constants = 5; }),
                 "it declares 2 push constants, the layout has 5");
}

}  // namespace
}  // namespace gpuhal
