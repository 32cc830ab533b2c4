// Command-buffer events: signalled, reset and waited on by commands inside command
// buffers (split barriers), as distinct from semaphores, which order whole submissions.
#ifndef GPUHAL_EVENT_H_
#define GPUHAL_EVENT_H_

#include "gpuhal/ref.h"

namespace gpuhal {

class Event : public RefCounted {
 protected:
  Event() = default;
};

}  // namespace gpuhal

#endif  // GPUHAL_EVENT_H_
