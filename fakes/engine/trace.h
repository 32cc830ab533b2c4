// Records one span per executed operation and writes them as Chrome trace JSON (the
// "traceEvents" array format, which Perfetto opens). Devices are processes, streams are
// threads. Times are virtual nanoseconds in deterministic mode, steady-clock nanoseconds
// since engine creation in threaded mode.
#ifndef GPUHAL_FAKES_ENGINE_TRACE_H_
#define GPUHAL_FAKES_ENGINE_TRACE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace gpuhal::fake {

struct TraceSpan {
  const char* name;  // static, or owned by the kernel registry (stable for engine life)
  uint32_t device;
  uint32_t stream;   // the stream's creation ordinal, stable across runs
  uint64_t start_ns;
  uint64_t end_ns;
};

class TraceRecorder {
 public:
  void set_enabled(bool enabled) { enabled_ = enabled; }
  bool enabled() const { return enabled_; }
  void Add(const TraceSpan& span) {
    if (enabled_) spans_.push_back(span);
  }
  void Clear() { spans_.clear(); }
  const std::vector<TraceSpan>& spans() const { return spans_; }
  std::string ToChromeJson(int device_count) const;

 private:
  bool enabled_ = false;
  std::vector<TraceSpan> spans_;
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_ENGINE_TRACE_H_
