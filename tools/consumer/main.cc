// Uses only the installed public API: makes a host semaphore, signals it from another
// thread, waits for it, and asks the registry what default:// means.
#include <cstdio>
#include <thread>

#include "gpuhal/gpuhal.h"

int main() {
  gpuhal::Result<gpuhal::Ref<gpuhal::Semaphore>> semaphore = gpuhal::CreateHostSemaphore(0);
  if (!semaphore.ok()) {
    std::fprintf(stderr, "%s\n", semaphore.status().ToString().c_str());
    return 1;
  }
  std::thread signaller([&] { (*semaphore)->Signal(1).IgnoreError(); });
  gpuhal::Status waited = (*semaphore)->Wait(1, gpuhal::Timeout::After(std::chrono::seconds(5)));
  signaller.join();
  if (!waited.ok()) {
    std::fprintf(stderr, "wait failed: %s\n", waited.ToString().c_str());
    return 1;
  }
  gpuhal::Result<std::string> uri = gpuhal::DriverRegistry::Default().ResolveDefaultUri();
  std::printf("consumer: semaphore reached 1; default:// -> %s\n",
              uri.ok() ? uri->c_str() : uri.status().ToString().c_str());
  return 0;
}
