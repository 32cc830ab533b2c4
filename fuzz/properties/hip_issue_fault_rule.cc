// HipIssueFaultRule (traced_fake_drivers.h); see cuda_issue_fault_rule.cc.
#include "backends/hip/hip_headers.h"
#include "fuzz/properties/traced_fake_drivers.h"

namespace gpuhal::properties {

fake::FaultRule HipIssueFaultRule() {
  fake::FaultRule rule;
  rule.entry_point = "hipEventRecord";
  rule.error_code = hipErrorLaunchFailure;
  rule.nth_call = 1;
  return rule;
}

}  // namespace gpuhal::properties
