// The HIP runtime API header, configured for host code built by a plain C++ compiler.
#ifndef GPUHAL_BACKENDS_HIP_HIP_HEADERS_H_
#define GPUHAL_BACKENDS_HIP_HIP_HEADERS_H_

// The HIP headers pick their platform from this macro; gpuhal's HIP backend drives AMD
// GPUs only (NVIDIA GPUs go through backends/cuda).
#ifndef __HIP_PLATFORM_AMD__
#define __HIP_PLATFORM_AMD__
#endif
#include <hip/hip_runtime_api.h>

// With HIP_API_PER_THREAD_DEFAULT_STREAM defined, these names become macros for their
// _spt forms, which would rename HipSymbols members file by file. The table picks the
// exported function by name, so the macros serve nothing here (nothing links libamdhip64).
// hip_symbols.cc fails to compile if a listed name is still a macro.
#undef hipStreamSynchronize
#undef hipStreamQuery
#undef hipStreamWaitEvent
#undef hipEventRecord

#endif  // GPUHAL_BACKENDS_HIP_HIP_HEADERS_H_
