// Vendor semantics, written once against a test API (fakes/cuda/cuda_test_api.h or
// fakes/hip/hip_test_api.h) and instantiated per vendor and scheduling mode:
//
//   using CudaConfigs = ::testing::Types<VendorConfig<CudaApi, SchedulingMode::kDeterministic>,
//                                        VendorConfig<CudaApi, SchedulingMode::kThreaded>>;
//   INSTANTIATE_TYPED_TEST_SUITE_P(Cuda, VendorTest, CudaConfigs, VendorConfigNames);
//
// Only the vendor tables are called, except where a test injects faults (the engine's
// fault injector is the test's instrument). Include it from one file per test binary: it
// registers the built-in fake kernels the scenarios load.
#ifndef GPUHAL_FAKES_GPU_TESTING_VENDOR_SEMANTICS_TESTS_H_
#define GPUHAL_FAKES_GPU_TESTING_VENDOR_SEMANTICS_TESTS_H_

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fakes/gpu/builtin_fake_kernels.h"
#include "fakes/engine/engine.h"
#include "gtest/gtest.h"

namespace gpuhal::fake::testing {

// store_u32(address, value): *address = value
inline void StoreU32(KernelContext& context) {
  if (uint32_t* target = context.Pointer<uint32_t>(context.Arg<uint64_t>(0)))
    *target = context.Arg<uint32_t>(1);
}
// log_order(counter, log, id): log[*counter] = id; ++*counter
inline void LogOrder(KernelContext& context) {
  uint32_t* counter = context.Pointer<uint32_t>(context.Arg<uint64_t>(0));
  if (counter == nullptr) return;
  uint32_t* slot = context.Pointer<uint32_t>(context.Arg<uint64_t>(1) + 4 * uint64_t{*counter});
  if (slot == nullptr) return;
  *slot = context.Arg<uint32_t>(2);
  ++*counter;
}
inline void RaiseFault(KernelContext& context) { context.Fault("raised on purpose"); }

GPUHAL_FAKE_KERNEL(store_u32, StoreU32, {8, 4});
GPUHAL_FAKE_KERNEL(log_order, LogOrder, {8, 8, 4});
GPUHAL_FAKE_KERNEL(raise_fault, RaiseFault, {});

inline constexpr char kModule[] =
    "gpuhal-fake-module\nkernel store_u32\nkernel log_order\nkernel raise_fault\n";

template <typename ApiType, SchedulingMode kModeValue>
struct VendorConfig {
  using Api = ApiType;
  static constexpr SchedulingMode kMode = kModeValue;
};

template <typename C>
class VendorTest : public ::testing::Test {
 protected:
  using Api = typename C::Api;
  using Stream = typename Api::Stream;

  static EngineOptions Options(int devices = 1, uint64_t seed = 1) {
    EngineOptions options;
    options.mode = C::kMode;
    options.device_count = devices;
    options.seed = seed;
    options.device_memory_bytes = uint64_t{64} << 20;
    return options;
  }
  static bool Deterministic() { return C::kMode == SchedulingMode::kDeterministic; }
};

struct VendorConfigNames {
  template <typename C>
  static std::string GetName(int) {
    return C::kMode == SchedulingMode::kDeterministic ? "Deterministic" : "Threaded";
  }
};

TYPED_TEST_SUITE_P(VendorTest);

#define EXPECT_SUCCESS(expr) EXPECT_EQ(0, (expr))
#define ASSERT_SUCCESS(expr) ASSERT_EQ(0, (expr))

TYPED_TEST_P(VendorTest, StreamRunsItsWorkInOrder) {
  typename TestFixture::Api api(this->Options());
  ASSERT_SUCCESS(api.Init());
  typename TestFixture::Stream stream;
  ASSERT_SUCCESS(api.CreateStream(&stream));
  uint64_t buffer;
  ASSERT_SUCCESS(api.Malloc(&buffer, 64));
  std::array<uint8_t, 8> patch = {1, 2, 3, 4, 5, 6, 7, 8};
  std::array<uint8_t, 64> out{};
  ASSERT_SUCCESS(api.Memset8(buffer, 0xab, 64, stream));
  ASSERT_SUCCESS(api.HtoD(buffer + 8, patch.data(), patch.size(), stream));
  ASSERT_SUCCESS(api.Memset8(buffer + 12, 0xcd, 2, stream));
  ASSERT_SUCCESS(api.DtoH(out.data(), buffer, out.size(), stream));
  ASSERT_SUCCESS(api.Sync(stream));
  for (int i = 0; i < 64; ++i) {
    uint8_t expected = i >= 12 && i < 14 ? 0xcd : (i >= 8 && i < 16 ? patch[i - 8] : 0xab);
    EXPECT_EQ(out[i], expected) << "byte " << i;
  }
  EXPECT_SUCCESS(api.Query(stream));
  EXPECT_SUCCESS(api.Free(buffer));
  EXPECT_SUCCESS(api.DestroyStream(stream));
}

// A stream parked on a device flag: its later work cannot run until the host raises it.
TYPED_TEST_P(VendorTest, EventRecordsTheWorkSoFarAndCanBeRecordedAgain) {
  typename TestFixture::Api api(this->Options());
  ASSERT_SUCCESS(api.Init());
  typename TestFixture::Stream stream;
  ASSERT_SUCCESS(api.CreateStream(&stream));
  typename TestFixture::Api::Event event;
  ASSERT_SUCCESS(api.CreateEvent(&event));
  uint64_t flag, data;
  ASSERT_SUCCESS(api.Malloc(&flag, 4));
  ASSERT_SUCCESS(api.Malloc(&data, 4));
  ASSERT_SUCCESS(api.Memset32Sync(flag, 0, 1));
  ASSERT_SUCCESS(api.Memset32(data, 7, 1, stream));
  ASSERT_SUCCESS(api.Record(event, stream));
  ASSERT_SUCCESS(api.WaitValue(stream, flag, 1));
  ASSERT_SUCCESS(api.Memset32(data, 8, 1, stream));
  // The event covers the first memset only, so it completes while the stream is parked.
  ASSERT_SUCCESS(api.SyncEvent(event));
  EXPECT_SUCCESS(api.QueryEvent(event));
  EXPECT_EQ(TestFixture::Api::kNotReady, api.Query(stream));
  uint32_t value = 0;
  ASSERT_SUCCESS(api.DtoHSync(&value, data, 4));
  EXPECT_EQ(value, 7u);
  // Re-recording replaces what the event stands for: now the parked work.
  ASSERT_SUCCESS(api.Record(event, stream));
  EXPECT_EQ(TestFixture::Api::kNotReady, api.QueryEvent(event));
  uint32_t one = 1;
  ASSERT_SUCCESS(api.HtoDSync(flag, &one, 4));
  ASSERT_SUCCESS(api.SyncEvent(event));
  ASSERT_SUCCESS(api.DtoHSync(&value, data, 4));
  EXPECT_EQ(value, 8u);
  EXPECT_SUCCESS(api.DestroyEvent(event));
}

TYPED_TEST_P(VendorTest, WaitingOnANeverRecordedEventReturnsAtOnce) {
  typename TestFixture::Api api(this->Options());
  ASSERT_SUCCESS(api.Init());
  typename TestFixture::Stream stream;
  ASSERT_SUCCESS(api.CreateStream(&stream));
  typename TestFixture::Api::Event event;
  ASSERT_SUCCESS(api.CreateEvent(&event));
  EXPECT_SUCCESS(api.QueryEvent(event));
  EXPECT_SUCCESS(api.SyncEvent(event));
  uint64_t data;
  ASSERT_SUCCESS(api.Malloc(&data, 4));
  ASSERT_SUCCESS(api.Wait(stream, event));
  ASSERT_SUCCESS(api.Memset32(data, 5, 1, stream));
  ASSERT_SUCCESS(api.Sync(stream));
  uint32_t value = 0;
  ASSERT_SUCCESS(api.DtoHSync(&value, data, 4));
  EXPECT_EQ(value, 5u);
  // A record made after the wait was enqueued does not affect it either.
  typename TestFixture::Stream other;
  ASSERT_SUCCESS(api.CreateStream(&other));
  ASSERT_SUCCESS(api.Wait(stream, event));
  ASSERT_SUCCESS(api.Memset32(data, 6, 1, stream));
  ASSERT_SUCCESS(api.Record(event, other));
  ASSERT_SUCCESS(api.Sync(stream));
}

TYPED_TEST_P(VendorTest, CrossStreamEventWaitOrdersWork) {
  typename TestFixture::Api api(this->Options());
  ASSERT_SUCCESS(api.Init());
  typename TestFixture::Stream producer, consumer;
  ASSERT_SUCCESS(api.CreateStream(&producer));
  ASSERT_SUCCESS(api.CreateStream(&consumer));
  typename TestFixture::Api::Event event;
  ASSERT_SUCCESS(api.CreateEvent(&event));
  uint64_t a, b;
  ASSERT_SUCCESS(api.Malloc(&a, 256));
  ASSERT_SUCCESS(api.Malloc(&b, 256));
  for (int round = 0; round < 10; ++round) {
    ASSERT_SUCCESS(api.Memset8(a, static_cast<uint8_t>(round), 256, producer));
    ASSERT_SUCCESS(api.Record(event, producer));
    ASSERT_SUCCESS(api.Wait(consumer, event));
    ASSERT_SUCCESS(api.DtoD(b, a, 256, consumer));
    std::array<uint8_t, 256> out{};
    ASSERT_SUCCESS(api.DtoH(out.data(), b, 256, consumer));
    ASSERT_SUCCESS(api.Sync(consumer));
    for (uint8_t byte : out) ASSERT_EQ(byte, round);
    // The producer may not overwrite `a` before the consumer copied it.
    ASSERT_SUCCESS(api.Record(event, consumer));
    ASSERT_SUCCESS(api.Wait(producer, event));
  }
}

template <typename Api>
struct HostCallState {
  Api* api;
  uint32_t* pinned;
  uint32_t seen = 0;
  int call_result = 0;
  typename Api::Stream stream;
};

template <typename Api>
void InsideHostFunction(void* user_data) {
  auto* state = static_cast<HostCallState<Api>*>(user_data);
  state->seen = *state->pinned;  // written by the copy before this function
  *state->pinned = 99;           // read by the copy after it
  uint64_t ignored;
  state->call_result = state->api->Malloc(&ignored, 16);
  if (state->call_result == 0) state->api->Free(ignored);
  if (state->api->Query(state->stream) == 0) state->call_result = -1;
}

TYPED_TEST_P(VendorTest, HostFunctionRunsBetweenEarlierAndLaterWorkAndCannotCallTheApi) {
  using Api = typename TestFixture::Api;
  Api api(this->Options());
  ASSERT_SUCCESS(api.Init());
  typename Api::Stream stream;
  ASSERT_SUCCESS(api.CreateStream(&stream));
  void* host = nullptr;
  ASSERT_SUCCESS(api.HostAlloc(&host, 4));
  auto* pinned = static_cast<uint32_t*>(host);
  *pinned = 0;
  uint64_t device;
  ASSERT_SUCCESS(api.Malloc(&device, 8));
  ASSERT_SUCCESS(api.Memset32(device, 42, 2, stream));
  ASSERT_SUCCESS(api.DtoH(pinned, device, 4, stream));
  HostCallState<Api> state{&api, pinned, 0, 0, stream};
  ASSERT_SUCCESS(api.HostFunction(stream, &InsideHostFunction<Api>, &state));
  ASSERT_SUCCESS(api.HtoD(device + 4, pinned, 4, stream));
  ASSERT_SUCCESS(api.Sync(stream));
  EXPECT_EQ(state.seen, 42u);
  EXPECT_EQ(state.call_result, Api::kNotPermitted);
  std::array<uint32_t, 2> out{};
  ASSERT_SUCCESS(api.DtoHSync(out.data(), device, 8));
  EXPECT_EQ(out[0], 42u);
  EXPECT_EQ(out[1], 99u);
  EXPECT_SUCCESS(api.FreeHost(host));
}

inline std::atomic<bool> g_gate_open{false};
inline void WaitForGate(void*) {
  while (!g_gate_open.load()) std::this_thread::yield();
}

TYPED_TEST_P(VendorTest, StreamQueryIsNotReadyBehindAHostFunctionGate) {
  typename TestFixture::Api api(this->Options());
  ASSERT_SUCCESS(api.Init());
  typename TestFixture::Stream stream;
  ASSERT_SUCCESS(api.CreateStream(&stream));
  g_gate_open = false;
  ASSERT_SUCCESS(api.HostFunction(stream, &WaitForGate, nullptr));
  EXPECT_EQ(TestFixture::Api::kNotReady, api.Query(stream));
  g_gate_open = true;
  ASSERT_SUCCESS(api.Sync(stream));
  EXPECT_SUCCESS(api.Query(stream));
}

TYPED_TEST_P(VendorTest, MemsetsOfEachWidthAtOddOffsetsAndCounts) {
  typename TestFixture::Api api(this->Options());
  ASSERT_SUCCESS(api.Init());
  typename TestFixture::Stream stream;
  ASSERT_SUCCESS(api.CreateStream(&stream));
  uint64_t buffer;
  ASSERT_SUCCESS(api.Malloc(&buffer, 64));
  ASSERT_SUCCESS(api.Memset8Sync(buffer, 0, 64));
  ASSERT_SUCCESS(api.Memset8(buffer + 1, 0x11, 3, stream));
  ASSERT_SUCCESS(api.Memset16(buffer + 6, 0xa1b2, 3, stream));
  ASSERT_SUCCESS(api.Memset32(buffer + 20, 0xdeadbeef, 5, stream));
  ASSERT_SUCCESS(api.Sync(stream));
  ASSERT_SUCCESS(api.Memset16Sync(buffer + 42, 0x0102, 1));
  ASSERT_SUCCESS(api.Memset32Sync(buffer + 48, 0x55667788, 1));
  std::array<uint8_t, 64> out{};
  ASSERT_SUCCESS(api.DtoHSync(out.data(), buffer, 64));
  std::array<uint8_t, 64> expected{};
  for (int i = 1; i < 4; ++i) expected[i] = 0x11;
  for (int i = 0; i < 3; ++i) {
    expected[6 + 2 * i] = 0xb2;
    expected[7 + 2 * i] = 0xa1;
  }
  for (int i = 0; i < 5; ++i) {
    uint32_t word = 0xdeadbeef;
    std::memcpy(&expected[20 + 4 * i], &word, 4);
  }
  expected[42] = 0x02;
  expected[43] = 0x01;
  uint32_t word = 0x55667788;
  std::memcpy(&expected[48], &word, 4);
  EXPECT_EQ(out, expected);
  // Misaligned 16/32-bit fills are refused.
  EXPECT_EQ(TestFixture::Api::kInvalidValue, api.Memset16(buffer + 1, 1, 1, stream));
  EXPECT_EQ(TestFixture::Api::kInvalidValue, api.Memset32(buffer + 2, 1, 1, stream));
}

TYPED_TEST_P(VendorTest, CopiesInEveryDirection) {
  typename TestFixture::Api api(this->Options());
  ASSERT_SUCCESS(api.Init());
  typename TestFixture::Stream stream;
  ASSERT_SUCCESS(api.CreateStream(&stream));
  uint64_t a, b;
  ASSERT_SUCCESS(api.Malloc(&a, 100));
  ASSERT_SUCCESS(api.Malloc(&b, 100));
  std::vector<uint8_t> source(100);
  for (int i = 0; i < 100; ++i) source[i] = static_cast<uint8_t>(i * 7 + 3);
  std::vector<uint8_t> out(100, 0);
  ASSERT_SUCCESS(api.HtoDSync(a, source.data(), 100));
  ASSERT_SUCCESS(api.DtoDSync(b, a, 100));
  ASSERT_SUCCESS(api.DtoHSync(out.data(), b, 100));
  EXPECT_EQ(out, source);
  std::vector<uint8_t> out2(37, 0);
  ASSERT_SUCCESS(api.Memset8(a, 0, 100, stream));
  ASSERT_SUCCESS(api.HtoD(a + 3, source.data() + 10, 37, stream));
  ASSERT_SUCCESS(api.DtoD(b + 50, a + 3, 37, stream));
  ASSERT_SUCCESS(api.DtoH(out2.data(), b + 50, 37, stream));
  ASSERT_SUCCESS(api.Sync(stream));
  EXPECT_EQ(out2, std::vector<uint8_t>(source.begin() + 10, source.begin() + 47));
  // A zero-byte copy is a no-op, as in both drivers.
  EXPECT_SUCCESS(api.DtoD(b, a, 0, stream));
}

TYPED_TEST_P(VendorTest, StreamOrderedAllocationsLiveBetweenTheirAllocAndFree) {
  typename TestFixture::Api api(this->Options());
  ASSERT_SUCCESS(api.Init());
  typename TestFixture::Stream stream;
  ASSERT_SUCCESS(api.CreateStream(&stream));
  uint64_t address = 0;
  ASSERT_SUCCESS(api.AllocAsync(&address, 256, stream));
  ASSERT_SUCCESS(api.Memset32(address, 0x12345678, 64, stream));
  std::array<uint32_t, 64> out{};
  ASSERT_SUCCESS(api.DtoH(out.data(), address, 256, stream));
  ASSERT_SUCCESS(api.FreeAsync(address, stream));
  ASSERT_SUCCESS(api.Sync(stream));
  for (uint32_t value : out) ASSERT_EQ(value, 0x12345678u);
  // Touching the allocation after its free is an illegal address, sticky on the device.
  ASSERT_SUCCESS(api.Memset32(address, 0, 1, stream));
  EXPECT_EQ(TestFixture::Api::kIllegalAddress, api.Sync(stream));
  uint64_t later;
  EXPECT_EQ(TestFixture::Api::kIllegalAddress, api.Malloc(&later, 16));
  EXPECT_EQ(api.ErrorName(TestFixture::Api::kIllegalAddress),
            TestFixture::Api::kIllegalAddressName);
}

TYPED_TEST_P(VendorTest, KernelsFromAModuleImage) {
  using Api = typename TestFixture::Api;
  Api api(this->Options());
  ASSERT_SUCCESS(api.Init());
  typename Api::Stream stream;
  ASSERT_SUCCESS(api.CreateStream(&stream));
  typename Api::Module module;
  ASSERT_SUCCESS(api.LoadModule(kModule, &module));
  typename Api::Function store, store_again;
  ASSERT_SUCCESS(api.GetFunction(module, "store_u32", &store));
  ASSERT_SUCCESS(api.GetFunction(module, "store_u32", &store_again));
  EXPECT_EQ(store, store_again);
  EXPECT_NE(0, api.GetFunction(module, "missing", &store_again));
  uint64_t out;
  ASSERT_SUCCESS(api.Malloc(&out, 4));
  uint32_t value = 31337;
  void* args[] = {&out, &value};
  ASSERT_SUCCESS(api.Launch(store, stream, args));
  value = 0;  // the launch copied its arguments
  ASSERT_SUCCESS(api.Sync(stream));
  uint32_t result = 0;
  ASSERT_SUCCESS(api.DtoHSync(&result, out, 4));
  EXPECT_EQ(result, 31337u);
  // A PTX image whose entries are registered fake kernels loads as well.
  typename Api::Module ptx;
  ASSERT_SUCCESS(api.LoadModule(".version 7.0\n.target sm_50\n.visible .entry store_u32(\n"
                                "  .param .u64 a, .param .u32 b) { ret; }\n",
                                &ptx));
  EXPECT_SUCCESS(api.UnloadModule(ptx));
  EXPECT_SUCCESS(api.UnloadModule(module));
}

TYPED_TEST_P(VendorTest, GraphNodesRunAfterTheirDependencies) {
  using Api = typename TestFixture::Api;
  Api api(this->Options());
  ASSERT_SUCCESS(api.Init());
  typename Api::Stream stream;
  ASSERT_SUCCESS(api.CreateStream(&stream));
  typename Api::Module module;
  ASSERT_SUCCESS(api.LoadModule(kModule, &module));
  typename Api::Function log_order;
  ASSERT_SUCCESS(api.GetFunction(module, "log_order", &log_order));
  uint64_t counter, log;
  ASSERT_SUCCESS(api.Malloc(&counter, 4));
  ASSERT_SUCCESS(api.Malloc(&log, 64));
  typename Api::Graph graph;
  ASSERT_SUCCESS(api.CreateGraph(&graph));
  // reset -> a -> {b, c, d} -> e -> copy-out (a diamond with three arms)
  std::array<uint32_t, 5> ids = {0, 1, 2, 3, 4};
  std::array<void*, 3> args[5];
  for (int i = 0; i < 5; ++i) args[i] = {&counter, &log, &ids[i]};
  typename Api::GraphNode reset, a, b, c, d, e, copy;
  ASSERT_SUCCESS(api.AddMemsetNode(graph, {}, counter, 0, 4, 1, &reset));
  ASSERT_SUCCESS(api.AddKernelNode(graph, {reset}, log_order, args[0].data(), &a));
  ASSERT_SUCCESS(api.AddKernelNode(graph, {a}, log_order, args[1].data(), &b));
  ASSERT_SUCCESS(api.AddKernelNode(graph, {a}, log_order, args[2].data(), &c));
  ASSERT_SUCCESS(api.AddKernelNode(graph, {a}, log_order, args[3].data(), &d));
  ASSERT_SUCCESS(api.AddKernelNode(graph, {b, c, d}, log_order, args[4].data(), &e));
  std::array<uint32_t, 5> order{};
  ASSERT_SUCCESS(api.AddCopyDtoHNode(graph, {e}, order.data(), log, 20, &copy));
  typename Api::GraphExec exec;
  ASSERT_SUCCESS(api.Instantiate(graph, &exec));
  ASSERT_SUCCESS(api.DestroyGraph(graph));  // the executable graph is independent of it
  for (int launch = 0; launch < 4; ++launch) {
    order.fill(77);
    ASSERT_SUCCESS(api.LaunchGraph(exec, stream));
    ASSERT_SUCCESS(api.Sync(stream));
    EXPECT_EQ(order[0], 0u);
    EXPECT_EQ((std::set<uint32_t>{order[1], order[2], order[3]}), (std::set<uint32_t>{1, 2, 3}));
    EXPECT_EQ(order[4], 4u);
  }
  EXPECT_SUCCESS(api.DestroyExec(exec));
}

TYPED_TEST_P(VendorTest, InstantiationSnapshotsParametersAndExecUpdatesAffectLaterLaunches) {
  using Api = typename TestFixture::Api;
  Api api(this->Options());
  ASSERT_SUCCESS(api.Init());
  typename Api::Stream stream;
  ASSERT_SUCCESS(api.CreateStream(&stream));
  typename Api::Module module;
  ASSERT_SUCCESS(api.LoadModule(kModule, &module));
  typename Api::Function store;
  ASSERT_SUCCESS(api.GetFunction(module, "store_u32", &store));
  uint64_t out;
  ASSERT_SUCCESS(api.Malloc(&out, 4));
  uint32_t value = 1;
  void* args[] = {&out, &value};
  typename Api::Graph graph;
  ASSERT_SUCCESS(api.CreateGraph(&graph));
  typename Api::GraphNode node, empty;
  ASSERT_SUCCESS(api.AddKernelNode(graph, {}, store, args, &node));
  value = 2;  // too late: the node copied its arguments
  typename Api::GraphExec exec;
  ASSERT_SUCCESS(api.Instantiate(graph, &exec));
  ASSERT_SUCCESS(api.AddEmptyNode(graph, {node}, &empty));  // after instantiation: not in exec
  uint32_t result = 0;
  ASSERT_SUCCESS(api.LaunchGraph(exec, stream));
  ASSERT_SUCCESS(api.Sync(stream));
  ASSERT_SUCCESS(api.DtoHSync(&result, out, 4));
  EXPECT_EQ(result, 1u);
  value = 3;
  ASSERT_SUCCESS(api.SetExecKernel(exec, node, store, args));
  ASSERT_SUCCESS(api.LaunchGraph(exec, stream));
  ASSERT_SUCCESS(api.Sync(stream));
  ASSERT_SUCCESS(api.DtoHSync(&result, out, 4));
  EXPECT_EQ(result, 3u);
}

TYPED_TEST_P(VendorTest, InjectedFaultOnTheNthCallOfASymbol) {
  using Api = typename TestFixture::Api;
  Api api(this->Options());
  ASSERT_SUCCESS(api.Init());
  api.engine().fault_injector().AddRule({Api::kAllocName, Api::kOutOfMemory, 2});
  uint64_t a, b, c;
  EXPECT_SUCCESS(api.Malloc(&a, 16));
  EXPECT_EQ(Api::kOutOfMemory, api.Malloc(&b, 16));
  EXPECT_SUCCESS(api.Malloc(&c, 16));
}

TYPED_TEST_P(VendorTest, SeededFractionOfInjectedFaultsReplays) {
  using Api = typename TestFixture::Api;
  auto failures = [&](uint64_t seed) {
    Api api(this->Options());
    EXPECT_EQ(0, api.Init());
    FaultRule rule{Api::kStreamCreateName, Api::kOutOfMemory, 0, 0.5, seed, 0};
    api.engine().fault_injector().AddRule(rule);
    std::vector<bool> failed;
    for (int i = 0; i < 32; ++i) {
      typename Api::Stream stream;
      failed.push_back(api.CreateStream(&stream) != 0);
    }
    return failed;
  };
  std::vector<bool> first = failures(5);
  EXPECT_EQ(first, failures(5));
  EXPECT_NE(first, failures(6));
  int count = static_cast<int>(std::count(first.begin(), first.end(), true));
  EXPECT_GT(count, 4);
  EXPECT_LT(count, 28);
}

TYPED_TEST_P(VendorTest, LostDeviceFailsEveryLaterCall) {
  using Api = typename TestFixture::Api;
  Api api(this->Options());
  ASSERT_SUCCESS(api.Init());
  typename Api::Stream stream;
  ASSERT_SUCCESS(api.CreateStream(&stream));
  uint64_t buffer;
  ASSERT_SUCCESS(api.Malloc(&buffer, 16));
  ASSERT_EQ(Error::kOk, api.engine().InjectDeviceLost(0));
  EXPECT_EQ(Api::kLaunchFailed, api.Sync(stream));
  EXPECT_EQ(Api::kLaunchFailed, api.Memset8(buffer, 0, 16, stream));
  uint64_t other;
  EXPECT_EQ(Api::kLaunchFailed, api.Malloc(&other, 16));
  typename Api::Stream another;
  EXPECT_EQ(Api::kLaunchFailed, api.CreateStream(&another));
  typename Api::Event event;
  EXPECT_EQ(Api::kLaunchFailed, api.CreateEvent(&event));
}

TYPED_TEST_P(VendorTest, KernelFaultsAreStickyLaunchFailures) {
  using Api = typename TestFixture::Api;
  for (bool injected : {false, true}) {
    Api api(this->Options());
    ASSERT_SUCCESS(api.Init());
    typename Api::Stream stream;
    ASSERT_SUCCESS(api.CreateStream(&stream));
    typename Api::Module module;
    ASSERT_SUCCESS(api.LoadModule(kModule, &module));
    typename Api::Function function;
    uint64_t out;
    ASSERT_SUCCESS(api.Malloc(&out, 4));
    uint32_t value = 1;
    void* args[] = {&out, &value};
    if (injected) {
      api.engine().fault_injector().AddRule({"kernel:store_u32", 1, 1});
      ASSERT_SUCCESS(api.GetFunction(module, "store_u32", &function));
      ASSERT_SUCCESS(api.Launch(function, stream, args));
    } else {
      ASSERT_SUCCESS(api.GetFunction(module, "raise_fault", &function));
      ASSERT_SUCCESS(api.Launch(function, stream, nullptr));
    }
    EXPECT_EQ(Api::kLaunchFailed, api.Sync(stream));
    EXPECT_EQ(Api::kLaunchFailed, api.Query(stream));
    uint64_t other;
    EXPECT_EQ(Api::kLaunchFailed, api.Malloc(&other, 4));
  }
}

TYPED_TEST_P(VendorTest, DeviceMemoryLimit) {
  using Api = typename TestFixture::Api;
  EngineOptions options = this->Options();
  options.device_memory_bytes = 1024;
  Api api(options);
  ASSERT_SUCCESS(api.Init());
  uint64_t a, b;
  ASSERT_SUCCESS(api.Malloc(&a, 1000));
  EXPECT_EQ(Api::kOutOfMemory, api.Malloc(&b, 100));
  ASSERT_SUCCESS(api.Free(a));
  EXPECT_SUCCESS(api.Malloc(&b, 100));
}

TYPED_TEST_P(VendorTest, AllCollectivesOnFourDevicesThroughOneGroup) {
  using Api = typename TestFixture::Api;
  constexpr int kRanks = 4;
  constexpr int kCount = 6;
  Api api(this->Options(kRanks));
  ASSERT_SUCCESS(api.Init());
  typename Api::Comm comms[kRanks];
  ASSERT_SUCCESS(api.CommInitAll(comms, kRanks));
  typename Api::Stream streams[kRanks];
  uint64_t send[kRanks], sum[kRanks], gathered[kRanks], broadcast[kRanks], scattered[kRanks];
  for (int r = 0; r < kRanks; ++r) {
    ASSERT_SUCCESS(api.SetDevice(r));
    ASSERT_SUCCESS(api.CreateStream(&streams[r]));
    ASSERT_SUCCESS(api.Malloc(&send[r], 4 * kCount * kRanks));
    ASSERT_SUCCESS(api.Malloc(&sum[r], 4 * kCount));
    ASSERT_SUCCESS(api.Malloc(&gathered[r], 4 * kCount * kRanks));
    ASSERT_SUCCESS(api.Malloc(&broadcast[r], 4 * kCount));
    ASSERT_SUCCESS(api.Malloc(&scattered[r], 4 * kCount));
    std::vector<float> values(kCount * kRanks);
    for (int i = 0; i < kCount * kRanks; ++i) values[i] = static_cast<float>(r * 100 + i);
    ASSERT_SUCCESS(api.HtoDSync(send[r], values.data(), values.size() * 4));
  }
  ASSERT_SUCCESS(api.GroupStart());
  for (int r = 0; r < kRanks; ++r)
    ASSERT_SUCCESS(api.AllReduceSumF32(send[r], sum[r], kCount, comms[r], streams[r]));
  ASSERT_SUCCESS(api.GroupEnd());
  ASSERT_SUCCESS(api.GroupStart());
  for (int r = 0; r < kRanks; ++r) {
    ASSERT_SUCCESS(api.AllGatherI32(send[r], gathered[r], kCount, comms[r], streams[r]));
    ASSERT_SUCCESS(api.BroadcastI32(send[r], broadcast[r], kCount, 2, comms[r], streams[r]));
    ASSERT_SUCCESS(api.ReduceScatterMaxI32(send[r], scattered[r], kCount, comms[r], streams[r]));
  }
  ASSERT_SUCCESS(api.GroupEnd());
  for (int r = 0; r < kRanks; ++r) ASSERT_SUCCESS(api.Sync(streams[r]));
  for (int r = 0; r < kRanks; ++r) {
    std::vector<float> sums(kCount);
    ASSERT_SUCCESS(api.DtoHSync(sums.data(), sum[r], 4 * kCount));
    for (int i = 0; i < kCount; ++i) EXPECT_EQ(sums[i], 600.0f + 4 * i) << "rank " << r;
    // The other collectives move 32-bit words: compare bit patterns of the floats.
    std::vector<uint32_t> words(kCount * kRanks), source_words(kCount * kRanks);
    ASSERT_SUCCESS(api.DtoHSync(words.data(), gathered[r], 4 * kCount * kRanks));
    for (int peer = 0; peer < kRanks; ++peer) {
      ASSERT_SUCCESS(api.DtoHSync(source_words.data(), send[peer], 4 * kCount));
      for (int i = 0; i < kCount; ++i) EXPECT_EQ(words[peer * kCount + i], source_words[i]);
    }
    std::vector<uint32_t> bcast(kCount);
    ASSERT_SUCCESS(api.DtoHSync(bcast.data(), broadcast[r], 4 * kCount));
    ASSERT_SUCCESS(api.DtoHSync(source_words.data(), send[2], 4 * kCount));
    for (int i = 0; i < kCount; ++i) EXPECT_EQ(bcast[i], source_words[i]);
    // Positive floats order like their bit patterns as int32, so the max is rank 3's.
    std::vector<uint32_t> scatter(kCount);
    ASSERT_SUCCESS(api.DtoHSync(scatter.data(), scattered[r], 4 * kCount));
    ASSERT_SUCCESS(api.DtoHSync(source_words.data(), send[kRanks - 1], 4 * kCount * kRanks));
    for (int i = 0; i < kCount; ++i) EXPECT_EQ(scatter[i], source_words[r * kCount + i]);
  }
  for (auto comm : comms) EXPECT_SUCCESS(api.CommDestroy(comm));
}

TYPED_TEST_P(VendorTest, InitRankFromThreadsAndSplit) {
  using Api = typename TestFixture::Api;
  constexpr int kRanks = 3;
  Api api(this->Options(kRanks));
  ASSERT_SUCCESS(api.Init());
  char id[128];
  ASSERT_SUCCESS(api.GetUniqueId(id));
  typename Api::Comm comms[kRanks] = {};
  std::vector<std::thread> threads;
  int results[kRanks];
  for (int r = 0; r < kRanks; ++r) {
    threads.emplace_back([&, r] {
      api.SetDevice(r);
      results[r] = api.CommInitRank(&comms[r], kRanks, id, r);
    });
  }
  for (auto& thread : threads) thread.join();
  for (int r = 0; r < kRanks; ++r) {
    ASSERT_EQ(0, results[r]);
    int count = 0, rank = -1;
    ASSERT_SUCCESS(api.CommCount(comms[r], &count));
    ASSERT_SUCCESS(api.CommUserRank(comms[r], &rank));
    EXPECT_EQ(count, kRanks);
    EXPECT_EQ(rank, r);
  }
  // Split inside one group from one thread: ranks 0 and 2 (reversed keys), rank 1 alone out.
  typename Api::Comm halves[kRanks] = {};
  ASSERT_SUCCESS(api.GroupStart());
  ASSERT_SUCCESS(api.CommSplit(comms[0], 0, 5, &halves[0]));
  ASSERT_SUCCESS(api.CommSplit(comms[1], -1, 0, &halves[1]));
  ASSERT_SUCCESS(api.CommSplit(comms[2], 0, 1, &halves[2]));
  ASSERT_SUCCESS(api.GroupEnd());
  EXPECT_EQ(halves[1], nullptr);
  int rank = -1, count = 0;
  ASSERT_SUCCESS(api.CommUserRank(halves[0], &rank));
  EXPECT_EQ(rank, 1);
  ASSERT_SUCCESS(api.CommUserRank(halves[2], &rank));
  EXPECT_EQ(rank, 0);
  ASSERT_SUCCESS(api.CommCount(halves[0], &count));
  EXPECT_EQ(count, 2);
}

REGISTER_TYPED_TEST_SUITE_P(VendorTest,
                            StreamRunsItsWorkInOrder,
                            EventRecordsTheWorkSoFarAndCanBeRecordedAgain,
                            WaitingOnANeverRecordedEventReturnsAtOnce,
                            CrossStreamEventWaitOrdersWork,
                            HostFunctionRunsBetweenEarlierAndLaterWorkAndCannotCallTheApi,
                            StreamQueryIsNotReadyBehindAHostFunctionGate,
                            MemsetsOfEachWidthAtOddOffsetsAndCounts,
                            CopiesInEveryDirection,
                            StreamOrderedAllocationsLiveBetweenTheirAllocAndFree,
                            KernelsFromAModuleImage,
                            GraphNodesRunAfterTheirDependencies,
                            InstantiationSnapshotsParametersAndExecUpdatesAffectLaterLaunches,
                            InjectedFaultOnTheNthCallOfASymbol,
                            SeededFractionOfInjectedFaultsReplays,
                            LostDeviceFailsEveryLaterCall,
                            KernelFaultsAreStickyLaunchFailures,
                            DeviceMemoryLimit,
                            AllCollectivesOnFourDevicesThroughOneGroup,
                            InitRankFromThreadsAndSplit);

}  // namespace gpuhal::fake::testing

#endif  // GPUHAL_FAKES_GPU_TESTING_VENDOR_SEMANTICS_TESTS_H_
