// A stand-in for libamdhip64 that provides only three of the functions gpuhal needs, so
// the loader's missing-symbol path runs through the real dynamic loader on any machine.
// Declared without the HIP headers: only the exported names and C ABI matter.
extern "C" {

__attribute__((visibility("default"))) int hipInit(unsigned int) { return 0; }
__attribute__((visibility("default"))) const char* hipGetErrorName(int) { return "stub"; }
__attribute__((visibility("default"))) const char* hipGetErrorString(int) { return "stub"; }

}  // extern "C"
