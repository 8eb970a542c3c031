#include "fcgi/Worker.hpp"

#include <chrono>
#include <cstdio>
#include <thread>

#include "domain/Errors.hpp"
#include "fcgi/Log.hpp"

namespace mofang::fcgi {
namespace dom = mofang::domain;

namespace {

using Clock = std::chrono::steady_clock;

// The generator's view of a running task: progress goes out with the next heartbeat (at once
// when it changed and the last heartbeat is a quarter-second old), and stopRequested() turns true
// when the worker stops or a heartbeat finds the task no longer ours.
class Control final : public dom::GenerationControl {
  public:
    Control(dom::GenerationService& generation, const dom::ClaimedTask& claimed, const std::string& workerId,
            int heartbeatMs, const std::atomic<bool>& stopping)
        : generation_(generation),
          claimed_(claimed),
          workerId_(workerId),
          heartbeat_(std::chrono::milliseconds(heartbeatMs)),
          stopping_(stopping),
          thread_([this] { loop(); }) {}

    ~Control() override {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }

    void progress(int percent) override {
        {
            std::lock_guard lock(mutex_);
            if (percent == progress_) return;
            progress_ = percent;
        }
        wake_.notify_all();
    }

    bool stopRequested() const override { return stopping_.load() || lost_.load(); }
    bool lost() const { return lost_.load(); }

  private:
    void loop() {
        std::unique_lock lock(mutex_);
        int sent = 0;
        auto last = Clock::now();
        while (!done_) {
            const bool changed = progress_ != sent;
            const auto due = last + (changed ? std::chrono::milliseconds(250) : heartbeat_);
            wake_.wait_until(lock, due, [&] { return done_ || (!changed && progress_ != sent); });
            if (done_) break;
            if (Clock::now() < due) continue;  // a progress report: due again, sooner
            const int p = progress_;
            lock.unlock();
            try {
                if (!generation_.heartbeat(claimed_, workerId_, p)) {
                    // Cancelled, deleted or taken over; or completed by this worker a moment ago
                    // (the last heartbeat can meet the completion). The outcome is logged by
                    // runTask either way.
                    lost_ = true;
                    lock.lock();
                    return;
                }
                sent = p;
            } catch (const std::exception& e) {
                // The database may be back before the lease runs out; if not, another worker
                // takes the task over and our completion is refused.
                Log::warn("heartbeat_failed", {{"task", claimed_.task.id}, {"error", e.what()}});
            }
            last = Clock::now();
            lock.lock();
        }
    }

    dom::GenerationService& generation_;
    const dom::ClaimedTask& claimed_;
    const std::string& workerId_;
    const std::chrono::milliseconds heartbeat_;
    const std::atomic<bool>& stopping_;
    std::atomic<bool> lost_{false};
    std::mutex mutex_;
    std::condition_variable wake_;
    bool done_ = false;
    int progress_ = 0;
    std::thread thread_;  // last: it starts in the constructor and uses the members above
};

}  // namespace

bool Worker::sleepUnlessStopped(int ms) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping_.load(); });
}

void Worker::stop() {
    stopping_ = true;
    std::lock_guard lock(mutex_);
    wake_.notify_all();
}

bool Worker::awaitStopped() {
    std::unique_lock lock(mutex_);
    const auto grace = std::chrono::milliseconds(options_.stopGraceMs);
    if (wake_.wait_for(lock, grace, [&] { return finished_; })) return true;
    if (claiming_) {
        // A claim in flight (a slow database) may commit yet: leaving now would strand its task
        // until the lease runs out. Let it finish; the loop then stops its generator at once.
        wake_.wait_for(lock, std::chrono::seconds(15), [&] { return finished_ || !claiming_; });
        if (finished_ || wake_.wait_for(lock, grace, [&] { return finished_; })) return true;
    }
    if (current_) {
        // The generator did not notice in time (a long HTTP call): give the task back from here.
        const auto claimed = *current_;
        lock.unlock();
        try {
            if (generation_.giveBack(claimed, options_.id))
                Log::info("task_given_back", {{"task", claimed.task.id}, {"worker", options_.id}});
        } catch (const std::exception& e) {
            Log::warn("give_back_failed", {{"task", claimed.task.id}, {"error", e.what()}});
        }
    }
    return false;
}

void Worker::runTask(const dom::ClaimedTask& claimed, double claimMs) {
    const auto started = Clock::now();
    char claimText[32];
    std::snprintf(claimText, sizeof claimText, "%.3f", claimMs);
    Log::info("task_claimed", {{"task", claimed.task.id},
                               {"photo", std::to_string(claimed.photo.id)},
                               {"attempt", std::to_string(claimed.task.attempts)},
                               {"claim_ms", claimText},
                               {"worker", options_.id}});
    dom::TaskOutcome outcome;
    try {
        Control control(generation_, claimed, options_.id, options_.heartbeatMs, stopping_);
        outcome = generation_.run(claimed, options_.id, generator_, control);
    } catch (const std::exception& e) {
        // Database or storage trouble while finishing: the task stays ours until the lease runs
        // out, and then another claim retries it.
        Log::error("task_error", {{"task", claimed.task.id}, {"error", e.what()}, {"worker", options_.id}});
        return;
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    Log::info("task_" + std::string(dom::toString(outcome)),
              {{"task", claimed.task.id},
               {"photo", std::to_string(claimed.photo.id)},
               {"outcome", std::string(dom::toString(outcome))},
               {"ms", std::to_string(ms)},
               {"worker", options_.id}});
}

int Worker::run() {
    Log::info("worker_started", {{"worker", options_.id}});
    std::int64_t done = 0;
    int failures = 0;
    while (!stopping_ && (options_.maxTasks < 0 || done < options_.maxTasks)) {
        std::optional<dom::ClaimedTask> claimed;
        const auto claimStarted = Clock::now();
        {
            std::lock_guard lock(mutex_);
            claiming_ = true;
        }
        // Set while a claim runs (awaitStopped waits for it); cleared with the claimed task in
        // current_, under one lock, so that a stop never sees neither.
        const auto claimDone = [&](std::optional<dom::ClaimedTask> task) {
            {
                std::lock_guard lock(mutex_);
                claiming_ = false;
                current_ = std::move(task);
            }
            wake_.notify_all();
        };
        try {
            claimed = generation_.claim(options_.id);
            claimDone(claimed);
            failures = 0;
        } catch (const std::exception& e) {
            claimDone(std::nullopt);
            // Database down: wait (up to 30 s between tries) and carry on when it is back.
            ++failures;
            Log::warn("claim_failed", {{"error", e.what()}, {"worker", options_.id}});
            sleepUnlessStopped(std::min(30'000, 500 << std::min(failures, 6)));
            continue;
        }
        if (!claimed) {
            sleepUnlessStopped(options_.pollMs);
            continue;
        }
        runTask(*claimed, std::chrono::duration<double, std::milli>(Clock::now() - claimStarted).count());
        {
            std::lock_guard lock(mutex_);
            current_.reset();
        }
        ++done;
    }
    {
        std::lock_guard lock(mutex_);
        finished_ = true;
    }
    wake_.notify_all();
    Log::info("worker_stopped", {{"worker", options_.id}, {"tasks", std::to_string(done)}});
    return 0;
}

}  // namespace mofang::fcgi
