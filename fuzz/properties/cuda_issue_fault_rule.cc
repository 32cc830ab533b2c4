// CudaIssueFaultRule (traced_fake_drivers.h). CUDA and HIP headers cannot share a
// translation unit, so each vendor's rule has its own file.
#include <cuda.h>

#include "fuzz/properties/traced_fake_drivers.h"

namespace gpuhal::properties {

fake::FaultRule CudaIssueFaultRule() {
  fake::FaultRule rule;
  rule.entry_point = "cuEventRecord";
  rule.error_code = CUDA_ERROR_LAUNCH_FAILED;
  rule.nth_call = 1;
  return rule;
}

}  // namespace gpuhal::properties
