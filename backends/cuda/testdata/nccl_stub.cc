// A stand-in for libnccl.so.2 that provides only two of the functions gpuhal needs, so
// the loader's missing-symbol path can be tested without NCCL installed.
#include <nccl.h>

extern "C" {

__attribute__((visibility("default"))) ncclResult_t ncclGetVersion(int* version) {
  *version = 21800;
  return ncclSuccess;
}

__attribute__((visibility("default"))) const char* ncclGetErrorString(ncclResult_t) {
  return "stub error";
}

}  // extern "C"
