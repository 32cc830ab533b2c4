// Must not compile under nvcc either (see dialect_refuses_float_min.cc).
#include "gpuhal/kernel.h"

GPUHAL_KERNEL(float_min, GPUHAL_BUFFER(float) out) { GPUHAL_ATOMIC_MIN(out[0], 1.0f); }
