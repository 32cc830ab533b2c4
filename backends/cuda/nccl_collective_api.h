// NCCL's types for the single-source collective calls (backends/gpu/collective_api.h).
#ifndef GPUHAL_BACKENDS_CUDA_NCCL_COLLECTIVE_API_H_
#define GPUHAL_BACKENDS_CUDA_NCCL_COLLECTIVE_API_H_

#include <string_view>

#include "backends/cuda/nccl_status.h"
#include "backends/cuda/nccl_symbols.h"
#include "backends/gpu/collective_api.h"
#include "gpuhal/status.h"

namespace gpuhal::cuda {

struct NcclTypes {
  static constexpr std::string_view kLibraryName = "NCCL";
  using Symbols = NcclSymbols;
  using Comm = ncclComm_t;
  using UniqueId = ncclUniqueId;
  using ResultCode = ncclResult_t;
  using DataType = ncclDataType_t;
  using RedOp = ncclRedOp_t;
  using Stream = cudaStream_t;  // the same type as the driver API's CUstream
  static Status ToStatus(const Symbols& symbols, ResultCode result, std::string_view call) {
    return NcclCall(symbols, result, call);
  }
};

using NcclApi = gpu::CollectiveApi<NcclTypes>;

}  // namespace gpuhal::cuda

#endif  // GPUHAL_BACKENDS_CUDA_NCCL_COLLECTIVE_API_H_
