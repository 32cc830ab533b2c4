// The error log a vendor's module loader fills (CU_JIT_ERROR_LOG_BUFFER,
// hipJitOptionErrorLogBuffer): which PTX line, or which kernel, it could not use.
#ifndef GPUHAL_BACKENDS_GPU_MODULE_LOAD_LOG_H_
#define GPUHAL_BACKENDS_GPU_MODULE_LOAD_LOG_H_

#include <cstddef>

#include "gpuhal/status.h"

namespace gpuhal::gpu {

inline constexpr size_t kModuleLoadLogBytes = 1024;

// `status` with the loader's log appended when the load failed and the log says why.
inline Status WithModuleLoadLog(Status status, const char* log) {
  if (status.ok() || log[0] == '\0') return status;
  return Status(status.code(), StrCat(status.message(), "; the loader says: ", log));
}

}  // namespace gpuhal::gpu

#endif  // GPUHAL_BACKENDS_GPU_MODULE_LOAD_LOG_H_
