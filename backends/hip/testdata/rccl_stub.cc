// A stand-in for librccl that provides only two of the functions gpuhal needs, so the
// loader's missing-symbol path can be tested without RCCL installed.
extern "C" {

__attribute__((visibility("default"))) int ncclGetVersion(int* version) {
  *version = 21800;
  return 0;
}
__attribute__((visibility("default"))) const char* ncclGetErrorString(int) { return "stub"; }

}  // extern "C"
