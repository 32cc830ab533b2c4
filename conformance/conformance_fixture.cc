#include "conformance/conformance_fixture.h"

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <utility>
#include "gpuhal/testing/status_matchers.h"

namespace gpuhal::conformance {
namespace {

std::vector<std::string> SplitUris(std::string_view list) {
  std::vector<std::string> uris;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view uri = list.substr(0, comma);
    while (!uri.empty() && std::isspace(static_cast<unsigned char>(uri.front())))
      uri.remove_prefix(1);
    while (!uri.empty() && std::isspace(static_cast<unsigned char>(uri.back())))
      uri.remove_suffix(1);
    if (!uri.empty()) uris.emplace_back(uri);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return uris;
}

std::string SafeName(std::string_view text) {
  std::string name;
  for (char c : text) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c));
    if (keep) {
      name += c;
    } else if (!name.empty() && name.back() != '_') {
      name += '_';
    }
  }
  while (!name.empty() && name.back() == '_') name.pop_back();
  return name;
}

}  // namespace

std::vector<DeviceConfig> ConformanceConfigs() {
  std::vector<std::string> uris;
  if (const char* list = std::getenv("GPUHAL_CONFORMANCE_DEVICES"); list && *list) {
    uris = SplitUris(list);
  } else {
    for (const char* scheme : {"fake-cuda", "fake-hip"})
      for (const char* schedule : {"deterministic", "threaded"})
        uris.push_back(std::string(scheme) + "://0?schedule=" + schedule);
  }
  std::vector<DeviceConfig> configs;
  for (const std::string& uri : uris) {
    std::vector<std::string> variants;
    if (uri.find("mode=") != std::string::npos) {
      variants.push_back(uri);  // the URI chose its mode
    } else {
      const char separator = uri.find('?') == std::string::npos ? '?' : '&';
      for (const char* mode : {"graph", "stream"})
        variants.push_back(uri + separator + "mode=" + mode);
    }
    for (std::string& variant : variants) {
      // Drop the parameter names: "fake_cuda_0_deterministic_graph" reads better than
      // the URI spelled out, and stays unique.
      std::string name;
      std::string_view rest = variant;
      const size_t query = rest.find('?');
      name = SafeName(rest.substr(0, query));
      if (query != std::string_view::npos) {
        std::string_view params = rest.substr(query + 1);
        while (!params.empty()) {
          const size_t amp = params.find('&');
          std::string_view param = params.substr(0, amp);
          const size_t eq = param.find('=');
          name += "_" + SafeName(eq == std::string_view::npos ? param : param.substr(eq + 1));
          if (amp == std::string_view::npos) break;
          params.remove_prefix(amp + 1);
        }
      }
      for (const DeviceConfig& earlier : configs) {
        if (earlier.test_name == name) name += "_" + std::to_string(configs.size());
      }
      configs.push_back({std::move(variant), std::move(name)});
    }
  }
  return configs;
}

std::string ConfigTestName(const ::testing::TestParamInfo<DeviceConfig>& info) {
  return info.param.test_name;
}

std::vector<uint8_t> PatternBytes(size_t count, uint32_t seed) {
  std::vector<uint8_t> bytes(count);
  uint32_t state = seed * 2654435761u + 1u;
  for (uint8_t& byte : bytes) {
    state = state * 1664525u + 1013904223u;
    byte = static_cast<uint8_t>(state >> 24);
  }
  return bytes;
}

std::vector<uint32_t> PatternWords(size_t count, uint32_t seed) {
  std::vector<uint32_t> words(count);
  uint32_t state = seed * 2654435761u + 1u;
  for (uint32_t& word : words) {
    state = state * 1664525u + 1013904223u;
    word = state;
  }
  return words;
}

void ConformanceTest::SetUp() {
  allocator_ = std::make_unique<CountingAllocator>();
  Result<Ref<Device>> device = CreateDevice(GetParam().uri, *allocator_);
  ASSERT_OK(device) << "CreateDevice(" << GetParam().uri << ") -> " << device.status();
  device_ = std::move(device).value();
}

void ConformanceTest::TearDown() {
  device_.reset();
  // Every host allocation the device made must be returned by the time it is released:
  // the device joins its threads and retires its work in its destructor, so nothing may
  // still be in flight that would free later. This holds on real GPUs too: the state a
  // driver keeps across devices (the dlopen'ed vendor library and its symbol table) is
  // created once per process without the device's allocator, so it never counts here.
  const size_t live_bytes = allocator_->live_bytes();
  if (live_bytes != 0) {
    ADD_FAILURE() << "device " << GetParam().uri << " leaked " << live_bytes << " bytes in "
                  << allocator_->live_allocations() << " host allocations";
    // ~CountingAllocator aborts on live bytes; the failure above is the report.
    (void)allocator_.release();
  }
}

Status ConformanceTest::ReopenWithSeed(uint64_t seed) {
  std::string uri = GetParam().uri;
  // Drop a seed= the URI already has, with the separator before it.
  for (size_t at = uri.find("seed="); at != std::string::npos; at = uri.find("seed=", at)) {
    if (at == 0 || (uri[at - 1] != '?' && uri[at - 1] != '&')) {
      ++at;
      continue;
    }
    size_t end = uri.find('&', at);
    end = end == std::string::npos ? uri.size() : end + 1;
    uri.erase(at, end - at);
  }
  while (!uri.empty() && (uri.back() == '&' || uri.back() == '?')) uri.pop_back();
  uri += (uri.find('?') == std::string::npos ? "?seed=" : "&seed=") + std::to_string(seed);
  GPUHAL_ASSIGN_OR_RETURN(Ref<Device> device, CreateDevice(uri, *allocator_));
  device_ = std::move(device);
  return OkStatus();
}

Result<Ref<Semaphore>> ConformanceTest::NewSemaphore(uint64_t initial_value) {
  return device_->CreateSemaphore(initial_value);
}

Result<Ref<Semaphore>> ConformanceTest::NewHostSemaphore(uint64_t initial_value) {
  return CreateHostSemaphore(initial_value, *allocator_);
}

Result<Ref<Buffer>> ConformanceTest::NewBuffer(size_t byte_length, BufferParams params) {
  return device_->AllocateBuffer(params, byte_length);
}

Result<Ref<Buffer>> ConformanceTest::NewBufferWith(std::span<const uint8_t> contents,
                                                   BufferParams params) {
  GPUHAL_ASSIGN_OR_RETURN(Ref<Buffer> buffer, device_->AllocateBuffer(params, contents.size()));
  GPUHAL_RETURN_IF_ERROR(device_->WriteBuffer(std::as_bytes(contents), *buffer, 0));
  return buffer;
}

Result<Ref<Buffer>> ConformanceTest::NewBufferWithWords(std::span<const uint32_t> words) {
  const auto bytes = std::as_bytes(words);
  return NewBufferWith({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
}

Result<std::vector<uint8_t>> ConformanceTest::ReadBytes(Buffer& buffer, size_t offset,
                                                        size_t length) {
  GPUHAL_ASSIGN_OR_RETURN(size_t resolved, buffer.ResolveRange(offset, length, "read"));
  std::vector<uint8_t> bytes(resolved);
  GPUHAL_RETURN_IF_ERROR(
      device_->ReadBuffer(buffer, offset, std::as_writable_bytes(std::span(bytes))));
  return bytes;
}

Result<std::vector<uint32_t>> ConformanceTest::ReadWords(Buffer& buffer, size_t offset,
                                                         size_t length) {
  GPUHAL_ASSIGN_OR_RETURN(size_t resolved, buffer.ResolveRange(offset, length, "read"));
  std::vector<uint32_t> words(resolved / sizeof(uint32_t));
  GPUHAL_RETURN_IF_ERROR(
      device_->ReadBuffer(buffer, offset, std::as_writable_bytes(std::span(words))));
  return words;
}

Result<Ref<CommandBuffer>> ConformanceTest::Record(
    const std::function<Status(CommandBuffer&)>& record, CommandBufferParams params) {
  GPUHAL_ASSIGN_OR_RETURN(Ref<CommandBuffer> commands, device_->CreateCommandBuffer(params));
  GPUHAL_RETURN_IF_ERROR(commands->Begin());
  GPUHAL_RETURN_IF_ERROR(record(*commands));
  GPUHAL_RETURN_IF_ERROR(commands->End());
  return commands;
}

Status ConformanceTest::Submit(CommandBuffer& commands, std::initializer_list<SemaphorePoint> waits,
                               std::initializer_list<SemaphorePoint> signals) {
  CommandBuffer* list[] = {&commands};
  return device_->QueueExecute(kAnyQueue, std::span(waits.begin(), waits.size()),
                               std::span(signals.begin(), signals.size()), list);
}

Status ConformanceTest::SubmitAndWait(CommandBuffer& commands) {
  GPUHAL_ASSIGN_OR_RETURN(Ref<Semaphore> done, NewSemaphore(0));
  GPUHAL_RETURN_IF_ERROR(Submit(commands, {}, {{done.get(), 1}}));
  return done->Wait(1, LongTimeout());
}

Status ConformanceTest::RunAndWait(const std::function<Status(CommandBuffer&)>& record,
                                   CommandBufferParams params) {
  GPUHAL_ASSIGN_OR_RETURN(Ref<CommandBuffer> commands, Record(record, params));
  return SubmitAndWait(*commands);
}

Result<Ref<PipelineLayout>> NewLayoutOn(Device& device, const LayoutShape& shape) {
  std::vector<Ref<DescriptorSetLayout>> sets;
  std::vector<DescriptorSetLayout*> set_pointers;
  for (const DescriptorSetShape& set : shape.sets) {
    std::vector<DescriptorSetLayoutBinding> bindings;
    for (const BindingShape& binding : set.bindings) {
      bindings.push_back({binding.ordinal, binding.type, DescriptorFlags::kNone});
    }
    GPUHAL_ASSIGN_OR_RETURN(Ref<DescriptorSetLayout> layout,
                            device.CreateDescriptorSetLayout(bindings));
    set_pointers.push_back(layout.get());
    sets.push_back(std::move(layout));
  }
  return device.CreatePipelineLayout(set_pointers, shape.push_constant_count);
}

Result<Kernels> LoadKernelsOn(Device& device, std::initializer_list<std::string_view> names) {
  Kernels kernels;
  std::vector<PipelineLayout*> layout_pointers;
  for (std::string_view name : names) {
    const kernels::KernelSpec* spec = kernels::FindKernel(name);
    if (spec == nullptr) return NotFoundError("no conformance kernel ", name);
    GPUHAL_ASSIGN_OR_RETURN(Ref<PipelineLayout> layout, NewLayoutOn(device, spec->layout));
    layout_pointers.push_back(layout.get());
    kernels.layouts.push_back(std::move(layout));
  }
  const std::vector<uint8_t> container = kernels::BuildKernelContainer(names);
  ExecutableParams params;
  params.container = container;
  params.pipeline_layouts = layout_pointers;
  GPUHAL_ASSIGN_OR_RETURN(kernels.executable, device.LoadExecutable(params));
  return kernels;
}

Result<Ref<PipelineLayout>> ConformanceTest::NewLayout(const LayoutShape& shape) {
  return NewLayoutOn(*device_, shape);
}

Result<Kernels> ConformanceTest::LoadKernels(std::initializer_list<std::string_view> names) {
  return LoadKernelsOn(*device_, names);
}

Status ConformanceTest::RecordDispatch(CommandBuffer& commands, Kernels& kernels,
                                       uint32_t entry_point, std::span<const SetBindings> sets,
                                       std::span<const uint32_t> constants, WorkgroupCount count) {
  PipelineLayout& layout = kernels.layout(entry_point);
  for (const SetBindings& set : sets) {
    GPUHAL_RETURN_IF_ERROR(commands.PushDescriptorSet(layout, set.set, set.bindings));
  }
  if (!constants.empty()) {
    const auto bytes = std::as_bytes(constants);
    GPUHAL_RETURN_IF_ERROR(commands.PushConstants(
        layout, 0, {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}));
  }
  return commands.Dispatch(*kernels.executable, entry_point, count);
}

}  // namespace gpuhal::conformance
