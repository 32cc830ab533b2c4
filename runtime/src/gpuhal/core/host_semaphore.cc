// Host semaphores: timeline semaphores with no device behind them, signalled only from
// the host. Everything they need is in the TimelineSemaphore base.
#include "gpuhal/core/timeline_semaphore.h"
#include "gpuhal/ref.h"
#include "gpuhal/semaphore.h"

namespace gpuhal {
namespace {

class HostSemaphore final : public TimelineSemaphore {
 public:
  explicit HostSemaphore(uint64_t initial_value) : TimelineSemaphore(initial_value) {}
};

}  // namespace

Result<Ref<Semaphore>> CreateHostSemaphore(uint64_t initial_value, Allocator& allocator) {
  Ref<Semaphore> semaphore = MakeRef<HostSemaphore>(allocator, initial_value);
  if (!semaphore) {
    return ResourceExhaustedError("host semaphore: the host allocator could not provide ",
                                  sizeof(HostSemaphore), " bytes");
  }
  return semaphore;
}

}  // namespace gpuhal
