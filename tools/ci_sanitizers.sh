#!/usr/bin/env bash
# CI's sanitizer stages, run after the default and ASan+UBSan runs of tools/test.sh
# (which already run the whole suite, property tests and fuzz corpora included):
#
#   1. ThreadSanitizer, threaded schedule: the semaphore suites (runtime timeline
#      semaphore, host events, multi-semaphore waits), the pending-action/queue suite of
#      the GPU driver and its retirement interleavings, many threads submitting at once
#      (fixed plans and generated ones), and the timeline property tests, on the
#      simulated GPU's worker threads.
#   2. libFuzzer under ASan+UBSan (clang): each fuzz target for a bounded time, starting
#      from its seed corpus in fuzz/corpus/<target>/, printing how many inputs it ran.
#
# Each stage ends with one line saying how it went. Only the targets these stages need
# are built. Knobs (environment):
#   GPUHAL_FUZZ_SECONDS      seconds per fuzz target (default 45)
#   GPUHAL_TSAN_PROGRAMS     property programs per property under TSan (default 500)
#   GPUHAL_TSAN_CONCURRENCY_SEEDS, GPUHAL_TSAN_CONCURRENCY_PROGRAMS
#                            many-thread plans under TSan: seeds per configuration
#                            (default 3) and generated plans (default 20)
#   GPUHAL_CI_JOBS           build parallelism (default 2)
#   GPUHAL_TSAN_BUILD_DIR    default build/tsan (the tsan preset's directory)
#   GPUHAL_FUZZ_BUILD_DIR    default build/fuzz
#   GPUHAL_CI_STAGES         "tsan fuzz" (default) or either one
set -euo pipefail
cd "$(dirname "$0")/.."

fuzz_seconds="${GPUHAL_FUZZ_SECONDS:-45}"
tsan_programs="${GPUHAL_TSAN_PROGRAMS:-500}"
concurrency_seeds="${GPUHAL_TSAN_CONCURRENCY_SEEDS:-3}"
concurrency_programs="${GPUHAL_TSAN_CONCURRENCY_PROGRAMS:-20}"
jobs="${GPUHAL_CI_JOBS:-2}"
tsan_dir="${GPUHAL_TSAN_BUILD_DIR:-build/tsan}"
fuzz_dir="${GPUHAL_FUZZ_BUILD_DIR:-build/fuzz}"
stages="${GPUHAL_CI_STAGES:-tsan fuzz}"
fuzz_targets=(executable_container command_buffer semaphore_ops)

bash tools/install_deps.sh

script_start=$SECONDS
stage_start=$SECONDS
elapsed() { echo "$((SECONDS - stage_start)) s"; }

# Stage 1: ThreadSanitizer ---------------------------------------------------------------
if [[ " $stages " == *" tsan "* ]]; then
  stage_start=$SECONDS
  echo "== TSan: configuring $tsan_dir"
  cmake -S . -B "$tsan_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DGPUHAL_SANITIZER=thread \
    -DGPUHAL_BUILD_TOOLS=OFF -DGPUHAL_CONFORMANCE_PTX=OFF >/dev/null
  tsan_tests=(runtime_timeline_semaphore_test runtime_host_event_test
              runtime_wait_semaphores_test runtime_holder_reference_test
              backends_gpu_gpu_queue_test backends_gpu_gpu_queue_retirement_cuda_test
              backends_gpu_gpu_queue_retirement_hip_test fuzz_concurrent_submission_test
              fuzz_timeline_properties_test simulated_gpu_test)
  cmake --build "$tsan_dir" -j "$jobs" --target "${tsan_tests[@]}"
  echo "== TSan: built in $(elapsed)"

  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
  run_tsan() {  # binary, gtest filter
    local binary
    binary="$(find "$tsan_dir" -type f -name "$1" -perm -u+x | head -n 1)"
    [ -n "$binary" ] || { echo "TSan: $1 was not built" >&2; return 1; }
    echo "== TSan: $1 ($2)"
    if ! "$binary" --gtest_filter="$2" --gtest_brief=1; then
      echo "== TSan stage: FAILED in $1 after $(elapsed) (failing properties' traces: $tsan_dir)"
      exit 1
    fi
  }
  # The runtime suites have no schedule; the queue suite's threaded instances are the
  # ones whose simulated GPU runs on worker threads.
  run_tsan runtime_timeline_semaphore_test '*'
  run_tsan runtime_host_event_test '*'
  run_tsan runtime_wait_semaphores_test '*'
  run_tsan runtime_holder_reference_test '*'
  run_tsan backends_gpu_gpu_queue_test '*threaded*'
  run_tsan backends_gpu_gpu_queue_retirement_cuda_test '*'
  run_tsan backends_gpu_gpu_queue_retirement_hip_test '*'
  # Faults, lost devices, traces and host kernel libraries as applications use them.
  run_tsan simulated_gpu_test '*threaded*:HostKernelLibraryTest.*:SimulatedDevicesTest.*'
  GPUHAL_CONCURRENCY_SEEDS="$concurrency_seeds" GPUHAL_CONCURRENCY_PROGRAMS="$concurrency_programs" \
    run_tsan fuzz_concurrent_submission_test '*'
  GPUHAL_PROPERTY_SCHEDULE=threaded GPUHAL_PROPERTY_PROGRAMS="$tsan_programs" \
    GPUHAL_PROPERTY_TRACE_DIR="$tsan_dir" run_tsan fuzz_timeline_properties_test '*'
  echo "== TSan stage: clean (semaphore, reference, queue, retirement, simulated-GPU API," \
       "many-thread and property suites, threaded schedule, $concurrency_seeds seeds x 8 configurations and" \
       "$concurrency_programs generated many-thread plans, $tsan_programs programs per property)" \
       "in $(elapsed)"
fi

# Stage 2: libFuzzer under ASan + UBSan --------------------------------------------------
if [[ " $stages " == *" fuzz "* ]]; then
  stage_start=$SECONDS
  echo "== fuzz: configuring $fuzz_dir (clang, libFuzzer, ASan+UBSan)"
  CC=clang CXX=clang++ cmake -S . -B "$fuzz_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" \
    -DGPUHAL_SANITIZER=address -DGPUHAL_FUZZ_ENGINE=libfuzzer -DGPUHAL_BUILD_TESTS=OFF \
    -DGPUHAL_BUILD_TOOLS=OFF -DGPUHAL_CONFORMANCE_PTX=OFF >/dev/null
  cmake --build "$fuzz_dir" -j "$jobs" --target "${fuzz_targets[@]/%/_fuzzer}"
  echo "== fuzz: built in $(elapsed)"

  export ASAN_OPTIONS="detect_leaks=1 ${ASAN_OPTIONS:-}"
  export UBSAN_OPTIONS="print_stacktrace=1 halt_on_error=1 ${UBSAN_OPTIONS:-}"
  summary=()
  for target in "${fuzz_targets[@]}"; do
    binary="$fuzz_dir/fuzz/${target}_fuzzer"
    # libFuzzer adds what it finds to the first corpus directory: a scratch copy, so the
    # repository's seed corpus stays as committed.
    work="$fuzz_dir/corpus/$target"
    rm -rf "$work" "$fuzz_dir/${target}-"* && mkdir -p "$work"
    log="$fuzz_dir/${target}_fuzzer.log"
    echo "== fuzz: $target for ${fuzz_seconds} s"
    if ! "$binary" -max_total_time="$fuzz_seconds" -timeout=60 -rss_limit_mb=4096 \
        -print_final_stats=1 -artifact_prefix="$fuzz_dir/${target}-" \
        "$work" "fuzz/corpus/$target" >"$log" 2>&1; then
      # From the first report on: a long stack trace would push it out of a plain tail.
      first="$(grep -n -m 1 -E '==[0-9]+==ERROR|runtime error:|_fuzzer: |deadly signal|ERROR: libFuzzer' \
               "$log" | cut -d: -f1 || true)"
      tail -n +"${first:-1}" "$log" | head -n 80
      echo "== fuzz stage: FAILED in $target (log: $log; reproducer: $fuzz_dir/${target}-*)"
      exit 1
    fi
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
    cov="$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)"
    echo "   $target: ${runs:-?} executions, ${cov:-cov: ?}, corpus $(ls "$work" | wc -l) inputs"
    summary+=("$target ${runs:-?}")
  done
  joined="$(printf '%s, ' "${summary[@]}")"
  echo "== fuzz stage: clean (executions: ${joined%, }; ${fuzz_seconds} s each) in $(elapsed)"
fi

echo "== ci_sanitizers: done in $((SECONDS - script_start)) s"
