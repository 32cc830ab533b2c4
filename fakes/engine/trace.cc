#include "fakes/engine/trace.h"

#include "gpuhal/core/json_escape.h"

#include <cinttypes>
#include <cstdio>
#include <set>
#include <utility>

namespace gpuhal::fake {
namespace {

void AppendEscaped(std::string& out, const char* text) { AppendJsonEscaped(out, text); }

// Microseconds with nanosecond precision, printed exactly (no floating point).
void AppendMicros(std::string& out, uint64_t ns) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
  out += buffer;
}

}  // namespace

std::string TraceRecorder::ToChromeJson(int device_count, std::string_view metadata) const {
  std::string out = "{\"traceEvents\":[";
  bool first = true;
  for (int device = 0; device < device_count; ++device) {
    char buffer[128];
    std::snprintf(buffer, sizeof(buffer),
                  "%s{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":0,"
                  "\"args\":{\"name\":\"device %d\"}}",
                  first ? "" : ",\n", device, device);
    out += buffer;
    first = false;
  }
  std::set<std::pair<uint32_t, uint32_t>> streams;
  for (const TraceSpan& span : spans_) streams.emplace(span.device, span.stream);
  for (const auto& [device, stream] : streams) {
    char buffer[128];
    std::snprintf(buffer, sizeof(buffer),
                  "%s{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%u,\"tid\":%u,"
                  "\"args\":{\"name\":\"stream %u\"}}",
                  first ? "" : ",\n", device, stream, stream);
    out += buffer;
    first = false;
  }
  for (const TraceSpan& span : spans_) {
    out += first ? "{\"name\":\"" : ",\n{\"name\":\"";
    first = false;
    AppendEscaped(out, span.name);
    out += "\",\"ph\":\"X\",\"ts\":";
    AppendMicros(out, span.start_ns);
    out += ",\"dur\":";
    AppendMicros(out, span.end_ns - span.start_ns);
    char buffer[64];
    std::snprintf(buffer, sizeof(buffer), ",\"pid\":%u,\"tid\":%u}", span.device, span.stream);
    out += buffer;
  }
  char dropped[64];
  std::snprintf(dropped, sizeof(dropped), "\"dropped_spans\":%" PRIu64, dropped_spans_);
  out += "],\"displayTimeUnit\":\"ns\",\"otherData\":{";
  out += metadata;
  if (!metadata.empty()) out += ",";
  out += dropped;
  out += "}}\n";
  return out;
}

}  // namespace gpuhal::fake
