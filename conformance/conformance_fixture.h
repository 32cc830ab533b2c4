// The conformance fixture: every case runs once per device configuration (a device URI
// crossed with a command buffer mode), on a device created with a CountingAllocator that
// must hold zero live bytes once the device is released.
//
// Configurations: fake-cuda and fake-hip, each with schedule=deterministic and
// schedule=threaded, each with mode=graph and mode=stream. GPUHAL_CONFORMANCE_DEVICES
// (comma-separated URIs, e.g. "cuda://0") replaces the URIs; modes are still crossed in
// unless a URI names its own.
//
// Tests include only the public API, the container builder, and the kernel helpers.
#ifndef GPUHAL_CONFORMANCE_CONFORMANCE_FIXTURE_H_
#define GPUHAL_CONFORMANCE_CONFORMANCE_FIXTURE_H_

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/kernels/conformance_kernels.h"
#include "gpuhal/gpuhal.h"
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::conformance {

using ::gpuhal::testing::StatusIs;

struct DeviceConfig {
  std::string uri;
  std::string test_name;  // gtest-safe: letters, digits and '_'
};

// gtest prints the URI instead of the struct's bytes.
inline void PrintTo(const DeviceConfig& config, std::ostream* os) { *os << config.uri; }

// The configurations of this run (see the file comment).
std::vector<DeviceConfig> ConformanceConfigs();

// Long enough for any case on a loaded CI machine; a hang still ends the case.
inline Timeout LongTimeout() { return Timeout::After(std::chrono::seconds(30)); }
// For "this must not have happened yet": long enough that a wrongly released submission
// would have run on the simulated GPU.
inline constexpr std::chrono::milliseconds kSettleTime{20};

// Bytes from a small linear congruential generator: distinct, reproducible contents.
std::vector<uint8_t> PatternBytes(size_t count, uint32_t seed);
std::vector<uint32_t> PatternWords(size_t count, uint32_t seed);

// An executable of conformance kernels with one pipeline layout per entry point.
struct Kernels {
  Ref<Executable> executable;
  std::vector<Ref<PipelineLayout>> layouts;  // layouts[i] belongs to entry point i
  PipelineLayout& layout(uint32_t entry_point) { return *layouts[entry_point]; }
};

// One descriptor set's bindings for RecordDispatch.
struct SetBindings {
  uint32_t set = 0;
  std::vector<BufferBinding> bindings;
};

// A pipeline layout of `shape` made by `device`.
Result<Ref<PipelineLayout>> NewLayoutOn(Device& device, const LayoutShape& shape);
// Loads BuildKernelContainer(names) on `device` with each kernel's own layout; for cases
// that also need kernels of a second device.
Result<Kernels> LoadKernelsOn(Device& device, std::initializer_list<std::string_view> names);

class ConformanceTest : public ::testing::TestWithParam<DeviceConfig> {
 protected:
  void SetUp() override;
  void TearDown() override;

  Device& device() { return *device_; }
  CountingAllocator& allocator() { return *allocator_; }
  // The simulated GPU, per DeviceInfo: cases that would take a real GPU down skip.
  bool simulated() const { return device_->info().simulated; }

  // Cases whose result depends on the order work runs in repeat over schedule seeds:
  // kScheduleSeeds on the simulated GPU (which picks among ready work with a seeded PRNG,
  // or on worker threads), once on a real GPU.
  static constexpr uint64_t kScheduleSeeds = 32;
  uint64_t ScheduleSeeds() const { return simulated() ? kScheduleSeeds : 1; }
  // Replaces the device with one of the same configuration whose URI carries
  // seed=`seed` (replacing any seed it had): the simulated GPU's schedule seed. Objects
  // made on the old device keep it alive until they are released.
  Status ReopenWithSeed(uint64_t seed);

  Result<Ref<Semaphore>> NewSemaphore(uint64_t initial_value = 0);
  Result<Ref<Semaphore>> NewHostSemaphore(uint64_t initial_value = 0);
  Result<Ref<Buffer>> NewBuffer(size_t byte_length, BufferParams params = {});
  // A buffer holding `contents`.
  Result<Ref<Buffer>> NewBufferWith(std::span<const uint8_t> contents, BufferParams params = {});
  Result<Ref<Buffer>> NewBufferWithWords(std::span<const uint32_t> words);

  Result<std::vector<uint8_t>> ReadBytes(Buffer& buffer, size_t offset = 0,
                                         size_t length = kWholeBuffer);
  Result<std::vector<uint32_t>> ReadWords(Buffer& buffer, size_t offset = 0,
                                          size_t length = kWholeBuffer);

  // Begin, `record`, End.
  Result<Ref<CommandBuffer>> Record(const std::function<Status(CommandBuffer&)>& record,
                                    CommandBufferParams params = {});
  Status Submit(CommandBuffer& commands, std::initializer_list<SemaphorePoint> waits,
                std::initializer_list<SemaphorePoint> signals);
  // Submits with no waits and blocks until the work is done.
  Status SubmitAndWait(CommandBuffer& commands);
  // Record + SubmitAndWait.
  Status RunAndWait(const std::function<Status(CommandBuffer&)>& record,
                    CommandBufferParams params = {});

  Result<Ref<PipelineLayout>> NewLayout(const LayoutShape& shape);
  // Loads BuildKernelContainer(names) with each kernel's own layout.
  Result<Kernels> LoadKernels(std::initializer_list<std::string_view> names);
  // Pushes every set and the constants of `entry_point`, then dispatches it.
  static Status RecordDispatch(CommandBuffer& commands, Kernels& kernels, uint32_t entry_point,
                               std::span<const SetBindings> sets,
                               std::span<const uint32_t> constants, WorkgroupCount count);

 private:
  std::unique_ptr<CountingAllocator> allocator_;
  Ref<Device> device_;
};

std::string ConfigTestName(const ::testing::TestParamInfo<DeviceConfig>& info);

}  // namespace gpuhal::conformance

// Every test file declares its own suite over the same configurations:
//   class TransferTest : public ConformanceTest {};
//   CTS_INSTANTIATE(TransferTest);
#define CTS_INSTANTIATE(Suite)                                                               \
  INSTANTIATE_TEST_SUITE_P(Devices, Suite,                                                   \
                           ::testing::ValuesIn(::gpuhal::conformance::ConformanceConfigs()), \
                           ::gpuhal::conformance::ConfigTestName)

#endif  // GPUHAL_CONFORMANCE_CONFORMANCE_FIXTURE_H_
