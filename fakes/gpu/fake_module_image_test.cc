#include "fakes/gpu/fake_module_image.h"

#include "gtest/gtest.h"

namespace gpuhal::fake {
namespace {

TEST(FakeModuleImageTest, FakeImagesPassThrough) {
  const char* image = "gpuhal-fake-module\nkernel a\n";
  EXPECT_EQ(ToFakeModuleImage(image), image);
}

TEST(FakeModuleImageTest, PtxEntriesBecomeKernelLines) {
  const char* ptx =
      "//\n.version 7.0\n.target sm_50\n.address_size 64\n"
      ".visible .entry write_value(\n\t.param .u64 p0,\n\t.param .u32 p1\n)\n{\n\tret;\n}\n"
      ".entry second_kernel()\n{\n\tret;\n}\n";
  EXPECT_EQ(ToFakeModuleImage(ptx),
            "gpuhal-fake-module\nkernel write_value\nkernel second_kernel\n");
}

TEST(FakeModuleImageTest, OtherTextIsLeftForTheEngineToReject) {
  EXPECT_EQ(ToFakeModuleImage("garbage"), "garbage");
  EXPECT_EQ(ToFakeModuleImage(nullptr), "");
}

}  // namespace
}  // namespace gpuhal::fake
