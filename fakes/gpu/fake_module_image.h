// What a fake cuModuleLoadDataEx / hipModuleLoadDataEx accepts: the engine's module image
// text (fakes/engine/kernel_registry.h), or PTX text. PTX is accepted so that one module
// image serves a real GPU and the simulated one: its `.entry` names are looked up as
// registered fake kernels of the same names, which stand in for the PTX code.
#ifndef GPUHAL_FAKES_GPU_FAKE_MODULE_IMAGE_H_
#define GPUHAL_FAKES_GPU_FAKE_MODULE_IMAGE_H_

#include <string>

namespace gpuhal::fake {

// The engine module image for `image`: PTX becomes "gpuhal-fake-module" plus one
// "kernel <entry>" line per entry; anything else is returned unchanged (so the engine
// reports a malformed image itself).
std::string ToFakeModuleImage(const char* image);

}  // namespace gpuhal::fake

#endif  // GPUHAL_FAKES_GPU_FAKE_MODULE_IMAGE_H_
