#include "backends/cuda/cuda_library.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace gpuhal::cuda {
namespace {

// The entry point every other symbol is resolved through. The _v2 form (CUDA 12.0)
// reports *why* a symbol was not found, which separates "old driver" from "no such
// function" in the message.
constexpr char kGetProcAddressName[] = "cuGetProcAddress_v2";

constexpr int kVersions[] = {
#define GPUHAL_CUDA_SYMBOL(name, version) version,
#include "backends/cuda/cuda_symbols.inc"
};
// The newest API version any listed symbol needs: the driver must support at least it.
constexpr int kRequiredCudaVersion = *std::max_element(std::begin(kVersions), std::end(kVersions));

std::string FormatCudaVersion(int version) {
  return StrCat(version / 1000, ".", (version % 1000) / 10);
}

class Resolver {
 public:
  explicit Resolver(PFN_cuGetProcAddress_v12000 get_proc_address)
      : get_proc_address_(get_proc_address) {}

  template <typename Fn>
  void Resolve(const char* name, int version, Fn* slot) {
    void* address = nullptr;
    CUdriverProcAddressQueryResult found = CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;
    CUresult result =
        get_proc_address_(name, &address, version, CU_GET_PROC_ADDRESS_DEFAULT, &found);
    if (result == CUDA_SUCCESS && found == CU_GET_PROC_ADDRESS_SUCCESS && address) {
      *slot = reinterpret_cast<Fn>(address);
      return;
    }
    if (found == CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT) {
      missing_.push_back(StrCat(name, " (CUDA ", FormatCudaVersion(version), ")"));
    } else {
      missing_.push_back(name);
    }
  }

  const std::vector<std::string>& missing() const { return missing_; }

 private:
  PFN_cuGetProcAddress_v12000 get_proc_address_;
  std::vector<std::string> missing_;
};

}  // namespace

Result<Ref<CudaLibrary>> LoadCudaLibrary(std::string_view library_name) {
  GPUHAL_ASSIGN_OR_RETURN(DynamicLibrary library, DynamicLibrary::Open(library_name));
  const std::string requirement =
      StrCat("gpuhal needs an NVIDIA driver that supports CUDA ",
             FormatCudaVersion(kRequiredCudaVersion), " or newer");

  void* entry = library.FindSymbol(kGetProcAddressName);
  if (!entry) {
    return UnavailableError(library.name(), " does not provide ", kGetProcAddressName, "; ",
                            requirement);
  }
  Resolver resolver(reinterpret_cast<PFN_cuGetProcAddress_v12000>(entry));
  CudaSymbols symbols;
#define GPUHAL_CUDA_SYMBOL(name, version) resolver.Resolve(#name, version, &symbols.name);
#include "backends/cuda/cuda_symbols.inc"
  if (!resolver.missing().empty()) {
    return MissingSymbolsError(library.name(), resolver.missing(), requirement);
  }
  return Ref<CudaLibrary>::Adopt(new CudaLibrary(std::move(library), symbols));
}

}  // namespace gpuhal::cuda
