// Barriers over several commands: chains of stages (barrier_chain.h) in which each stage
// of 2 to 8 transfers, dispatches or nested command buffers runs between two barriers and
// every command depends on every command of the stage before, through the bytes. Each
// chain runs once per schedule seed (32 simulated GPUs of the configuration, one real
// GPU) in the fixture's mode, and every word is compared with the plan's host
// evaluation: a command that ran before one of the stage before it leaves different
// words under some seed. Guard words on both sides of the chain's area must stay as
// they were.
#include <algorithm>
#include <random>
#include <string>
#include <string_view>

#include "conformance/barrier_chain.h"
#include "conformance/conformance_fixture.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::conformance {
namespace {

using barrier_chain::Command;
using barrier_chain::Op;
using barrier_chain::Plan;

constexpr uint32_t kGuardWords = 8;

struct ChainOptions {
  // Records the chain once into a reusable command buffer, starts it with a fill that
  // clears the area (and a barrier), and submits it `submissions` times, scribbling over
  // the area from the host before each submission after the first.
  bool reusable = false;
  int submissions = 1;
};

class BarrierTest : public ConformanceTest {
 protected:
  static constexpr ExecutionStage kStages = ExecutionStage::kTransfer | ExecutionStage::kDispatch;
  static constexpr AccessScope kWrites = AccessScope::kTransferWrite | AccessScope::kDispatchWrite;
  static constexpr AccessScope kAccesses = AccessScope::kTransferRead |
                                           AccessScope::kTransferWrite |
                                           AccessScope::kDispatchRead | AccessScope::kDispatchWrite;

  static Status Barrier(CommandBuffer& commands) {
    const MemoryBarrier barrier[] = {{kWrites, kAccesses}};
    return commands.ExecutionBarrier(kStages, kStages, barrier, {});
  }

  // A nested command buffer (reusable, as nesting requires) for a kNested command: the
  // window to the block, a barrier, the block to the block after it.
  Result<Ref<CommandBuffer>> RecordNested(Buffer& area, const Command& command) {
    const size_t length = command.words * 4;
    return Record(
        [&](CommandBuffer& nested) {
          GPUHAL_RETURN_IF_ERROR(nested.CopyBuffer(
              {&area, (kGuardWords + command.source) * 4, length}, area,
              (kGuardWords + command.target) * 4));
          GPUHAL_RETURN_IF_ERROR(Barrier(nested));
          return nested.CopyBuffer({&area, (kGuardWords + command.target) * 4, length}, area,
                                   (kGuardWords + command.target + command.words) * 4);
        },
        {.usage = CommandBufferUsage::kReusable});
  }

  static Status RecordCommand(CommandBuffer& commands, Buffer& area, const Command& command,
                              Kernels* kernels, CommandBuffer* nested) {
    const size_t target = (kGuardWords + command.target) * 4;
    const size_t source = (kGuardWords + command.source) * 4;
    const size_t length = command.words * 4;
    switch (command.op) {
      case Op::kFill:
        return commands.FillBuffer({&area, target, 4}, &command.value, 4);
      case Op::kUpdate:
        return commands.UpdateBuffer(&command.value, {&area, target, 4});
      case Op::kCopy:
        return commands.CopyBuffer({&area, source, length}, area, target);
      case Op::kDispatch: {
        // cts_stage: out[i] = in[i] * a + b.
        const SetBindings sets[] = {{0, {{0, &area, source, length}, {1, &area, target, length}}}};
        const uint32_t constants[] = {command.scale, command.value, command.words};
        return RecordDispatch(commands, *kernels, 0, sets, constants,
                              {kernels::WorkgroupsFor(command.words), 1, 1});
      }
      case Op::kNested:
        return commands.ExecuteCommands(*nested);
    }
    return InvalidArgumentError("unknown chain command");
  }

  // Runs the chain `shape` (barrier_chain::Parse) once per schedule seed and compares the
  // area, and the guard words around it, with the plan after every submission.
  void CheckChain(std::string_view shape, ChainOptions options = {}) {
    const std::vector<barrier_chain::Stage> stages = barrier_chain::Parse(shape);
    const bool dispatches = shape.find('D') != std::string_view::npos;
    for (uint64_t seed = 0; seed < ScheduleSeeds(); ++seed) {
      // Seed 0 runs on the fixture's device (the configuration's own seed).
      if (seed > 0) ASSERT_OK(ReopenWithSeed(seed));
      const Plan plan = barrier_chain::MakePlan(stages, static_cast<uint32_t>(seed));
      ASSERT_TRUE(plan.ok()) << plan.error;
      const std::vector<uint32_t> guard = PatternWords(kGuardWords, 77);
      std::vector<uint32_t> expected = guard;
      const std::vector<uint32_t> result = barrier_chain::Evaluate(plan);
      expected.insert(expected.end(), result.begin(), result.end());
      expected.insert(expected.end(), guard.begin(), guard.end());
      std::vector<uint32_t> initial = guard;
      initial.resize(kGuardWords + plan.words, 0);
      initial.insert(initial.end(), guard.begin(), guard.end());

      Kernels kernels;
      if (dispatches) {
        ASSERT_OK_AND_ASSIGN(kernels, LoadKernels({"cts_stage"}));
      }
      ASSERT_OK_AND_ASSIGN(Ref<Buffer> area, NewBufferWithWords(initial));
      std::vector<Ref<CommandBuffer>> nested;
      for (const std::vector<Command>& stage : plan.stages) {
        for (const Command& command : stage) {
          if (command.op != Op::kNested) continue;
          ASSERT_OK_AND_ASSIGN(Ref<CommandBuffer> recorded, RecordNested(*area, command));
          nested.push_back(std::move(recorded));
        }
      }
      CommandBufferParams params;
      if (options.reusable) params.usage = CommandBufferUsage::kReusable;
      ASSERT_OK_AND_ASSIGN(
          Ref<CommandBuffer> commands,
          Record(
              [&](CommandBuffer& recording) {
                if (options.reusable) {
                  const uint32_t zero = 0;
                  GPUHAL_RETURN_IF_ERROR(recording.FillBuffer(
                      {area.get(), kGuardWords * 4, plan.words * 4}, &zero, 4));
                  GPUHAL_RETURN_IF_ERROR(Barrier(recording));
                }
                size_t next_nested = 0;
                for (const std::vector<Command>& stage : plan.stages) {
                  for (const Command& command : stage) {
                    CommandBuffer* inner =
                        command.op == Op::kNested ? nested[next_nested++].get() : nullptr;
                    GPUHAL_RETURN_IF_ERROR(
                        RecordCommand(recording, *area, command, &kernels, inner));
                  }
                  GPUHAL_RETURN_IF_ERROR(Barrier(recording));
                }
                return OkStatus();
              },
              params));

      for (int submission = 0; submission < options.submissions; ++submission) {
        if (submission > 0) {
          // Stale words from the last run would hide a stage that ran early.
          const std::vector<uint32_t> scribble =
              PatternWords(plan.words, static_cast<uint32_t>(1000 + submission));
          ASSERT_OK(device().WriteBuffer(std::as_bytes(std::span(scribble)), *area,
                                             kGuardWords * 4));
        }
        ASSERT_OK(SubmitAndWait(*commands));
        ASSERT_OK_AND_ASSIGN(std::vector<uint32_t> words, ReadWords(*area));
        ASSERT_EQ(words.size(), expected.size());
        size_t wrong = 0, first = 0;
        for (size_t i = 0; i < words.size(); ++i) {
          if (words[i] == expected[i]) continue;
          if (wrong++ == 0) first = i;
        }
        if (wrong == 0) continue;
        const bool in_area = first >= kGuardWords && first < kGuardWords + plan.words;
        FAIL() << "chain " << shape << ", schedule seed " << seed << ", submission "
               << submission + 1 << ": " << wrong << " wrong word(s); the first, word "
               << first << " of the buffer, is " << words[first] << ", expected "
               << expected[first] << " ("
               << (in_area ? "written by " + barrier_chain::DescribeWriter(
                                                 plan, static_cast<uint32_t>(first - kGuardWords))
                           : std::string("a guard word"))
               << ")";
      }
    }
  }
};
CTS_INSTANTIATE(BarrierTest);

// Fills, updates and copies: narrow and wide stages, short and long chains, overwriters
// beside gathers, and blocks from two to hundreds of words.
TEST_P(BarrierTest, TransferStagesDependOnEveryCommandBefore) {
  for (std::string_view shape : {
           "FU|CC",
           "FUFUFUFU|CCCCCCCC",
           "UUU|CCC|CCC|CCC|CCC|CCC|CCC|CCC",
           "FF|CCC|CFUC|CC|CCUFC|CCCCCC|CC|CUFC",
           "FUFUFUFU|CCCCCCCC|CCCCCCCC|CC|CCCCCCCC|CCFCCUCC",
           "UFFU|CCCC|CCFU|CCCCC|CCCC|CCCCCCUF|CCC|CCCCCCCC",
       }) {
    SCOPED_TRACE(shape);
    CheckChain(shape);
    if (HasFatalFailure()) return;
  }
}

// Dispatches of cts_stage as gathers, beside copies and overwriters; the wide stages'
// windows take several workgroups.
TEST_P(BarrierTest, DispatchStagesDependOnEveryCommandBefore) {
  for (std::string_view shape : {
           "FU|DD",
           "FUF|DDD|CDFU|DDCDDC|DD|DCUD",
           "UFUFUFUF|DCDCDCDC|DDDDDDDD|DC|DDDDDDDD",
       }) {
    SCOPED_TRACE(shape);
    CheckChain(shape);
    if (HasFatalFailure()) return;
  }
}

// Reusable nested command buffers run by ExecuteCommands inside a stage, each with a
// barrier of its own, beside copies, dispatches and overwriters.
TEST_P(BarrierTest, NestedCommandBuffersInsideStages) {
  for (std::string_view shape : {
           "FU|NN",
           "FUFUF|NCN|CNFU|NNNNNNNN|CN",
           "UUFF|NDCN|DNUF|NNN|CDN",
       }) {
    SCOPED_TRACE(shape);
    CheckChain(shape);
    if (HasFatalFailure()) return;
  }
}

// One reusable recording submitted again and again: every run starts from a cleared area
// (the host scribbles over it in between) and must leave the same words.
TEST_P(BarrierTest, ReusableChainSubmittedRepeatedly) {
  for (std::string_view shape : {
           "FUFU|CCCC|CCFU|CC|CCCCCCC|CCCUF",
           "FFU|NDC|DNUF|CCNDCC|DN",
       }) {
    SCOPED_TRACE(shape);
    CheckChain(shape, {.reusable = true, .submissions = 3});
    if (HasFatalFailure()) return;
  }
}

// The plan itself, with no device: in random chains no command reads or writes what
// another of its stage writes, and running any command of a stage before any one
// command of the stage before it changes the final words.
TEST(BarrierChainPlan, EveryReorderingAcrossABarrierChangesTheWords) {
  std::mt19937 random(7);
  size_t chains = 0;
  for (int attempt = 0; attempt < 400; ++attempt) {
    std::vector<barrier_chain::Stage> stages;
    const size_t count = 2 + random() % 7;
    for (size_t s = 0; s < count; ++s) {
      barrier_chain::Stage stage(2 + random() % 7);
      for (Op& op : stage) {
        constexpr Op kOps[] = {Op::kFill, Op::kUpdate, Op::kCopy, Op::kCopy, Op::kDispatch,
                               Op::kNested};
        op = kOps[random() % 6];
      }
      barrier_chain::Legalize(stages, stage);
      stages.push_back(stage);
      if (barrier_chain::MakePlan(stages).words > 512) {
        stages.pop_back();
        break;
      }
    }
    if (stages.size() < 2) continue;
    ++chains;
    const Plan plan = barrier_chain::MakePlan(stages);
    ASSERT_TRUE(plan.ok()) << plan.error;
    const std::string name = barrier_chain::ToString(stages);
    for (const std::vector<Command>& stage : plan.stages) {
      std::vector<int> writer(plan.words, -1);
      for (const Command& command : stage) {
        for (uint32_t i = command.target; i < command.target + command.written(); ++i) {
          ASSERT_EQ(writer[i], -1) << name << ": two commands of a stage write word " << i;
          writer[i] = static_cast<int>(command.index);
        }
      }
      for (const Command& command : stage) {
        if (!barrier_chain::IsGather(command.op)) continue;
        for (uint32_t i = command.source; i < command.source + command.words; ++i) {
          ASSERT_EQ(writer[i], -1) << name << ": stage " << command.stage << " reads word " << i
                                   << ", which command " << writer[i] << " of it writes";
        }
      }
    }
    const std::vector<uint32_t> expected = barrier_chain::Evaluate(plan);
    for (size_t s = 0; s + 1 < plan.stages.size(); ++s) {
      for (const Command& before : plan.stages[s]) {
        for (const Command& after : plan.stages[s + 1]) {
          // Everything in order, except that `after` moves to just before `before`.
          std::vector<uint32_t> area(plan.words, 0);
          for (size_t t = 0; t < plan.stages.size(); ++t) {
            for (const Command& command : plan.stages[t]) {
              if (&command != &before && &command != &after) barrier_chain::Apply(command, area);
            }
            if (t == s) {
              barrier_chain::Apply(after, area);
              barrier_chain::Apply(before, area);
            }
          }
          ASSERT_NE(area, expected) << name << ": stage " << s + 1 << " command "
                                    << after.index << " run before stage " << s << " command "
                                    << before.index << " leaves the same words";
        }
      }
    }
  }
  EXPECT_GT(chains, 300u);
}

}  // namespace
}  // namespace gpuhal::conformance
