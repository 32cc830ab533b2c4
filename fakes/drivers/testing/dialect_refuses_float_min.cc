// Must not compile: the vendors have no atomic minimum on float, so neither has the
// dialect (a CTest compiles this and expects the compiler to refuse it).
#include "gpuhal/kernel.h"

GPUHAL_KERNEL(float_min, GPUHAL_BUFFER(float) out) { GPUHAL_ATOMIC_MIN(out[0], 1.0f); }
