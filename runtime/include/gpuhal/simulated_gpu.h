// Driving the simulated GPU from an application's tests: faults on cue and traces.
//
// A device made by the fake-cuda or fake-hip driver runs on gpuhal's simulated GPU. Its
// URI sets it up (docs/testing-your-application.md lists every key):
//
//   fake-cuda://0?seed=7&fail=cuMemAlloc@3,cuLaunchKernel%0.01&memory=64MiB&trace=run.json
//
// and these calls do the same to a device that already exists:
//
//   GPUHAL_RETURN_IF_ERROR(gpuhal::simulated::InjectFaults(*device, "fail=cuMemAlloc@1"));
//   ... the application's next device allocation fails with CUDA_ERROR_OUT_OF_MEMORY ...
//   GPUHAL_RETURN_IF_ERROR(gpuhal::simulated::WriteTrace(*device, "run.json"));
//
// Every function returns FAILED_PRECONDITION for a device that is not simulated.
#ifndef GPUHAL_SIMULATED_GPU_H_
#define GPUHAL_SIMULATED_GPU_H_

#include <string>
#include <string_view>

#include "gpuhal/device.h"
#include "gpuhal/status.h"

namespace gpuhal::simulated {

// Whether `device` runs on the simulated GPU.
bool IsSimulated(Device& device);

// Adds faults from now on, written as the URI writes them, joined by '&':
//   fail=NAME@N,NAME%P    the Nth call of vendor function NAME fails, or each call with
//                         probability P (seeded by the device's seed); NAME is spelled
//                         as the device's vendor does (cuMemAlloc, hipMalloc,
//                         cuLaunchKernel, ncclAllReduce, ...)
//   lose=N                the device is lost after N more vendor calls
//   fault_kernel=NAME@N   the Nth launch of kernel NAME faults (N defaults to 1)
//   memory=SIZE           caps each simulated device's memory from now on (64MiB, ...);
//                         allocations already made stay
// Calls are counted from this call. INVALID_ARGUMENT naming the malformed part, with
// nothing added.
Status InjectFaults(Device& device, std::string_view spec);

// Removes the fail= and fault_kernel= faults added so far (a lost device stays lost).
Status ClearFaults(Device& device);

// Starts recording the device's trace (trace= on the URI starts it at creation).
Status StartTrace(Device& device);

// What has been recorded so far, as Chrome trace JSON (Perfetto UI, chrome://tracing):
// one process per simulated device, one thread per stream, one span per kernel, copy,
// fill, event record or wait, host function and collective; the seed and schedule in
// "otherData". On the deterministic schedule the same seed gives the same bytes.
Result<std::string> TraceJson(Device& device);

// Writes TraceJson to `path`; PERMISSION_DENIED (with the system's reason) if it cannot.
Status WriteTrace(Device& device, std::string_view path);

}  // namespace gpuhal::simulated

#endif  // GPUHAL_SIMULATED_GPU_H_
