// Everything an application needs: include this one header.
#ifndef GPUHAL_GPUHAL_H_
#define GPUHAL_GPUHAL_H_

#include "gpuhal/allocator.h"
#include "gpuhal/bitmask.h"
#include "gpuhal/buffer.h"
#include "gpuhal/channel.h"
#include "gpuhal/command_buffer.h"
#include "gpuhal/device.h"
#include "gpuhal/driver.h"
#include "gpuhal/event.h"
#include "gpuhal/executable.h"
#include "gpuhal/host_kernel.h"
#include "gpuhal/layout.h"
#include "gpuhal/ref.h"
#include "gpuhal/semaphore.h"
#include "gpuhal/simulated_gpu.h"
#include "gpuhal/status.h"
#include "gpuhal/time.h"

#endif  // GPUHAL_GPUHAL_H_
