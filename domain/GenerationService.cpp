#include "domain/GenerationService.hpp"

#include <algorithm>
#include <memory>

#include "domain/BlobPins.hpp"
#include "domain/Errors.hpp"
#include "domain/ImageProbe.hpp"
#include "domain/Text.hpp"

namespace mofang::domain {
namespace {

void finishTimes(ModelPhoto& p, ImageTask& t, Millis now) {
    p.finishedAt = t.finishedAt = now;
    if (p.startedAt) p.generationTime = static_cast<double>(now - *p.startedAt) / 1000.0;
    p.updatedAt = t.updatedAt = now;
    t.leaseUntil.reset();
}

// Fails a task and its photo with `code` through `event` (Fail, or Cancel for a queued task).
void failBoth(ModelPhoto& p, ImageTask& t, const std::string& code, const std::string& message, Millis now,
              PhotoEvent event = PhotoEvent::Fail) {
    p.status = t.status = requireTransition(t.status, event);
    p.errorCode = t.errorCode = code;
    p.errorMessage = t.errorMessage = message;
    finishTimes(p, t, now);
}

// One stored image being prepared: its blob (finished, unpublished) and its row.
struct StagedImage {
    std::unique_ptr<BlobWriter> blob;
    ModelImage row;
};

// "<worker id>#<8 hex digits>": what a claim writes into locked_by.
std::string claimToken(const std::string& workerId, Random& random) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string token = workerId.substr(0, kMaxWorkerIdLength) + "#";
    const auto bits = random.below(std::uint64_t{1} << 32);
    for (int shift = 28; shift >= 0; shift -= 4) token += kHex[(bits >> shift) & 15];
    return token;
}

// Text from a generator (codes, messages, model names, request ids) as the columns hold it: valid
// UTF-8 (other bytes become '?'), no control characters, at most `maxBytes`.
std::string columnText(std::string_view raw, std::size_t maxBytes) {
    std::string s(raw);
    if (!text::isValidUtf8(s))
        for (auto& c : s)
            if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    for (auto& c : s)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    return text::truncateUtf8(s, maxBytes);
}

// True when `claimed` is a claim of `workerId` (its token starts with the id).
bool claimOf(const ClaimedTask& claimed, const std::string& workerId) {
    const auto& token = claimed.task.lockedBy;
    return token.size() > workerId.size() && token.compare(0, workerId.size(), workerId) == 0 &&
           token[workerId.size()] == '#';
}

std::string baseName(ModelPhotoId photoId, int n) {
    return "model-" + std::to_string(photoId) + "-" + std::to_string(n);
}

}  // namespace

std::string_view toString(TaskOutcome o) {
    switch (o) {
        case TaskOutcome::Completed:
            return "completed";
        case TaskOutcome::Requeued:
            return "requeued";
        case TaskOutcome::Failed:
            return "failed";
        case TaskOutcome::Lost:
            return "lost";
        case TaskOutcome::GivenBack:
            return "given_back";
    }
    return "?";
}

Millis GenerationService::backoffDelay(const WorkerPolicy& policy, int attempts) {
    Millis delay = policy.backoffBase;
    for (int i = 1; i < attempts && delay < policy.backoffMax; ++i) delay *= 2;
    return std::min(delay, policy.backoffMax);
}

std::optional<ClaimedTask> GenerationService::claim(const std::string& workerId) {
    // A reclaimed task that used up its attempts fails here and the next one is tried; the bound
    // keeps one call short even when many such tasks pile up.
    for (int round = 0; round < 16; ++round) {
        std::optional<ClaimedTask> claimed;
        bool retired = false;
        store_.transact([&](Repositories& r) {
            claimed.reset();
            retired = false;
            const Millis now = clock_.now();
            auto t = r.imageTasks().lockNextDue(now);
            if (!t) return;
            auto photo = r.modelPhotos().findById(t->modelPhotoId);
            const bool reclaim = t->status == PhotoStatus::Processing;
            if (!photo || (reclaim && t->attempts >= t->maxAttempts)) {
                // Its photo was deleted (delete cancels the task, so only a broken row gets here),
                // or every attempt so far ended with a dead worker.
                ModelPhoto p = photo.value_or(ModelPhoto{});
                if (photo)
                    failBoth(p, *t, "worker_lost",
                             "the task's worker stopped answering " + std::to_string(t->attempts) + " times", now);
                else
                    failBoth(p, *t, "cancelled", "the model photo is gone", now, PhotoEvent::Cancel);
                r.imageTasks().update(*t);
                if (photo) r.modelPhotos().update(p);
                retired = true;
                return;
            }
            t->status = requireTransition(t->status, reclaim ? PhotoEvent::Reclaim : PhotoEvent::Claim);
            t->attempts += 1;
            // Unique per claim, so that two workers that were given the same id (a shared
            // worker.id, containers with one hostname) still never pass each other's checks.
            t->lockedBy = claimToken(workerId, random_);
            t->leaseUntil = now + policy_.lease;
            t->progress = 0;
            if (!t->startedAt) t->startedAt = now;
            t->updatedAt = now;
            photo->status = t->status;
            photo->progress = 0;
            if (!photo->startedAt) photo->startedAt = now;
            photo->updatedAt = now;
            r.imageTasks().update(*t);
            r.modelPhotos().update(*photo);
            claimed = ClaimedTask{*t, *photo};
        });
        if (!retired) return claimed;
    }
    return std::nullopt;
}

// Heartbeat, give-back, failure and completion change a task only while it is still ours: one
// compare-and-set (updateIfHeld) that also locks the row for the rest of the transaction. The
// claimed copy of task and photo is current while the task is ours: every other change (cancel,
// delete, retry, a takeover) changes the task first, and then the compare-and-set fails.

bool GenerationService::heartbeat(const ClaimedTask& claimed, const std::string& workerId, int progress) {
    if (!claimOf(claimed, workerId)) return false;
    bool ours = false;
    store_.transact([&](Repositories& r) {
        const Millis now = clock_.now();
        auto t = claimed.task;
        t.leaseUntil = now + policy_.lease;
        t.progress = std::clamp(progress, 0, 99);
        t.updatedAt = now;
        ours = r.imageTasks().updateIfHeld(t, claimed.task.lockedBy);
        if (!ours) return;
        auto p = claimed.photo;
        p.progress = t.progress;
        p.updatedAt = now;
        r.modelPhotos().update(p);
    });
    return ours;
}

bool GenerationService::giveBack(const ClaimedTask& claimed, const std::string& workerId) {
    if (!claimOf(claimed, workerId)) return false;
    bool ours = false;
    store_.transact([&](Repositories& r) {
        const Millis now = clock_.now();
        auto t = claimed.task;
        t.status = requireTransition(t.status, PhotoEvent::Requeue);
        t.attempts = std::max(0, t.attempts - 1);
        t.lockedBy.clear();
        t.leaseUntil.reset();
        t.nextAttemptAt = now;
        t.progress = 0;
        t.updatedAt = now;
        ours = r.imageTasks().updateIfHeld(t, claimed.task.lockedBy);
        if (!ours) return;
        auto p = claimed.photo;
        p.status = t.status;
        p.progress = 0;
        p.updatedAt = now;
        r.modelPhotos().update(p);
    });
    return ours;
}

TaskOutcome GenerationService::failAttempt(const ClaimedTask& claimed, const std::string& workerId, bool transient,
                                           const std::string& rawCode, const std::string& rawMessage) {
    if (!claimOf(claimed, workerId)) return TaskOutcome::Lost;
    const auto code = columnText(rawCode, 64);
    const auto message = columnText(rawMessage, 2000);
    TaskOutcome outcome = TaskOutcome::Lost;
    store_.transact([&](Repositories& r) {
        const Millis now = clock_.now();
        auto t = claimed.task;
        auto photo = claimed.photo;
        if (transient && t.attempts < t.maxAttempts) {
            const Millis delay = backoffDelay(policy_, t.attempts);
            const Millis jitter = static_cast<Millis>(random_.below(static_cast<std::uint64_t>(delay / 2 + 1)));
            t.status = requireTransition(t.status, PhotoEvent::Requeue);
            t.nextAttemptAt = now + delay + jitter;
            t.lockedBy.clear();
            t.leaseUntil.reset();
            t.progress = 0;
            // The last error stays on the task for operators; the photo only shows final failures.
            t.errorCode = code;
            t.errorMessage = message;
            t.updatedAt = now;
            photo.status = t.status;
            photo.progress = 0;
            photo.updatedAt = now;
            outcome = TaskOutcome::Requeued;
        } else if (transient) {
            failBoth(photo, t, "upstream_unavailable",
                     "the generator failed " + std::to_string(t.attempts) + " times; last error: " + code + ": " +
                         message,
                     now);
            outcome = TaskOutcome::Failed;
        } else {
            failBoth(photo, t, code, message, now);
            outcome = TaskOutcome::Failed;
        }
        if (!r.imageTasks().updateIfHeld(t, claimed.task.lockedBy)) {
            outcome = TaskOutcome::Lost;
            return;
        }
        r.modelPhotos().update(photo);
    });
    return outcome;
}

TaskOutcome GenerationService::complete(const ClaimedTask& claimed, const std::string& workerId,
                                        const GenerationResult& result) {
    if (!claimOf(claimed, workerId)) return TaskOutcome::Lost;
    const ModelPhotoId photoId = claimed.photo.id;
    const UserId owner = claimed.photo.userId;

    // 1. Every image into the store, unpublished, with its renditions: an image the renderer
    // cannot decode fails the attempt before anything becomes visible.
    std::vector<StagedImage> staged;
    int n = 0;
    for (const auto& image : result.images) {
        ++n;
        ImageProbe probe;
        probe.feed(image.bytes.data(), image.bytes.size());
        probe.finish();
        if (probe.state() != ImageProbe::State::Known)
            throw GeneratorError(false, "invalid_output",
                                 "image " + std::to_string(n) + " from the generator is not a JPEG, PNG, WebP or GIF");
        StagedImage res;
        res.blob = blobs_.create();
        res.blob->write(image.bytes.data(), image.bytes.size());
        const auto& info = res.blob->finish();
        res.row.imageType = ModelImageType::Result;
        res.row.filename = baseName(photoId, n) + std::string(extension(probe.format()));
        res.row.width = static_cast<int>(probe.width());
        res.row.height = static_cast<int>(probe.height());
        res.row.size = info.size;
        res.row.contentType = std::string(mimeType(probe.format()));
        res.row.extension = std::string(extension(probe.format()));
        res.row.isPrimary = n == 1;
        if (backup_) res.row.localPath = backup_->save(res.blob->stagedPath(), claimed.task.id + "/" + res.row.filename);

        Rendition previewImage, thumbnailImage;
        try {
            previewImage = renderer_.render(res.blob->stagedPath(), RenditionKind::Preview);
        } catch (const DomainError& e) {
            if (e.kind() != ErrorKind::UnsupportedMediaType) throw;
            throw GeneratorError(false, "invalid_output",
                                 "image " + std::to_string(n) + " from the generator cannot be decoded: " + e.what());
        }
        StagedImage preview, thumbnail;
        preview.blob = blobs_.create();
        preview.blob->write(previewImage.bytes.data(), previewImage.bytes.size());
        preview.blob->finish();
        thumbnailImage = renderer_.render(preview.blob->stagedPath(), RenditionKind::Thumbnail);
        thumbnail.blob = blobs_.create();
        thumbnail.blob->write(thumbnailImage.bytes.data(), thumbnailImage.bytes.size());
        thumbnail.blob->finish();
        const auto rendition = [&](StagedImage& s, const Rendition& img, ModelImageType type, const char* suffix) {
            s.row.imageType = type;
            s.row.filename = baseName(photoId, n) + suffix + ".jpg";
            s.row.width = img.width;
            s.row.height = img.height;
            s.row.size = s.blob->finish().size;
            s.row.contentType = "image/jpeg";
            s.row.extension = ".jpg";
        };
        rendition(preview, previewImage, ModelImageType::Preview, "-preview");
        rendition(thumbnail, thumbnailImage, ModelImageType::Thumbnail, "-thumbnail");
        for (auto* s : {&res, &preview, &thumbnail}) {
            const auto& i = s->blob->finish();
            s->row.modelPhotoId = photoId;
            s->row.userId = owner;
            s->row.storageKey = i.key;
            s->row.sha256 = i.sha256;
            s->row.crc32 = i.crc32;
            s->row.sortOrder = n;
        }
        staged.push_back(std::move(res));
        staged.push_back(std::move(preview));
        staged.push_back(std::move(thumbnail));
    }

    // 2. Pin, publish (with S3 this is the upload), then one transaction for every row and the
    // completion, conditional on the task still being ours.
    std::vector<std::string> keys;
    for (auto& s : staged) keys.push_back(s.blob->finish().key);
    const auto pins = pinBlobKeys(store_, keys, clock_.now());
    const Millis retainSince = clock_.now() - static_cast<Millis>(policy_.retainDays) * 24 * 3600 * 1000;
    TaskOutcome outcome = TaskOutcome::Lost;
    try {
        for (auto& s : staged) {
            s.blob->publish();
            if (const auto where = blobs_.objectLocation(s.row.storageKey)) {
                s.row.ossObjectName = where->objectName;
                s.row.ossUrl = where->url;
                s.row.ossCdnUrl = where->cdnUrl;
                s.row.ossFolder = where->folder;
                s.row.isUploaded = true;
                s.row.uploadedAt = clock_.now();
            }
        }
        store_.transact([&](Repositories& r) {
            const Millis now = clock_.now();
            auto t = claimed.task;
            auto photo = claimed.photo;
            photo.status = t.status = requireTransition(t.status, PhotoEvent::Complete);
            photo.progress = t.progress = 100;
            photo.errorCode.clear();
            photo.errorMessage.clear();
            t.errorCode.clear();
            t.errorMessage.clear();
            t.providerTaskId = columnText(result.providerTaskId, 128);
            finishTimes(photo, t, now);
            // First the compare-and-set: from here the task is ours until the commit.
            if (!r.imageTasks().updateIfHeld(t, claimed.task.lockedBy)) {
                outcome = TaskOutcome::Lost;
                return;
            }
            std::uint64_t total = 0;
            int results = 0;
            for (auto& s : staged) {
                s.row.createdAt = now;
                s.row.id = r.modelImages().insert(s.row);
                if (s.row.imageType == ModelImageType::Result) {
                    total += s.row.size;
                    ++results;
                }
            }
            photo.modelVersion = columnText(result.modelVersion, 64);
            photo.imageCount = results;
            photo.totalSize = total;
            r.modelPhotos().update(photo);
            for (const auto& pin : pins) r.blobReferences().unpin(pin.first);
            outcome = TaskOutcome::Completed;
        });
    } catch (...) {
        releaseBlobPins(store_, blobs_, pins, retainSince);
        throw;
    }
    if (outcome != TaskOutcome::Completed) releaseBlobPins(store_, blobs_, pins, retainSince);
    return outcome;
}

TaskOutcome GenerationService::run(const ClaimedTask& claimed, const std::string& workerId, Generator& generator,
                                   GenerationControl& control) {
    const auto& p = claimed.photo;
    const auto size = imageSizeFor(p.aspectRatio, p.resolution).value_or(ImageSize{1024, 1024});
    GenerationRequest request;
    request.taskId = claimed.task.id;
    request.prompt = buildGenerationPrompt(p);
    request.width = size.width;
    request.height = size.height;
    request.count = std::max(1, p.imageCount);

    GenerationResult result;
    try {
        result = generator.generate(request, control);
    } catch (const GenerationStopped&) {
        // Stopped because the task is no longer ours (nothing to do) or the worker is stopping.
        return giveBack(claimed, workerId) ? TaskOutcome::GivenBack : TaskOutcome::Lost;
    } catch (const GeneratorError& e) {
        return failAttempt(claimed, workerId, e.transient(), e.code(), e.what());
    }
    if (result.images.empty()) return failAttempt(claimed, workerId, false, "invalid_output", "the generator returned no images");
    if (control.stopRequested()) return giveBack(claimed, workerId) ? TaskOutcome::GivenBack : TaskOutcome::Lost;
    try {
        return complete(claimed, workerId, result);
    } catch (const GeneratorError& e) {
        return failAttempt(claimed, workerId, e.transient(), e.code(), e.what());
    } catch (const DomainError& e) {
        if (e.kind() != ErrorKind::Unavailable) throw;
        // Storage or database down while storing: another attempt later (if the database is
        // still down, failAttempt throws too, and the lease brings the task back).
        return failAttempt(claimed, workerId, true, "unavailable", e.what());
    } catch (const std::exception& e) {
        // Anything else would fail again the same way: a permanent failure with the reason,
        // rather than a task that waits for its lease and is generated again.
        return failAttempt(claimed, workerId, false, "internal_error", e.what());
    }
}

}  // namespace mofang::domain
