// RCCL's opaque communicator (backends/hip/rccl_types.h declares gpuhal::hip::ncclComm),
// defined by the fake.
#ifndef GPUHAL_FAKES_NCCL_RCCL_COMM_H_
#define GPUHAL_FAKES_NCCL_RCCL_COMM_H_

#include "backends/hip/rccl_types.h"
#include "fakes/nccl/fake_comm.h"

namespace gpuhal::hip {
struct ncclComm : gpuhal::fake::CommRank {};
}  // namespace gpuhal::hip

#endif  // GPUHAL_FAKES_NCCL_RCCL_COMM_H_
