// What the CUDA and HIP sides of the vendor-semantics test API (fakes/cuda/cuda_test_api.h,
// fakes/hip/hip_test_api.h) share, written once: the platform they drive, and the calls
// through its collectives table, which NCCL and RCCL spell alike. `Platform` is
// FakeCudaPlatform or FakeHipPlatform; `Collectives` is cuda::NcclTypes or hip::RcclTypes
// (its Symbols, Comm, UniqueId, DataType, RedOp and Stream). The derived API points
// `collectives` at the platform's table. Every call returns the vendor's code as an int.
#ifndef GPUHAL_FAKES_GPU_TESTING_TEST_API_BASE_H_
#define GPUHAL_FAKES_GPU_TESTING_TEST_API_BASE_H_

#include <cstdint>
#include <cstring>
#include <utility>

#include "fakes/engine/engine.h"
#include "gpuhal/ref.h"
#include "gtest/gtest.h"

namespace gpuhal::fake::testing {

template <typename Platform, typename Collectives>
class TestApiBase {
 public:
  using Comm = typename Collectives::Comm;
  using DataType = typename Collectives::DataType;
  using RedOp = typename Collectives::RedOp;

  Ref<Platform> platform;
  const typename Collectives::Symbols* collectives = nullptr;

  explicit TestApiBase(const EngineOptions& options) {
    auto created = Platform::Create(options);
    EXPECT_TRUE(created.ok());
    platform = std::move(created).value();
  }
  Engine& engine() { return platform->engine(); }
  static void* P(uint64_t address) { return reinterpret_cast<void*>(address); }

  int CommInitAll(Comm* comms, int count) {
    return collectives->ncclCommInitAll(comms, count, nullptr);
  }
  int CommDestroy(Comm comm) { return collectives->ncclCommDestroy(comm); }
  int GroupStart() { return collectives->ncclGroupStart(); }
  int GroupEnd() { return collectives->ncclGroupEnd(); }
  int AllReduceSumF32(uint64_t send, uint64_t recv, size_t count, Comm comm,
                      typename Collectives::Stream s) {
    return collectives->ncclAllReduce(P(send), P(recv), count, DataType::ncclFloat32,
                                      RedOp::ncclSum, comm, s);
  }
  int AllGatherI32(uint64_t send, uint64_t recv, size_t count, Comm comm,
                   typename Collectives::Stream s) {
    return collectives->ncclAllGather(P(send), P(recv), count, DataType::ncclInt32, comm, s);
  }
  int BroadcastI32(uint64_t send, uint64_t recv, size_t count, int root, Comm comm,
                   typename Collectives::Stream s) {
    return collectives->ncclBroadcast(P(send), P(recv), count, DataType::ncclInt32, root, comm,
                                      s);
  }
  int ReduceScatterMaxI32(uint64_t send, uint64_t recv, size_t count, Comm comm,
                          typename Collectives::Stream s) {
    return collectives->ncclReduceScatter(P(send), P(recv), count, DataType::ncclInt32,
                                          RedOp::ncclMax, comm, s);
  }
  int CommInitRank(Comm* comm, int ranks, const void* id_bytes, int rank) {
    typename Collectives::UniqueId id;
    std::memcpy(&id, id_bytes, sizeof(id));
    return collectives->ncclCommInitRank(comm, ranks, id, rank);
  }
  int GetUniqueId(void* id_bytes) {
    return collectives->ncclGetUniqueId(static_cast<typename Collectives::UniqueId*>(id_bytes));
  }
  int CommSplit(Comm comm, int color, int key, Comm* out) {
    return collectives->ncclCommSplit(comm, color, key, out, nullptr);
  }
  int CommCount(Comm comm, int* count) { return collectives->ncclCommCount(comm, count); }
  int CommUserRank(Comm comm, int* rank) { return collectives->ncclCommUserRank(comm, rank); }
};

}  // namespace gpuhal::fake::testing

#endif  // GPUHAL_FAKES_GPU_TESTING_TEST_API_BASE_H_
