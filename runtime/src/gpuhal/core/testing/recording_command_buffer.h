// A command buffer that does nothing but log each call, with its arguments, as one line
// of text. Tests use it as the target of a replay or the buffer under a shim to assert
// exactly which calls arrived, in which order, and that rejected calls never did.
#ifndef GPUHAL_CORE_TESTING_RECORDING_COMMAND_BUFFER_H_
#define GPUHAL_CORE_TESTING_RECORDING_COMMAND_BUFFER_H_

#include <cstdint>
#include <iomanip>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "gpuhal/command_buffer.h"

namespace gpuhal::testing {

class RecordingCommandBuffer final : public CommandBuffer {
 public:
  explicit RecordingCommandBuffer(const CommandBufferParams& params = {})
      : CommandBuffer(params) {}

  // How `object` (a buffer, event, layout, executable, channel or command buffer) is
  // written in the log; unnamed objects are written as "?".
  void SetName(const void* object, std::string name) { names_[object] = std::move(name); }

  const std::vector<std::string>& calls() const { return calls_; }
  void ClearCalls() { calls_.clear(); }
  // The call that will be logged at index `call_index` of calls() fails with `status`
  // (after being logged).
  void FailCallAt(size_t call_index, Status status) {
    failure_index_ = call_index;
    failure_ = std::move(status);
  }
  void FailNextCall(Status status) { FailCallAt(calls_.size(), std::move(status)); }

  Status Begin() override { return Log("Begin()"); }
  Status End() override { return Log("End()"); }
  Status BeginDebugGroup(std::string_view label, uint32_t color_rgba) override {
    std::ostringstream out;
    out << "BeginDebugGroup(\"" << label << "\", " << Hex(color_rgba) << ")";
    return Log(out.str());
  }
  Status EndDebugGroup() override { return Log("EndDebugGroup()"); }

  Status ExecutionBarrier(ExecutionStage source, ExecutionStage target,
                          std::span<const MemoryBarrier> memory_barriers,
                          std::span<const BufferBarrier> buffer_barriers) override {
    std::ostringstream out;
    out << "ExecutionBarrier(" << Hex(source) << ", " << Hex(target) << ", "
        << Barriers(memory_barriers, buffer_barriers) << ")";
    return Log(out.str());
  }
  Status SignalEvent(Event& event, ExecutionStage source) override {
    return Log("SignalEvent(" + Name(&event) + ", " + Hex(source) + ")");
  }
  Status ResetEvent(Event& event, ExecutionStage source) override {
    return Log("ResetEvent(" + Name(&event) + ", " + Hex(source) + ")");
  }
  Status WaitEvents(std::span<Event* const> events, ExecutionStage source, ExecutionStage target,
                    std::span<const MemoryBarrier> memory_barriers,
                    std::span<const BufferBarrier> buffer_barriers) override {
    std::ostringstream out;
    out << "WaitEvents([";
    for (size_t i = 0; i < events.size(); ++i) out << (i ? ", " : "") << Name(events[i]);
    out << "], " << Hex(source) << ", " << Hex(target) << ", "
        << Barriers(memory_barriers, buffer_barriers) << ")";
    return Log(out.str());
  }

  Status DiscardBuffer(BufferRange range) override {
    return Log("DiscardBuffer(" + Range(range) + ")");
  }
  Status FillBuffer(BufferRange target, const void* pattern, size_t pattern_length) override {
    return Log("FillBuffer(" + Range(target) + ", pattern=" + Bytes(pattern, pattern_length) +
               ")");
  }
  Status UpdateBuffer(const void* source, BufferRange target) override {
    return Log("UpdateBuffer(" + Range(target) + ", data=" +
               Bytes(source, target.length == kWholeBuffer ? 0 : target.length) + ")");
  }
  Status CopyBuffer(BufferRange source, Buffer& target, size_t target_offset) override {
    return Log("CopyBuffer(" + Range(source) + ", " + Name(&target) + ", " +
               std::to_string(target_offset) + ")");
  }

  Status PushConstants(PipelineLayout& layout, size_t offset,
                       std::span<const uint8_t> values) override {
    return Log("PushConstants(" + Name(&layout) + ", " + std::to_string(offset) +
               ", values=" + Bytes(values.data(), values.size()) + ")");
  }
  Status PushDescriptorSet(PipelineLayout& layout, uint32_t set,
                           std::span<const BufferBinding> bindings) override {
    std::ostringstream out;
    out << "PushDescriptorSet(" << Name(&layout) << ", " << set << ", [";
    for (size_t i = 0; i < bindings.size(); ++i) {
      const BufferBinding& b = bindings[i];
      out << (i ? ", " : "") << b.ordinal << ":" << Range({b.buffer, b.offset, b.length});
    }
    out << "])";
    return Log(out.str());
  }
  Status Dispatch(Executable& executable, uint32_t entry_point,
                  WorkgroupCount workgroup_count) override {
    std::ostringstream out;
    out << "Dispatch(" << Name(&executable) << ", " << entry_point << ", [" << workgroup_count[0]
        << ", " << workgroup_count[1] << ", " << workgroup_count[2] << "])";
    return Log(out.str());
  }
  Status DispatchIndirect(Executable& executable, uint32_t entry_point,
                          BufferRange workgroup_count) override {
    return Log("DispatchIndirect(" + Name(&executable) + ", " + std::to_string(entry_point) +
               ", " + Range(workgroup_count) + ")");
  }
  Status ExecuteCommands(CommandBuffer& commands) override {
    return Log("ExecuteCommands(" + Name(&commands) + ")");
  }
  Status Collective(Channel& channel, CollectiveOp op, CollectiveParam param, BufferRange send,
                    BufferRange recv, size_t element_count) override {
    std::ostringstream out;
    out << "Collective(" << Name(&channel) << ", kind=" << static_cast<int>(op.kind)
        << ", reduction=" << static_cast<int>(op.reduction)
        << ", element_type=" << static_cast<int>(op.element_type) << ", param=" << param << ", "
        << Range(send) << ", " << Range(recv) << ", count=" << element_count << ")";
    return Log(out.str());
  }

 private:
  Status Log(std::string call) {
    calls_.push_back(std::move(call));
    if (calls_.size() - 1 != failure_index_) return OkStatus();
    failure_index_ = kNoFailure;
    return std::exchange(failure_, OkStatus());
  }
  std::string Name(const void* object) const {
    if (!object) return "null";
    auto it = names_.find(object);
    return it == names_.end() ? "?" : it->second;
  }
  template <typename T>
  static std::string Hex(T value) {
    std::ostringstream out;
    out << "0x" << std::hex << static_cast<uint64_t>(value);
    return out.str();
  }
  static std::string Bytes(const void* data, size_t length) {
    if (!data) return "null";
    std::ostringstream out;
    const auto* bytes = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < length; ++i) {
      out << std::hex << std::setw(2) << std::setfill('0') << static_cast<int>(bytes[i]);
    }
    return out.str();
  }
  std::string Range(const BufferRange& range) const {
    std::ostringstream out;
    out << Name(range.buffer) << "[" << range.offset << ", ";
    if (range.length == kWholeBuffer) {
      out << "whole";
    } else {
      out << "+" << range.length;
    }
    out << ")";
    return out.str();
  }
  std::string Barriers(std::span<const MemoryBarrier> memory_barriers,
                       std::span<const BufferBarrier> buffer_barriers) const {
    std::ostringstream out;
    out << "memory=[";
    for (size_t i = 0; i < memory_barriers.size(); ++i) {
      out << (i ? ", " : "") << Hex(memory_barriers[i].source) << "->"
          << Hex(memory_barriers[i].target);
    }
    out << "], buffers=[";
    for (size_t i = 0; i < buffer_barriers.size(); ++i) {
      out << (i ? ", " : "") << Hex(buffer_barriers[i].source) << "->"
          << Hex(buffer_barriers[i].target) << " " << Range(buffer_barriers[i].range);
    }
    out << "]";
    return out.str();
  }

  std::map<const void*, std::string> names_;
  std::vector<std::string> calls_;
  static constexpr size_t kNoFailure = static_cast<size_t>(-1);
  size_t failure_index_ = kNoFailure;
  Status failure_;
};

}  // namespace gpuhal::testing

#endif  // GPUHAL_CORE_TESTING_RECORDING_COMMAND_BUFFER_H_
