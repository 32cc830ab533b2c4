// Barrier chains: K stages of commands, with an ExecutionBarrier after each, in which every
// command of stage i+1 depends on every command of stage i through the bytes, so that a
// missing dependency edge or a reordering across a barrier changes the final contents for
// some interleaving. The barrier conformance cases (barrier_test.cc) and the timeline
// property programs (fuzz/properties) record chains from this plan and compare every
// word with Evaluate(). Plain C++: no gpuhal types, no device.
//
// A chain works on 32-bit words of one area (a buffer range) that starts zeroed:
//   - stage 0, seeds: kFill and kUpdate each write one word, a value unique to the command.
//   - later stages, gathers: kCopy, kDispatch and kNested read the window over the
//     previous stage's outputs (the shortest contiguous run of words that holds a word of
//     every output: from the last word of the lowest output to the first word of the
//     highest) and write it to a fresh block. A dispatch writes in[i] * scale + bias (the
//     conformance kernel cts_stage, an odd scale); a nested command buffer copies the
//     window to its block and, after a barrier of its own, that block to the next one.
//   - later stages, overwriters: kFill and kUpdate rewrite one word of the window that
//     the previous stage's gathers read. Allowed from stage 2 on, only where the previous
//     stage has nothing but gathers (each of which read that word), and only beside at
//     least one gather of their own stage.
// So a gather reads what every command of the stage before wrote, and an overwriter
// rewrites what every command of the stage before read. Run either before one of those
// commands and the final words differ: the gather copies a word not yet written (zero or
// an older value; every written word is unique to its writer, and a dispatch's odd scale
// keeps a difference a difference), or the earlier command reads the overwriter's value.
// Nothing loses that difference later: only overwriters write a word twice, and an
// overwriter rewrites only words that every gather of the stage before it copied.
//
// Why not overwrite what each previous command wrote? A fill or update writes one
// contiguous range; one that touches every output of a stage of three or more commands
// covers the middle outputs whole, and then no other command of its stage can read or
// write a word of them. Gathers have the same limit on their source, which is why blocks
// grow: a window over n outputs of L words is (n - 2) * L + 2 words, so a stage of two
// commands brings the next blocks back to two words. MakePlan reports the area's size;
// generators bound it (FitsIn).
//
// Stages alternate between two halves of the area (even stages in the first, odd in the
// second), so that no command reads what a command of its own stage writes: gathers of
// stage i read the half of stage i-1 and write the half of stage i, where overwriters of
// stage i write too (inside the window of stage i-1's gathers, which lies in the half of
// stage i-2).
#ifndef GPUHAL_CONFORMANCE_BARRIER_CHAIN_H_
#define GPUHAL_CONFORMANCE_BARRIER_CHAIN_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gpuhal::barrier_chain {

enum class Op : uint8_t {
  kFill,      // FillBuffer of one word: a seed (stage 0) or an overwriter
  kUpdate,    // UpdateBuffer of one word: a seed (stage 0) or an overwriter
  kCopy,      // CopyBuffer of the window to a fresh block
  kDispatch,  // cts_stage from the window to a fresh block: out[i] = in[i] * scale + bias
  kNested,    // ExecuteCommands of a nested buffer: window -> block, barrier, block -> next block
};

inline bool IsGather(Op op) { return op == Op::kCopy || op == Op::kDispatch || op == Op::kNested; }

inline char Letter(Op op) {
  switch (op) {
    case Op::kFill:
      return 'F';
    case Op::kUpdate:
      return 'U';
    case Op::kCopy:
      return 'C';
    case Op::kDispatch:
      return 'D';
    case Op::kNested:
      return 'N';
  }
  return '?';
}

// The commands between two barriers, in recording order.
using Stage = std::vector<Op>;

inline constexpr size_t kMinStages = 2, kMaxStages = 8;
inline constexpr size_t kMinWidth = 2, kMaxWidth = 8;

// One command, placed. Offsets and lengths are in words from the start of the area.
struct Command {
  Op op = Op::kFill;
  uint32_t stage = 0;
  uint32_t index = 0;   // within its stage, in recording order
  uint32_t target = 0;  // first word written
  uint32_t source = 0;  // gathers: first word read
  uint32_t words = 1;   // gathers: words read (a nested command writes twice as many)
  uint32_t value = 0;   // fill and update: the word written; dispatch: the bias
  uint32_t scale = 1;   // dispatch

  uint32_t written() const { return op == Op::kNested ? 2 * words : words; }
};

struct Plan {
  std::vector<std::vector<Command>> stages;
  std::vector<uint32_t> windows;  // words each stage's gathers read (0 for stage 0)
  uint32_t words = 0;             // the area's size
  std::string error;              // why the stages are not a chain; empty when they are
  bool ok() const { return error.empty(); }
};

// "FU|CCF|..." : one letter per command, stages separated by '|'.
inline std::string ToString(std::span<const Stage> stages) {
  std::string text;
  for (size_t s = 0; s < stages.size(); ++s) {
    if (s) text += '|';
    for (Op op : stages[s]) text += Letter(op);
  }
  return text;
}

// The inverse of ToString; unknown letters become kCopy.
inline std::vector<Stage> Parse(std::string_view text) {
  std::vector<Stage> stages(1);
  for (char c : text) {
    switch (c) {
      case '|':
        stages.emplace_back();
        break;
      case 'F':
        stages.back().push_back(Op::kFill);
        break;
      case 'U':
        stages.back().push_back(Op::kUpdate);
        break;
      case 'D':
        stages.back().push_back(Op::kDispatch);
        break;
      case 'N':
        stages.back().push_back(Op::kNested);
        break;
      default:
        stages.back().push_back(Op::kCopy);
        break;
    }
  }
  return stages;
}

// The value a seed or overwriter writes (and a dispatch's bias): nonzero and unique to
// (salt, stage, index) for salts below 4096.
inline uint32_t ValueOf(uint32_t salt, uint32_t stage, uint32_t index) {
  return 0xB0000000u | ((salt & 0xFFFu) << 16) | (stage << 8) | index;
}

// Lays the chain out; `salt` varies the values (one per chain sharing a buffer).
inline Plan MakePlan(std::span<const Stage> stages, uint32_t salt = 0) {
  Plan plan;
  auto fail = [&](size_t s, std::string why) {
    plan.error = "stage " + std::to_string(s) + " of " + ToString(stages) + ": " + why;
    plan.stages.clear();
    return plan;
  };
  struct Range {
    uint32_t begin, end;
  };
  uint32_t cursor[2] = {0, 0};  // the next fresh word of each half
  std::vector<Range> outputs;   // the previous stage's, in its half
  Range read{0, 0};             // the window the previous stage's gathers read
  bool previous_all_gathers = false;
  for (size_t s = 0; s < stages.size(); ++s) {
    const Stage& stage = stages[s];
    const uint32_t half = s % 2;
    if (stage.size() < kMinWidth || stage.size() > kMaxWidth) {
      return fail(s, std::to_string(stage.size()) + " commands; a stage has 2 to 8");
    }
    std::vector<Command> commands;
    std::vector<Range> next;
    if (s == 0) {
      for (uint32_t j = 0; j < stage.size(); ++j) {
        if (IsGather(stage[j])) return fail(s, "stage 0 holds seeds: fills and updates only");
        Command command{.op = stage[j], .stage = 0, .index = j, .target = cursor[0]++};
        command.value = ValueOf(salt, 0, j);
        next.push_back({command.target, command.target + 1});
        commands.push_back(command);
      }
      plan.windows.push_back(0);
    } else {
      std::sort(outputs.begin(), outputs.end(),
                [](const Range& a, const Range& b) { return a.begin < b.begin; });
      const Range window{outputs.front().end - 1, outputs.back().begin + 1};
      const uint32_t length = window.end - window.begin;
      const size_t gathers = std::count_if(stage.begin(), stage.end(), IsGather);
      const size_t overwriters = stage.size() - gathers;
      if (gathers == 0) return fail(s, "no gather: a stage after the first needs one");
      if (overwriters && (s < 2 || !previous_all_gathers)) {
        return fail(s, "overwriters need a previous stage of gathers only (from stage 2)");
      }
      if (overwriters > read.end - read.begin) {
        return fail(s, "more overwriters than words in the window they rewrite");
      }
      uint32_t slot = read.end - static_cast<uint32_t>(overwriters);
      for (uint32_t j = 0; j < stage.size(); ++j) {
        Command command{.op = stage[j], .stage = static_cast<uint32_t>(s), .index = j};
        command.value = ValueOf(salt, static_cast<uint32_t>(s), j);
        if (IsGather(stage[j])) {
          command.source = window.begin;
          command.words = length;
          command.target = cursor[half];
          if (stage[j] == Op::kDispatch) command.scale = 2 * j + 3;
          cursor[half] += command.written();
        } else {
          command.target = slot++;
        }
        next.push_back({command.target, command.target + command.written()});
        commands.push_back(command);
      }
      read = window;
      plan.windows.push_back(length);
    }
    previous_all_gathers = s > 0 && std::all_of(stage.begin(), stage.end(), IsGather);
    outputs = std::move(next);
    plan.stages.push_back(std::move(commands));
  }
  // The second half follows the first: odd stages write it, even stages' gathers read it.
  for (std::vector<Command>& stage : plan.stages) {
    for (Command& command : stage) {
      if (command.stage % 2) command.target += cursor[0];
      if (IsGather(command.op) && command.stage % 2 == 0) command.source += cursor[0];
    }
  }
  plan.words = cursor[0] + cursor[1];
  return plan;
}

// What one command does to the area.
inline void Apply(const Command& command, std::vector<uint32_t>& area) {
  switch (command.op) {
    case Op::kFill:
    case Op::kUpdate:
      area[command.target] = command.value;
      break;
    case Op::kCopy:
      std::copy_n(area.begin() + command.source, command.words, area.begin() + command.target);
      break;
    case Op::kDispatch:
      for (uint32_t i = 0; i < command.words; ++i) {
        area[command.target + i] = area[command.source + i] * command.scale + command.value;
      }
      break;
    case Op::kNested:
      std::copy_n(area.begin() + command.source, command.words, area.begin() + command.target);
      std::copy_n(area.begin() + command.target, command.words,
                  area.begin() + command.target + command.words);
      break;
  }
}

// The area after the chain ran in order, from zeros.
inline std::vector<uint32_t> Evaluate(const Plan& plan) {
  std::vector<uint32_t> area(plan.words, 0);
  for (const std::vector<Command>& stage : plan.stages) {
    for (const Command& command : stage) Apply(command, area);
  }
  return area;
}

// "stage 3 command 1 (copy of words 12..19 to 40..47)": the last command that writes
// `word`, for failure messages.
inline std::string DescribeWriter(const Plan& plan, uint32_t word) {
  std::string text = "no command";
  for (const std::vector<Command>& stage : plan.stages) {
    for (const Command& c : stage) {
      if (word < c.target || word >= c.target + c.written()) continue;
      text = "stage " + std::to_string(c.stage) + " command " + std::to_string(c.index) + " (" +
             Letter(c.op) + ": ";
      if (IsGather(c.op)) {
        text += "words " + std::to_string(c.source) + ".." +
                std::to_string(c.source + c.words - 1) + " to " + std::to_string(c.target) +
                ".." + std::to_string(c.target + c.written() - 1) + ")";
      } else {
        text += "word " + std::to_string(c.target) + ")";
      }
    }
  }
  return text;
}

// Makes `next` a legal stage after `before`, for generators: gathers at stage 0 become
// fills; later, overwriters where none may be, or more than the window has words for,
// become copies, and a stage of overwriters only gets a copy first.
inline void Legalize(std::span<const Stage> before, Stage& next) {
  if (before.empty()) {
    for (Op& op : next) {
      if (IsGather(op)) op = Op::kFill;
    }
    return;
  }
  const bool allowed = before.size() >= 2 &&
                       std::all_of(before.back().begin(), before.back().end(), IsGather);
  const Plan plan = MakePlan(before);
  uint32_t room = allowed && plan.ok() ? plan.windows.back() : 0;
  for (Op& op : next) {
    if (IsGather(op)) continue;
    if (room == 0) {
      op = Op::kCopy;
    } else {
      --room;
    }
  }
  if (!next.empty() && std::none_of(next.begin(), next.end(), IsGather)) next.front() = Op::kCopy;
}

}  // namespace gpuhal::barrier_chain

#endif  // GPUHAL_CONFORMANCE_BARRIER_CHAIN_H_
