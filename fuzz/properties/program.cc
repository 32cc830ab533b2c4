#include "fuzz/properties/program.h"

#include <sstream>

namespace gpuhal::properties {

bool Program::HasFailures() const {
  for (const Op& op : ops) {
    if (op.kind == OpKind::kHostFail) return true;
  }
  for (const Submission& submission : submissions) {
    if (submission.fault != Fault::kNone) return true;
  }
  return false;
}

uint32_t Program::ThreadOf(const Op& op) const {
  if (host_threads <= 1) return 0;
  if (op.kind != OpKind::kHostSignal && op.kind != OpKind::kHostFail) return 0;
  return 1 + op.index % (host_threads - 1);
}

std::string RunConfig::DeviceUri(uint32_t queue_count) const {
  std::ostringstream uri;
  uri << (vendor == Vendor::kCuda ? "fake-cuda" : "fake-hip") << "://0?schedule="
      << (schedule == Schedule::kDeterministic ? "deterministic" : "threaded") << "&seed=" << seed
      << "&mode=" << (mode == Mode::kGraph ? "graph" : "stream") << "&queues=" << queue_count;
  return uri.str();
}

namespace {

void ShowPoints(const std::vector<Point>& points, std::ostream& os) {
  os << "[";
  for (size_t i = 0; i < points.size(); ++i) {
    os << (i ? ", " : "") << "s" << points[i].semaphore << ">=" << points[i].value;
  }
  os << "]";
}

}  // namespace

void showValue(const Program& program, std::ostream& os) {
  os << "program: " << program.queue_count << " queue(s), " << program.host_threads
     << " host thread(s)\n";
  for (size_t i = 0; i < program.semaphores.size(); ++i) {
    const SemaphoreSpec& spec = program.semaphores[i];
    os << "  s" << i << ": " << (spec.driver == Driver::kHost ? "host-driven" : "device-driven")
       << ", " << (spec.object == Object::kDevice ? "device semaphore" : "host-only semaphore")
       << "\n";
  }
  for (size_t i = 0; i < program.ops.size(); ++i) {
    const Op& op = program.ops[i];
    os << "  " << i << " [thread " << program.ThreadOf(op) << "] ";
    switch (op.kind) {
      case OpKind::kSubmit: {
        const Submission& x = program.submissions[op.index];
        os << "submit X" << op.index << " queue " << x.queue << " waits ";
        ShowPoints(x.waits, os);
        os << " signals ";
        ShowPoints(x.signals, os);
        os << " tag by " << (x.tag_write == TagWrite::kFill ? "fill" : "update");
        if (x.extra_fills) os << " +" << x.extra_fills << " fills";
        if (!x.chain.empty()) os << " chain " << barrier_chain::ToString(x.chain);
        if (x.fault == Fault::kIssue) os << " FAULT(issue)";
        if (x.fault == Fault::kCompletion) os << " FAULT(completion)";
        break;
      }
      case OpKind::kHostSignal:
        os << "host signal s" << op.index << " = " << op.value;
        break;
      case OpKind::kHostFail:
        os << "host fail s" << op.index;
        break;
      case OpKind::kHostWait:
        os << "host wait s" << op.index << " >= " << op.value << " timeout "
           << (op.timeout_us ? std::to_string(op.timeout_us) + "us" : std::string("immediate"));
        break;
      case OpKind::kHostWaiter:
        os << "host waiter thread on s" << op.index << " >= " << op.value << " (no timeout)";
        break;
      case OpKind::kObserve:
        os << "observe tags";
        break;
      case OpKind::kPause:
        os << "quiesce + pause completions";
        break;
      case OpKind::kResume:
        os << "check paused state + resume completions";
        break;
    }
    os << "\n";
  }
}

void showValue(const RunConfig& config, std::ostream& os) {
  os << config.DeviceUri(1) << " (queues= from the program)";
  if (config.sparse_completion) os << ", sparse completion";
}

std::string ToString(const Program& program) {
  std::ostringstream os;
  showValue(program, os);
  return os.str();
}

std::string ToString(const RunConfig& config) {
  std::ostringstream os;
  showValue(config, os);
  return os.str();
}

}  // namespace gpuhal::properties
