// A stand-in for libcuda.so.1 that exports only cuGetProcAddress_v2, so that the loader's
// failure paths can be tested for real (dlopen, dlsym, per-symbol lookups) on any machine.
//
// Every lookup succeeds with the address of a function that must never be called, except
// for one name the test chooses, which reports the query result the test chooses. The
// stub records the version and flags of each lookup so the test can check what the
// loader asked for.
#include <cuda.h>

#include <cstdint>
#include <map>
#include <string>

namespace {

struct Lookup {
  int version;
  cuuint64_t flags;
};

std::map<std::string, Lookup>& Lookups() {
  static std::map<std::string, Lookup> lookups;
  return lookups;
}
std::string& MissingName() {
  static std::string name;
  return name;
}
CUdriverProcAddressQueryResult missing_result = CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;

void NeverCalled() { __builtin_trap(); }

}  // namespace

extern "C" {

__attribute__((visibility("default"))) CUresult cuGetProcAddress_v2(
    const char* symbol, void** pfn, int cudaVersion, cuuint64_t flags,
    CUdriverProcAddressQueryResult* symbolStatus) {
  Lookups()[symbol] = Lookup{cudaVersion, flags};
  if (MissingName() == symbol) {
    *pfn = nullptr;
    if (symbolStatus) *symbolStatus = missing_result;
    return CUDA_ERROR_NOT_FOUND;
  }
  *pfn = reinterpret_cast<void*>(&NeverCalled);
  if (symbolStatus) *symbolStatus = CU_GET_PROC_ADDRESS_SUCCESS;
  return CUDA_SUCCESS;
}

// Test controls: make `name` unresolvable with `result` (an empty name resolves all).
__attribute__((visibility("default"))) void gpuhal_stub_set_missing(const char* name, int result) {
  MissingName() = name;
  missing_result = static_cast<CUdriverProcAddressQueryResult>(result);
  Lookups().clear();
}

// The version (or -1) and flags the loader last asked `name` for.
__attribute__((visibility("default"))) int gpuhal_stub_requested_version(const char* name) {
  auto it = Lookups().find(name);
  return it == Lookups().end() ? -1 : it->second.version;
}
__attribute__((visibility("default"))) uint64_t gpuhal_stub_requested_flags(const char* name) {
  auto it = Lookups().find(name);
  return it == Lookups().end() ? ~uint64_t{0} : it->second.flags;
}

}  // extern "C"
