// RCCL's types for the single-source collective calls (backends/gpu/collective_api.h).
#ifndef GPUHAL_BACKENDS_HIP_RCCL_COLLECTIVE_API_H_
#define GPUHAL_BACKENDS_HIP_RCCL_COLLECTIVE_API_H_

#include <string_view>

#include "backends/gpu/collective_api.h"
#include "backends/hip/rccl_status.h"
#include "backends/hip/rccl_symbols.h"
#include "gpuhal/status.h"

namespace gpuhal::hip {

struct RcclTypes {
  static constexpr std::string_view kLibraryName = "RCCL";
  using Symbols = RcclSymbols;
  using Comm = ncclComm_t;
  using UniqueId = ncclUniqueId;
  using ResultCode = ncclResult_t;
  using DataType = ncclDataType_t;
  using RedOp = ncclRedOp_t;
  using Stream = hipStream_t;
  static Status ToStatus(const Symbols& symbols, ResultCode result, std::string_view call) {
    return RcclCall(symbols, result, call);
  }
};

using RcclApi = gpu::CollectiveApi<RcclTypes>;

}  // namespace gpuhal::hip

#endif  // GPUHAL_BACKENDS_HIP_RCCL_COLLECTIVE_API_H_
