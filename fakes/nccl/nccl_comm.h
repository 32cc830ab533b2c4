// NCCL's opaque communicator (nccl.h declares `struct ncclComm`), defined by the fake.
#ifndef GPUHAL_FAKES_NCCL_NCCL_COMM_H_
#define GPUHAL_FAKES_NCCL_NCCL_COMM_H_

#include <nccl.h>

#include "fakes/nccl/fake_comm.h"

struct ncclComm : gpuhal::fake::CommRank {};

#endif  // GPUHAL_FAKES_NCCL_NCCL_COMM_H_
