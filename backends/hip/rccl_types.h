// The RCCL types gpuhal uses, declared here because RCCL's rccl.h is not packaged
// everywhere the HIP headers are (Debian ships none).
//
// RCCL exports NCCL's function names with NCCL's C ABI, except that streams are
// hipStream_t. The declarations mirror RCCL's public rccl.h: the same type names, enum
// values and signatures. They live in gpuhal::hip, not the global namespace, so that one
// file can include both these and NVIDIA's nccl.h (the simulated GPU implements both);
// C linkage ignores namespaces, so the ABI is unchanged.
#ifndef GPUHAL_BACKENDS_HIP_RCCL_TYPES_H_
#define GPUHAL_BACKENDS_HIP_RCCL_TYPES_H_

#include <cstddef>

#include "backends/hip/hip_headers.h"

namespace gpuhal::hip {

// Opaque communicator, defined by RCCL (or by a fake).
struct ncclComm;
typedef struct ncclComm* ncclComm_t;

inline constexpr size_t kRcclUniqueIdBytes = 128;  // NCCL_UNIQUE_ID_BYTES
typedef struct {
  char internal[kRcclUniqueIdBytes];
} ncclUniqueId;

typedef enum {
  ncclSuccess = 0,
  ncclUnhandledCudaError = 1,  // RCCL keeps NCCL's name for a failed HIP call.
  ncclSystemError = 2,
  ncclInternalError = 3,
  ncclInvalidArgument = 4,
  ncclInvalidUsage = 5,
  ncclRemoteError = 6,
  ncclInProgress = 7,
  ncclNumResults = 8
} ncclResult_t;

typedef enum { ncclNumOps_dummy = 5 } ncclRedOp_dummy_t;
typedef enum {
  ncclSum = 0,
  ncclProd = 1,
  ncclMax = 2,
  ncclMin = 3,
  ncclAvg = 4,
  ncclNumOps = 5,
  // Forces the enum to int width, as in rccl.h; values above ncclNumOps are user ops.
  ncclMaxRedOp = 0x7fffffff >> (32 - 8 * sizeof(ncclRedOp_dummy_t))
} ncclRedOp_t;

typedef enum {
  ncclInt8 = 0,
  ncclChar = 0,
  ncclUint8 = 1,
  ncclInt32 = 2,
  ncclInt = 2,
  ncclUint32 = 3,
  ncclInt64 = 4,
  ncclUint64 = 5,
  ncclFloat16 = 6,
  ncclHalf = 6,
  ncclFloat32 = 7,
  ncclFloat = 7,
  ncclFloat64 = 8,
  ncclDouble = 8,
  ncclBfloat16 = 9,
  ncclFloat8e4m3 = 10,  // ncclFp8E4M3 in RCCL releases before ROCm 6.2.
  ncclFloat8e5m2 = 11,  // ncclFp8E5M2 likewise.
  ncclNumTypes = 12
} ncclDataType_t;

// RCCL's communicator configuration. Its layout changes between releases (it carries its
// own size and version), so gpuhal only ever passes null for the defaults and never
// needs the fields.
struct ncclConfig_v21700;
typedef struct ncclConfig_v21700 ncclConfig_t;

// The signatures gpuhal calls, named as CUDA's cudaTypedefs.h names its own.
typedef ncclResult_t (*PFN_ncclGetVersion)(int* version);
typedef const char* (*PFN_ncclGetErrorString)(ncclResult_t result);
typedef ncclResult_t (*PFN_ncclGetUniqueId)(ncclUniqueId* uniqueId);
typedef ncclResult_t (*PFN_ncclCommInitRank)(ncclComm_t* comm, int nranks, ncclUniqueId commId,
                                             int rank);
typedef ncclResult_t (*PFN_ncclCommInitAll)(ncclComm_t* comm, int ndev, const int* devlist);
typedef ncclResult_t (*PFN_ncclCommSplit)(ncclComm_t comm, int color, int key, ncclComm_t* newcomm,
                                          ncclConfig_t* config);
typedef ncclResult_t (*PFN_ncclCommDestroy)(ncclComm_t comm);
typedef ncclResult_t (*PFN_ncclCommAbort)(ncclComm_t comm);
typedef ncclResult_t (*PFN_ncclCommGetAsyncError)(ncclComm_t comm, ncclResult_t* asyncError);
typedef ncclResult_t (*PFN_ncclCommCount)(const ncclComm_t comm, int* count);
typedef ncclResult_t (*PFN_ncclCommUserRank)(const ncclComm_t comm, int* rank);
typedef ncclResult_t (*PFN_ncclGroupStart)();
typedef ncclResult_t (*PFN_ncclGroupEnd)();
typedef ncclResult_t (*PFN_ncclAllReduce)(const void* sendbuff, void* recvbuff, size_t count,
                                          ncclDataType_t datatype, ncclRedOp_t op,
                                          ncclComm_t comm, hipStream_t stream);
typedef ncclResult_t (*PFN_ncclAllGather)(const void* sendbuff, void* recvbuff, size_t sendcount,
                                          ncclDataType_t datatype, ncclComm_t comm,
                                          hipStream_t stream);
typedef ncclResult_t (*PFN_ncclReduceScatter)(const void* sendbuff, void* recvbuff,
                                              size_t recvcount, ncclDataType_t datatype,
                                              ncclRedOp_t op, ncclComm_t comm,
                                              hipStream_t stream);
typedef ncclResult_t (*PFN_ncclReduce)(const void* sendbuff, void* recvbuff, size_t count,
                                       ncclDataType_t datatype, ncclRedOp_t op, int root,
                                       ncclComm_t comm, hipStream_t stream);
typedef ncclResult_t (*PFN_ncclBroadcast)(const void* sendbuff, void* recvbuff, size_t count,
                                          ncclDataType_t datatype, int root, ncclComm_t comm,
                                          hipStream_t stream);
typedef ncclResult_t (*PFN_ncclSend)(const void* sendbuff, size_t count, ncclDataType_t datatype,
                                     int peer, ncclComm_t comm, hipStream_t stream);
typedef ncclResult_t (*PFN_ncclRecv)(void* recvbuff, size_t count, ncclDataType_t datatype,
                                     int peer, ncclComm_t comm, hipStream_t stream);

}  // namespace gpuhal::hip

#endif  // GPUHAL_BACKENDS_HIP_RCCL_TYPES_H_
