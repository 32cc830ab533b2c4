// The conformance kernels as CUDA kernels, compiled to PTX at build time and embedded in
// the conformance library (see CMakeLists.txt).
#include "gpuhal/kernel.h"
#include "conformance/kernels/conformance_kernels.inc"
