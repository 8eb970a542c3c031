#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "domain/GenerationService.hpp"

namespace mofang::fcgi {

struct WorkerOptions {
    std::string id;              // locked_by of the tasks it holds
    int pollMs = 1000;           // idle wait between claims
    int heartbeatMs = 15000;     // lease renewal while generating (a fraction of the lease)
    int stopGraceMs = 5000;      // on stop: how long a running generation may take to notice
    std::int64_t maxTasks = -1;  // stop after this many tasks (benchmarks); -1: no limit
};

// The loop of mofang-worker: claim a due task, run it with the generator while a heartbeat
// thread renews the lease (and notices cancellation or a lost lease), then the next. One task at
// a time per worker; run more processes for more. stop() (SIGTERM) makes the running generator
// stop at its next check: its task goes back to the queue and run() returns. A generator stuck in
// a call past the grace period is left behind: the task is given back from here, and the
// process exits without waiting for it.
class Worker final {
  public:
    Worker(domain::GenerationService& generation, domain::Generator& generator, WorkerOptions options)
        : generation_(generation), generator_(generator), options_(std::move(options)) {}

    // Runs until stop(); returns the process exit status.
    int run();
    // Thread-safe and async-signal-unsafe: call it from a signal-waiting thread, not a handler.
    void stop();
    // Waits up to the grace period for run() to return; false when it did not (the task, if any,
    // was given back from this thread meanwhile).
    bool awaitStopped();

  private:
    // `claimMs`: how long the claim took (logged, for bench/queue).
    void runTask(const domain::ClaimedTask& claimed, double claimMs);
    bool sleepUnlessStopped(int ms);

    domain::GenerationService& generation_;
    domain::Generator& generator_;
    WorkerOptions options_;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::condition_variable wake_;
    bool finished_ = false;
    bool claiming_ = false;                       // under mutex_
    std::optional<domain::ClaimedTask> current_;  // under mutex_
};

}  // namespace mofang::fcgi
