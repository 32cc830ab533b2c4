// Records one span per executed operation and writes them as Chrome trace JSON (the
// "traceEvents" array format, which Perfetto and chrome://tracing open). Devices are
// processes, streams are threads. Times are virtual nanoseconds in deterministic mode
// (so a seed gives the same bytes every run), steady-clock nanoseconds since engine
// creation in threaded mode. At most kMaxSpans spans are kept; later ones are counted
// as dropped, so a long run's memory stays bounded.
#ifndef GPUHAL_FAKES_ENGINE_TRACE_H_
#define GPUHAL_FAKES_ENGINE_TRACE_H_

#include <cstdint>
#include <string>
#include <string_view>
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
  static constexpr size_t kMaxSpans = size_t{1} << 20;
  void set_enabled(bool enabled) { enabled_ = enabled; }
  bool enabled() const { return enabled_; }
  void Add(const TraceSpan& span) {
    if (!enabled_) return;
    if (spans_.size() < kMaxSpans) {
      spans_.push_back(span);
    } else {
      ++dropped_spans_;
    }
  }
  void Clear() {
    spans_.clear();
    dropped_spans_ = 0;
  }
  const std::vector<TraceSpan>& spans() const { return spans_; }
  uint64_t dropped_spans() const { return dropped_spans_; }
  // `metadata` is the members of a JSON object ("\"seed\":7"), written as the trace's
  // "otherData".
  std::string ToChromeJson(int device_count, std::string_view metadata = {}) const;

 private:
  bool enabled_ = false;
  std::vector<TraceSpan> spans_;
  uint64_t dropped_spans_ = 0;
};

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_ENGINE_TRACE_H_
