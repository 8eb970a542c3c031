#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/Generator.hpp"
#include "domain/ModelPhoto.hpp"
#include "domain/Ports.hpp"
#include "domain/Renditions.hpp"
#include "domain/Storage.hpp"

namespace mofang::domain {

// A worker id is at most this long (locked_by adds a per-claim suffix).
inline constexpr std::size_t kMaxWorkerIdLength = 100;

// A task a worker holds, with its photo as of the claim; task.lockedBy is this claim's token.
struct ClaimedTask {
    ImageTask task;
    ModelPhoto photo;
};

struct WorkerPolicy {
    Millis lease = 60'000;          // a claim or heartbeat holds the task this long
    Millis backoffBase = 2'000;     // transient failure n waits base·2^(n−1) plus up to 50 % jitter
    Millis backoffMax = 300'000;    // ... but never longer than this
    int retainDays = 30;            // gc.retain_days (which blobs a failed store may remove)
};

enum class TaskOutcome {
    Completed,  // results stored, photo completed
    Requeued,   // a transient failure with attempts left: due again after a backoff
    Failed,     // a permanent failure, or the last attempt failed
    Lost,       // cancelled, deleted or reclaimed meanwhile: nothing stored
    GivenBack,  // the worker is stopping: back to the queue, the attempt not counted
};
std::string_view toString(TaskOutcome o);

// The worker's side of generation (SPEC §7), over the ports: claim a due task under a lease,
// keep the lease while generating, then either store every image (result, preview and thumbnail
// through the storage port) and complete the photo and its task in one transaction, or requeue
// or fail it. Every state change is conditional on the task still being this worker's
// (processing, locked_by = worker): a task is never completed twice, and a worker that lost its
// task (cancel, delete, lease expiry) stores nothing.
class GenerationService final {
  public:
    GenerationService(Store& store, BlobStore& blobs, const ImageRenderer& renderer, const Clock& clock,
                      Random& random, WorkerPolicy policy, FileBackup* backup = nullptr)
        : store_(store),
          blobs_(blobs),
          renderer_(renderer),
          clock_(clock),
          random_(random),
          policy_(policy),
          backup_(backup) {}

    // Claims the next due task for `workerId` (processing, lease, attempts + 1, started_at on the
    // first claim), or nullopt when none is due. A reclaimed task that already used all its
    // attempts fails (`worker_lost`) instead and the next one is tried.
    std::optional<ClaimedTask> claim(const std::string& workerId);
    // Renews the lease and records progress; false when the task is no longer this worker's.
    bool heartbeat(const ClaimedTask& claimed, const std::string& workerId, int progress);
    // Back to the queue without counting the attempt (the worker is shutting down).
    bool giveBack(const ClaimedTask& claimed, const std::string& workerId);
    // Runs a claimed task to its end with `generator`; `control` is passed to the generator (it
    // reports progress and says when to stop).
    TaskOutcome run(const ClaimedTask& claimed, const std::string& workerId, Generator& generator,
                    GenerationControl& control);
    // Stores the images and completes the task in one transaction; Lost when the task is no longer
    // this worker's (the blobs this call wrote and nothing else needs are removed again).
    // Throws GeneratorError (permanent, "invalid_output") when an image cannot be decoded.
    TaskOutcome complete(const ClaimedTask& claimed, const std::string& workerId, const GenerationResult& result);
    // After a generator failure: requeue with backoff (transient, attempts left) or fail.
    TaskOutcome failAttempt(const ClaimedTask& claimed, const std::string& workerId, bool transient,
                            const std::string& code, const std::string& message);

    // The backoff before attempt `attempts + 1` after `attempts` failed ones (without jitter).
    static Millis backoffDelay(const WorkerPolicy& policy, int attempts);

  private:
    Store& store_;
    BlobStore& blobs_;
    const ImageRenderer& renderer_;
    const Clock& clock_;
    Random& random_;
    WorkerPolicy policy_;
    FileBackup* backup_;
};

}  // namespace mofang::domain
