// Kernels from the registry, module images, argument capture and kernel faults.
#include <vector>

#include "fakes/engine/test_util.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::fake {
namespace {

// saxpy(n, a, x, y): y[i] = a * x[i] + y[i]
void Saxpy(KernelContext& context) {
  uint32_t n = context.Arg<uint32_t>(0);
  float a = context.Arg<float>(1);
  float* x = context.Pointer<float>(context.Arg<uint64_t>(2), n);
  float* y = context.Pointer<float>(context.Arg<uint64_t>(3), n);
  if (x == nullptr || y == nullptr) return;
  for (uint32_t i = 0; i < n; ++i) y[i] = a * x[i] + y[i];
}

void RaiseFault(KernelContext& context) { context.Fault("assertion failed"); }

using KernelTest = EngineModeTest;
INSTANTIATE_BOTH_MODES(KernelTest);

TEST_P(KernelTest, LaunchCopiesArgumentValuesAtLaunch) {
  auto engine = Make();
  KernelId saxpy = engine->kernels().Register("saxpy", Saxpy, {4, 4, 8, 8});
  StreamId stream;
  ASSERT_OK(engine->CreateStream(0, &stream));
  uint64_t x, y;
  ASSERT_OK(engine->Allocate(0, 16, &x));
  ASSERT_OK(engine->Allocate(0, 16, &y));
  float xs[4] = {1, 2, 3, 4}, ys[4] = {10, 20, 30, 40};
  ASSERT_OK(engine->WriteMemory(x, xs, 16));
  ASSERT_OK(engine->WriteMemory(y, ys, 16));
  {
    uint32_t n = 4;
    float a = 2;
    void* args[] = {&n, &a, &x, &y};
    ASSERT_OK(engine->EnqueueKernel(stream, {saxpy, {1, 1, 1}, {4, 1, 1}, 0, args}));
    n = 0;  // the caller's values die after the call; the launch must not see this
    a = 100;
  }
  ASSERT_OK(engine->SynchronizeStream(stream));
  float out[4];
  ASSERT_OK(engine->ReadMemory(y, out, 16));
  EXPECT_EQ(out[0], 12);
  EXPECT_EQ(out[3], 48);
}

TEST_P(KernelTest, KernelOutOfBoundsAccessIsIllegalAddress) {
  auto engine = Make();
  KernelId saxpy = engine->kernels().Register("saxpy", Saxpy, {4, 4, 8, 8});
  StreamId stream;
  ASSERT_OK(engine->CreateStream(0, &stream));
  uint64_t x, y;
  ASSERT_OK(engine->Allocate(0, 16, &x));
  ASSERT_OK(engine->Allocate(0, 16, &y));
  uint32_t n = 5;
  float a = 1;
  void* args[] = {&n, &a, &x, &y};
  ASSERT_OK(engine->EnqueueKernel(stream, {saxpy, {}, {}, 0, args}));
  EXPECT_EQ(Error::kIllegalAddress, engine->SynchronizeStream(stream));
  std::string message;
  engine->DeviceFault(0, &message);
  EXPECT_NE(message.find("kernel saxpy"), std::string::npos) << message;
}

TEST_P(KernelTest, KernelRaisedFaultIsSticky) {
  auto engine = Make();
  KernelId fault = engine->kernels().Register("fault", RaiseFault, {});
  StreamId stream;
  ASSERT_OK(engine->CreateStream(0, &stream));
  ASSERT_OK(engine->EnqueueKernel(stream, {fault, {}, {}, 0, nullptr}));
  EXPECT_EQ(Error::kKernelFault, engine->SynchronizeStream(stream));
  EXPECT_EQ(Error::kKernelFault, engine->EnqueueKernel(stream, {fault, {}, {}, 0, nullptr}));
}

TEST(KernelRegistryTest, ModuleImageNamesRegisteredKernels) {
  Engine engine(Options(SchedulingMode::kDeterministic));
  KernelId saxpy = engine.kernels().Register("saxpy", Saxpy, {4, 4, 8, 8});
  KernelId fault = engine.kernels().Register("fault", RaiseFault, {});
  ModuleId module;
  ASSERT_OK(engine.LoadModule("gpuhal-fake-module\n# comment\nkernel saxpy\n\nkernel fault\n",
                              &module));
  KernelId found;
  ASSERT_OK(engine.GetModuleFunction(module, "saxpy", &found));
  EXPECT_EQ(found, saxpy);
  ASSERT_OK(engine.GetModuleFunction(module, "fault", &found));
  EXPECT_EQ(found, fault);
  EXPECT_EQ(Error::kNotFound, engine.GetModuleFunction(module, "nope", &found));
  EXPECT_EQ(Error::kNotFound, engine.LoadModule("gpuhal-fake-module\nkernel nope\n", &module));
  EXPECT_EQ(Error::kInvalidImage, engine.LoadModule("ELF...", &module));
  EXPECT_EQ(Error::kInvalidImage, engine.LoadModule("gpuhal-fake-module\nfunction x\n", &module));
  ASSERT_OK(engine.UnloadModule(module));
  EXPECT_EQ(Error::kInvalidHandle, engine.GetModuleFunction(module, "saxpy", &found));
}

TEST(KernelRegistryTest, LaunchValidatesArguments) {
  Engine engine(Options(SchedulingMode::kDeterministic));
  KernelId saxpy = engine.kernels().Register("saxpy", Saxpy, {4, 4, 8, 8});
  StreamId stream;
  ASSERT_OK(engine.CreateStream(0, &stream));
  EXPECT_EQ(Error::kInvalidHandle, engine.EnqueueKernel(stream, {KernelId{77}, {}, {}, 0, {}}));
  EXPECT_EQ(Error::kInvalidValue, engine.EnqueueKernel(stream, {saxpy, {}, {}, 0, nullptr}));
  uint32_t n = 0;
  void* args[] = {&n, &n, &n, &n};
  EXPECT_EQ(Error::kInvalidValue, engine.EnqueueKernel(stream, {saxpy, {0, 1, 1}, {}, 0, args}));
}

}  // namespace
}  // namespace gpuhal::fake
