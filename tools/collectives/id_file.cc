#include "tools/collectives/id_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

namespace gpuhal::collectives {

Status WriteChannelId(const ChannelId& id, const std::string& path) {
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (!file) {
    return UnavailableError("cannot create ", temporary, ": ", std::strerror(errno));
  }
  const bool written = std::fwrite(id.bytes.data(), 1, id.bytes.size(), file) == id.bytes.size();
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed || std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return UnavailableError("cannot write the channel id to ", path, ": ", std::strerror(errno));
  }
  return OkStatus();
}

Result<ChannelId> ReadChannelId(const std::string& path, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (std::FILE* file = std::fopen(path.c_str(), "rb")) {
      ChannelId id;
      const size_t read = std::fread(id.bytes.data(), 1, id.bytes.size(), file);
      std::fclose(file);
      if (read == id.bytes.size()) return id;
      return DataLossError(path, " holds ", read, " bytes; a channel id has ", id.bytes.size());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return DeadlineExceededError("no channel id appeared at ", path, " within ", timeout.count(),
                                   " s; is rank 0 running and writing it there?");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace gpuhal::collectives
