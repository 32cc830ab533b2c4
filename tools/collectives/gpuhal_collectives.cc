// gpuhal-collectives: the collective conformance runner and the all-reduce bandwidth
// benchmark, for several GPUs (see docs/collectives.md).
//
//   gpuhal-collectives conformance --devices=cuda --ranks=2 [--json=PATH]
//       one process drives every GPU: a channel group, one thread per rank
//   gpuhal-collectives conformance --devices=cuda --ranks=2 --rank=R --id-file=PATH
//       one process per GPU (start one per rank): rank 0 writes the channel id to PATH,
//       the others read it from there
//   gpuhal-collectives bandwidth --devices=cuda --ranks=2 [--min-bytes=8]
//       [--max-bytes=1073741824] [--mode=graph|stream] [--json=PATH]
//       all-reduce bus bandwidth through gpuhal and through NCCL directly
//
// --devices names the driver: cuda, hip, or fake-cuda / fake-hip (the simulated GPU, all
// ranks on one simulated platform; single process only, no raw NCCL side).
// Exit status 0 when every case passed (conformance) or the sweep ran (bandwidth).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "gpuhal/gpuhal.h"
#include "tools/collectives/allreduce_timing.h"
#include "tools/collectives/conformance.h"
#include "tools/collectives/id_file.h"

namespace gpuhal::collectives {
namespace {

struct Options {
  std::string command;
  std::string devices = "cuda";
  int ranks = 2;
  int rank = -1;  // >= 0: one process per rank
  std::string id_file;
  std::string json;
  size_t min_bytes = 8;
  size_t max_bytes = size_t{1} << 30;
  CommandBufferMode mode = CommandBufferMode::kGraph;
};

Result<Options> ParseOptions(int argc, char** argv) {
  Options options;
  if (argc < 2) return InvalidArgumentError("usage: gpuhal-collectives conformance|bandwidth [--flags]");
  options.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    const size_t equals = arg.find('=');
    if (arg.rfind("--", 0) != 0 || equals == std::string::npos) {
      return InvalidArgumentError("argument '", arg, "' is not --name=value");
    }
    const std::string name = arg.substr(2, equals - 2), value = arg.substr(equals + 1);
    if (name == "devices") options.devices = value;
    else if (name == "ranks") options.ranks = std::atoi(value.c_str());
    else if (name == "rank") options.rank = std::atoi(value.c_str());
    else if (name == "id-file") options.id_file = value;
    else if (name == "json") options.json = value;
    else if (name == "min-bytes") options.min_bytes = std::strtoull(value.c_str(), nullptr, 10);
    else if (name == "max-bytes") options.max_bytes = std::strtoull(value.c_str(), nullptr, 10);
    else if (name == "mode" && (value == "graph" || value == "stream"))
      options.mode = value == "graph" ? CommandBufferMode::kGraph : CommandBufferMode::kStream;
    else return InvalidArgumentError("unknown flag --", name, " (or bad value '", value, "')");
  }
  if (options.ranks < 1) return InvalidArgumentError("--ranks must be at least 1");
  if (options.rank >= options.ranks) return InvalidArgumentError("--rank must be below --ranks");
  if (options.rank >= 0 && options.id_file.empty()) {
    return InvalidArgumentError("one process per rank (--rank) needs --id-file to exchange the id");
  }
  return options;
}

bool Simulated(const Options& options) { return options.devices.rfind("fake-", 0) == 0; }

std::string DeviceUri(const Options& options, int rank) {
  std::string uri = options.devices + "://" + std::to_string(rank);
  if (Simulated(options)) {
    uri += "?devices=" + std::to_string(options.ranks) + "&platform=collectives&schedule=threaded";
  }
  return uri;
}

std::string UtcNow() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

Status WriteFile(const std::string& path, const std::string& text) {
  if (path.empty()) return OkStatus();
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out) return UnavailableError("cannot write ", path);
  return OkStatus();
}

std::string DevicesJson(const std::vector<Ref<Device>>& devices) {
  std::string json = "[";
  for (size_t i = 0; i < devices.size(); ++i) {
    json += StrCat(i ? ", " : "", "\"", devices[i]->info().uri, " (", devices[i]->info().name, ")\"");
  }
  return json + "]";
}

Result<std::vector<Ref<Device>>> OpenDevices(const Options& options, int first, int count) {
  std::vector<Ref<Device>> devices;
  for (int rank = first; rank < first + count; ++rank) {
    GPUHAL_ASSIGN_OR_RETURN(Ref<Device> device, CreateDevice(DeviceUri(options, rank)));
    devices.push_back(device);
  }
  return devices;
}

// Runs the cases in both modes for each local rank (a thread each) and reports.
Status Conformance(const Options& options) {
  const bool one_process_per_rank = options.rank >= 0;
  GPUHAL_ASSIGN_OR_RETURN(
      std::vector<Ref<Device>> devices,
      OpenDevices(options, one_process_per_rank ? options.rank : 0,
                  one_process_per_rank ? 1 : options.ranks));
  std::vector<Ref<Channel>> channels;
  if (one_process_per_rank) {
    ChannelParams params;
    params.rank = options.rank;
    params.count = options.ranks;
    if (options.rank == 0) {
      GPUHAL_ASSIGN_OR_RETURN(params.id, devices[0]->CreateChannelId());
      GPUHAL_RETURN_IF_ERROR(WriteChannelId(params.id, options.id_file));
    } else {
      GPUHAL_ASSIGN_OR_RETURN(params.id, ReadChannelId(options.id_file, std::chrono::seconds(120)));
    }
    GPUHAL_ASSIGN_OR_RETURN(Ref<Channel> channel, devices[0]->CreateChannel(params));
    channels.push_back(channel);
  } else {
    std::vector<Device*> list;
    for (auto& device : devices) list.push_back(device.get());
    GPUHAL_ASSIGN_OR_RETURN(channels, devices[0]->CreateChannelGroup(list));
  }

  std::vector<std::vector<CaseResult>> results(devices.size());
  std::vector<std::thread> threads;
  for (size_t local = 0; local < devices.size(); ++local) {
    threads.emplace_back([&, local] {
      for (CommandBufferMode mode : {CommandBufferMode::kGraph, CommandBufferMode::kStream}) {
        std::vector<CaseResult> cases = RunConformance(*devices[local], *channels[local], mode);
        results[local].insert(results[local].end(), cases.begin(), cases.end());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  size_t passed = 0, failed = 0;
  std::string json = StrCat("{\n  \"date\": \"", UtcNow(), "\",\n  \"process_mode\": \"",
                            one_process_per_rank ? "one-process-per-gpu" : "single-process",
                            "\",\n  \"ranks\": ", options.ranks, ",\n  \"devices\": ",
                            DevicesJson(devices), ",\n  \"per_rank\": [");
  for (size_t local = 0; local < devices.size(); ++local) {
    const int rank = channels[local]->rank();
    for (const CaseResult& result : results[local]) {
      (result.status.ok() ? passed : failed)++;
      std::printf("rank %d %-52s %s\n", rank, result.name.c_str(),
                  result.status.ok() ? "PASS" : result.status.ToString().c_str());
    }
    json += StrCat(local ? "," : "", "\n  {\"rank\": ", rank,
                   ", \"cases\": ", CaseResultsJson(results[local]), "}");
  }
  json += StrCat("\n  ],\n  \"passed\": ", passed, ",\n  \"failed\": ", failed, "\n}\n");
  std::printf("%s conformance: %zu passed, %zu failed\n",
              one_process_per_rank ? "one-process-per-gpu" : "single-process", passed, failed);
  GPUHAL_RETURN_IF_ERROR(WriteFile(options.json, json));
  if (failed) return InternalError(failed, " collective conformance case(s) failed");
  return OkStatus();
}

Status Bandwidth(const Options& options) {
  std::vector<size_t> sizes;
  for (size_t bytes = std::max<size_t>(options.min_bytes, 4); bytes <= options.max_bytes; bytes *= 2) {
    sizes.push_back(bytes / 4 * 4);
  }
  std::vector<double> gpuhal_seconds, nccl_seconds;
  std::string devices_json;
  {
    GPUHAL_ASSIGN_OR_RETURN(std::vector<Ref<Device>> devices, OpenDevices(options, 0, options.ranks));
    std::vector<Device*> list;
    for (auto& device : devices) list.push_back(device.get());
    GPUHAL_ASSIGN_OR_RETURN(std::vector<Ref<Channel>> channels, devices[0]->CreateChannelGroup(list));
    std::vector<Channel*> channel_list;
    for (auto& channel : channels) channel_list.push_back(channel.get());
    GPUHAL_ASSIGN_OR_RETURN(gpuhal_seconds,
                            TimeGpuhalAllReduce(list, channel_list, options.mode, sizes));
    devices_json = DevicesJson(devices);
  }  // gpuhal's buffers and communicators are gone before the raw side allocates
  std::string raw_note = "measured";
  if (options.devices == "cuda") {
    Result<std::vector<double>> raw = TimeRawNcclAllReduce(options.ranks, sizes);
    if (!raw.ok()) return raw.status();
    nccl_seconds = *raw;
  } else {
    raw_note = "not measured: the raw side drives CUDA devices only";
  }

  std::printf("%12s %12s %14s %12s %14s %8s\n", "bytes", "gpuhal us", "gpuhal busbw", "nccl us",
              "nccl busbw", "ratio");
  std::string json = StrCat("{\n  \"date\": \"", UtcNow(), "\",\n  \"devices\": ", devices_json,
                            ",\n  \"ranks\": ", options.ranks, ",\n  \"mode\": \"",
                            options.mode == CommandBufferMode::kGraph ? "graph" : "stream",
                            "\",\n  \"operation\": \"all-reduce float32 sum\",\n  \"raw_nccl\": \"",
                            raw_note, "\",\n  \"results\": [");
  for (size_t s = 0; s < sizes.size(); ++s) {
    const double gpuhal_bw = AllReduceBusBandwidth(sizes[s], gpuhal_seconds[s], options.ranks);
    const bool has_raw = s < nccl_seconds.size();
    const double nccl_bw =
        has_raw ? AllReduceBusBandwidth(sizes[s], nccl_seconds[s], options.ranks) : 0.0;
    std::printf("%12zu %12.2f %14.2f %12.2f %14.2f %8.3f\n", sizes[s], gpuhal_seconds[s] * 1e6,
                gpuhal_bw, has_raw ? nccl_seconds[s] * 1e6 : 0.0, nccl_bw,
                has_raw ? gpuhal_bw / nccl_bw : 0.0);
    json += StrCat(s ? "," : "", "\n    {\"bytes\": ", sizes[s],
                   ", \"gpuhal_us\": ", gpuhal_seconds[s] * 1e6,
                   ", \"gpuhal_busbw_gbps\": ", gpuhal_bw);
    if (has_raw) {
      json += StrCat(", \"nccl_us\": ", nccl_seconds[s] * 1e6, ", \"nccl_busbw_gbps\": ", nccl_bw,
                     ", \"gpuhal_over_nccl\": ", gpuhal_bw / nccl_bw);
    }
    json += "}";
  }
  json += "\n  ]\n}\n";
  return WriteFile(options.json, json);
}

int Main(int argc, char** argv) {
  Result<Options> options = ParseOptions(argc, argv);
  Status status = options.status();
  if (status.ok()) {
    if (options->command == "conformance") {
      status = Conformance(*options);
    } else if (options->command == "bandwidth") {
      status = Bandwidth(*options);
    } else {
      status = InvalidArgumentError("unknown command '", options->command,
                                    "'; use conformance or bandwidth");
    }
  }
  if (!status.ok()) {
    std::fprintf(stderr, "gpuhal-collectives: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace gpuhal::collectives

int main(int argc, char** argv) { return gpuhal::collectives::Main(argc, argv); }
