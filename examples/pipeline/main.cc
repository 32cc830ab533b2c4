// pipeline: runs the two-queue pipeline once and prints a digest of its output, so runs
// on different devices can be compared byte for byte.
//
//   pipeline [--device URI] [--elements N]     (default: default://, 1048576 elements)
//
// Exit status: 0 when the output matches the host's, 1 on a mismatch, 2 on an error.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline.h"

namespace {

uint64_t Fnv1a(const std::vector<uint32_t>& words) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (uint32_t word : words)
    for (int byte = 0; byte < 4; ++byte) hash = (hash ^ ((word >> (8 * byte)) & 0xff)) * 0x100000001b3ull;
  return hash;
}

}  // namespace

int main(int argc, char** argv) {
  std::string uri = "default://";
  uint32_t elements = 1u << 20;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--device" && i + 1 < argc) {
      uri = argv[++i];
    } else if (arg == "--elements" && i + 1 < argc) {
      elements = static_cast<uint32_t>(std::strtoul(argv[++i], nullptr, 10));
    } else {
      std::fprintf(stderr, "usage: %s [--device URI] [--elements N]\n", argv[0]);
      return 2;
    }
  }
  auto fail = [](const char* what, const gpuhal::Status& status) {
    std::fprintf(stderr, "pipeline: %s: %s\n", what, status.ToString().c_str());
    return 2;
  };
  gpuhal::Result<gpuhal::Ref<gpuhal::Device>> device = gpuhal::CreateDevice(uri);
  if (!device.ok()) return fail("creating the device", device.status());
  std::printf("device  %s: %s\n", (*device)->info().uri.c_str(), (*device)->info().name.c_str());
  auto created = pipeline::Pipeline::Create(**device);
  if (!created.ok()) return fail("loading the kernels", created.status());

  std::vector<uint32_t> input(elements);
  for (uint32_t i = 0; i < elements; ++i) input[i] = i * 2654435761u;
  auto result = (*created)->Run(input, 3, 7, gpuhal::Timeout::After(std::chrono::seconds(60)));
  if (!result.ok()) return fail("running", result.status());
  const pipeline::Result expected = pipeline::Expected(input, 3, 7);
  std::printf("output  %u elements, fnv1a %016" PRIx64 ", total %u\n", elements,
              Fnv1a(result->output), result->total);
  if (result->output != expected.output || result->total != expected.total) {
    std::printf("FAILED  the output differs from the host's (total %u expected)\n", expected.total);
    return 1;
  }
  std::printf("OK      matches the host\n");
  return 0;
}
