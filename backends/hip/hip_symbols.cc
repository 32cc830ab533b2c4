#include "backends/hip/hip_symbols.h"

namespace gpuhal::hip {
namespace {

// The list spells each signature out; check it against the HIP headers' declaration, so
// that a table filled from the real library is called with the real ABI. static_cast
// also picks the C function out of the C++ overloads the headers add (hipMalloc<T>).
#define GPUHAL_HIP_SYMBOL(name, return_type, parameters)                  \
  static_assert(sizeof(static_cast<return_type(*) parameters>(&::name)) > 0, \
                "signature of " #name " in hip_symbols.inc");
#include "backends/hip/hip_symbols.inc"

// A name that is still a macro would expand differently in the member declaration and
// at each use; the fix is an #undef in hip_headers.h.
#define GPUHAL_STRINGIZE_(x) #x
#define GPUHAL_EXPANDED_NAME_(x) GPUHAL_STRINGIZE_(x)
#define GPUHAL_HIP_SYMBOL(name, return_type, parameters)                \
  static_assert(std::string_view(#name) == GPUHAL_EXPANDED_NAME_(name), \
                #name " is a macro in the HIP headers: add #undef " #name \
                " to backends/hip/hip_headers.h");
#include "backends/hip/hip_symbols.inc"
#undef GPUHAL_EXPANDED_NAME_
#undef GPUHAL_STRINGIZE_

}  // namespace

std::vector<std::string_view> UnsetHipSymbols(const HipSymbols& symbols) {
  std::vector<std::string_view> unset;
#define GPUHAL_HIP_SYMBOL(name, return_type, parameters) \
  if (symbols.name == nullptr) unset.push_back(#name);
#include "backends/hip/hip_symbols.inc"
  return unset;
}

}  // namespace gpuhal::hip
