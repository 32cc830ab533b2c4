// Exchanging a ChannelId between processes through a file, the simplest means there is:
// one process writes it (atomically: a temporary file renamed into place), the others
// wait for the file to appear and read it. Any shared filesystem works across machines;
// a socket, MPI_Bcast or a key-value store works as well (see docs/collectives.md).
#ifndef GPUHAL_TOOLS_COLLECTIVES_ID_FILE_H_
#define GPUHAL_TOOLS_COLLECTIVES_ID_FILE_H_

#include <chrono>
#include <string>

#include "gpuhal/channel.h"
#include "gpuhal/status.h"

namespace gpuhal::collectives {

// Writes `id` to `path`; readers never see a partial file.
Status WriteChannelId(const ChannelId& id, const std::string& path);

// Reads the id at `path`, waiting up to `timeout` for it to appear. DEADLINE_EXCEEDED
// naming the path when it does not.
Result<ChannelId> ReadChannelId(const std::string& path, std::chrono::seconds timeout);

}  // namespace gpuhal::collectives

#endif  // GPUHAL_TOOLS_COLLECTIVES_ID_FILE_H_
