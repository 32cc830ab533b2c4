#include "fakes/engine/types.h"

namespace gpuhal::fake {

const char* ErrorName(Error error) {
  switch (error) {
    case Error::kOk: return "OK";
    case Error::kInvalidValue: return "INVALID_VALUE";
    case Error::kInvalidHandle: return "INVALID_HANDLE";
    case Error::kOutOfMemory: return "OUT_OF_MEMORY";
    case Error::kNotReady: return "NOT_READY";
    case Error::kIllegalAddress: return "ILLEGAL_ADDRESS";
    case Error::kKernelFault: return "KERNEL_FAULT";
    case Error::kDeviceLost: return "DEVICE_LOST";
    case Error::kNotFound: return "NOT_FOUND";
    case Error::kInvalidImage: return "INVALID_IMAGE";
    case Error::kNotPermitted: return "NOT_PERMITTED";
    case Error::kAborted: return "ABORTED";
    case Error::kCollectiveMismatch: return "COLLECTIVE_MISMATCH";
    case Error::kCollectiveFailed: return "COLLECTIVE_FAILED";
    case Error::kDeadlock: return "DEADLOCK";
  }
  return "UNKNOWN";
}

Status ToStatus(Error error, std::string_view context) {
  if (error == Error::kOk) return OkStatus();
  StatusCode code = StatusCode::kInternal;
  switch (error) {
    case Error::kOk: break;
    case Error::kInvalidValue:
    case Error::kInvalidHandle:
    case Error::kInvalidImage:
    case Error::kCollectiveMismatch: code = StatusCode::kInvalidArgument; break;
    case Error::kOutOfMemory: code = StatusCode::kResourceExhausted; break;
    case Error::kNotReady: code = StatusCode::kUnavailable; break;
    case Error::kIllegalAddress:
    case Error::kKernelFault: code = StatusCode::kInternal; break;
    case Error::kDeviceLost: code = StatusCode::kUnavailable; break;
    case Error::kNotFound: code = StatusCode::kNotFound; break;
    case Error::kNotPermitted: code = StatusCode::kFailedPrecondition; break;
    case Error::kAborted:
    case Error::kCollectiveFailed: code = StatusCode::kAborted; break;
    case Error::kDeadlock: code = StatusCode::kDeadlineExceeded; break;
  }
  return Status(code, context.empty() ? std::string(ErrorName(error))
                                      : StrCat(context, ": ", ErrorName(error)));
}

size_t DataTypeSize(DataType type) {
  switch (type) {
    case DataType::kInt8:
    case DataType::kUint8: return 1;
    case DataType::kFloat16:
    case DataType::kBfloat16: return 2;
    case DataType::kInt32:
    case DataType::kUint32:
    case DataType::kFloat32: return 4;
    case DataType::kInt64:
    case DataType::kUint64:
    case DataType::kFloat64: return 8;
  }
  return 0;
}

}  // namespace gpuhal::fake
