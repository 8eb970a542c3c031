#include "domain/ModelPhotoService.hpp"

#include "domain/Errors.hpp"
#include "domain/Json.hpp"
#include "domain/Text.hpp"

namespace mofang::domain {
namespace {

// The generation request as the task records it (for operators; the worker reads the photo).
std::string taskPayload(const ModelPhoto& p) {
    const auto size = imageSizeFor(p.aspectRatio, p.resolution).value_or(ImageSize{1024, 1024});
    JsonWriter w;
    w.beginObject()
        .field("prompt", buildGenerationPrompt(p))
        .field("size", sizeParameter(size))
        .field("n", p.imageCount)
        .endObject();
    return w.take();
}

// `material:<id>` references must name live materials (422 otherwise).
void checkMaterialReferences(Repositories& r, const ModelPhoto& p, const std::string& prefix, FieldErrors& errors) {
    for (std::size_t i = 0; i < p.referenceImages.size(); ++i) {
        const auto& ref = p.referenceImages[i];
        if (ref.rfind("material:", 0) != 0) continue;
        const auto id = text::parseInteger(ref.substr(9), 1, INT64_MAX);
        if (!id || !r.materials().findById(*id))
            errors.add(prefix + "referenceImages[" + std::to_string(i) + "]", "is not a live material");
    }
}

// The photo and its task back to the queue, as new (retry).
void resetForQueue(ModelPhoto& p, ImageTask& t, Millis now) {
    p.progress = 0;
    p.errorCode.clear();
    p.errorMessage.clear();
    p.startedAt.reset();
    p.finishedAt.reset();
    p.generationTime.reset();
    p.updatedAt = now;
    t.attempts = 0;
    t.nextAttemptAt = now;
    t.lockedBy.clear();
    t.leaseUntil.reset();
    t.progress = 0;
    t.errorCode.clear();
    t.errorMessage.clear();
    t.startedAt.reset();
    t.finishedAt.reset();
    t.updatedAt = now;
}

// Cancellation of a queued or processing photo and its task (the caller checked the transition).
void cancelTask(ModelPhoto& p, ImageTask& t, Millis now, const std::string& message) {
    p.status = t.status = PhotoStatus::Failed;
    p.errorCode = t.errorCode = "cancelled";
    p.errorMessage = t.errorMessage = message;
    p.finishedAt = t.finishedAt = now;
    if (p.startedAt) p.generationTime = static_cast<double>(now - *p.startedAt) / 1000.0;
    p.updatedAt = t.updatedAt = now;
    t.lockedBy.clear();
    t.leaseUntil.reset();
}

ImageTask requireTask(Repositories& r, const ModelPhoto& p) {
    auto t = r.imageTasks().lockById(p.taskId);
    if (!t) throw DomainError(ErrorKind::Conflict, "invalid_state", "the model photo has no generation task");
    return *t;
}

}  // namespace

ModelPhoto requireVisiblePhoto(Repositories& r, const Principal& who, ModelPhotoId id) {
    auto p = r.modelPhotos().findById(id);
    if (!p) throw notFound("model photo not found");
    who.requireOwnerOr(p->userId, perm::kModelReadAll, "model photo not found");
    return *p;
}

ModelImage requireVisibleImage(Repositories& r, const Principal& who, ModelImageId id) {
    // A live image's photo is live (deleting a photo deletes its images), and the image row
    // carries the photo's owner: no second read.
    auto image = r.modelImages().findById(id);
    if (!image) throw notFound("model image not found");
    who.requireOwnerOr(image->userId, perm::kModelReadAll, "model image not found");
    return *image;
}

ModelPhoto ModelPhotoService::insertOne(Repositories& r, const Principal& who, ModelPhoto p,
                                        const AuditContext& audit, Millis now) {
    p.userId = who.id();
    p.taskId = random_.uuid();
    p.status = PhotoStatus::Queued;
    p.progress = 0;
    p.createdAt = p.updatedAt = now;
    p.id = r.modelPhotos().insert(p);

    ImageTask t;
    t.id = p.taskId;
    t.modelPhotoId = p.id;
    t.payload = taskPayload(p);
    t.status = PhotoStatus::Queued;
    t.maxAttempts = maxAttempts_;
    t.nextAttemptAt = now;
    t.createdAt = t.updatedAt = now;
    r.imageTasks().insert(t);
    r.operationLogs().append(
        makeLogEntry(audit, "model_photo.create", std::to_string(p.id), std::nullopt, modelPhotoJson(p), now));
    return p;
}

ModelPhoto ModelPhotoService::create(const Principal& who, const ModelPhotoInput& input, const AuditContext& audit) {
    who.require(perm::kModelGenerate);
    FieldErrors errors;
    auto photo = validateModelPhotoInput(input, errors);
    errors.throwIfAny();
    ModelPhoto out;
    store_.transact([&](Repositories& r) {
        FieldErrors refs;
        checkMaterialReferences(r, photo, "", refs);
        refs.throwIfAny();
        out = insertOne(r, who, photo, audit, clock_.now());
    });
    return out;
}

ModelPhotoBatch ModelPhotoService::createBatch(const Principal& who, const std::vector<ModelPhotoInput>& inputs,
                                               const AuditContext& audit) {
    who.require(perm::kModelGenerate);
    if (inputs.empty() || inputs.size() > kMaxBatchItems)
        throw validationFailed({{"items", "must hold 1 to " + std::to_string(kMaxBatchItems) + " requests"}});
    FieldErrors errors;
    std::vector<ModelPhoto> photos;
    for (std::size_t i = 0; i < inputs.size(); ++i)
        photos.push_back(validateModelPhotoInput(inputs[i], errors, "items[" + std::to_string(i) + "]."));
    errors.throwIfAny();
    ModelPhotoBatch batch;
    batch.batchId = random_.uuid();
    store_.transact([&](Repositories& r) {
        FieldErrors refs;
        for (std::size_t i = 0; i < photos.size(); ++i)
            checkMaterialReferences(r, photos[i], "items[" + std::to_string(i) + "].", refs);
        refs.throwIfAny();
        batch.items.clear();
        const Millis now = clock_.now();
        for (auto p : photos) {
            p.batchId = batch.batchId;
            batch.items.push_back(insertOne(r, who, std::move(p), audit, now));
        }
    });
    return batch;
}

ModelPhotoDetail ModelPhotoService::get(const Principal& who, ModelPhotoId id) {
    ModelPhotoDetail d;
    store_.read([&](Repositories& r) {
        d.photo = requireVisiblePhoto(r, who, id);
        d.images = r.modelImages().listByPhoto(id);
    });
    return d;
}

std::vector<ModelPhoto> ModelPhotoService::list(const Principal& who, ModelPhotoQuery query) {
    if (!who.has(perm::kModelReadAll)) {
        if (query.userId && *query.userId != who.id())
            throw forbidden("reading others' model photos needs model.read_all");
        query.userId = who.id();
    }
    std::vector<ModelPhoto> out;
    store_.read([&](Repositories& r) { out = r.modelPhotos().list(query); });
    return out;
}

ModelPhoto ModelPhotoService::retry(const Principal& who, ModelPhotoId id, const AuditContext& audit) {
    ModelPhoto next;
    store_.transact([&](Repositories& r) {
        const auto current = requireVisiblePhoto(r, who, id);
        // A retry generates again: it needs the right to generate (or to manage everyone's
        // photos). Someone else's photo is a 404 before that.
        if (!who.has(perm::kModelGenerate) && !who.has(perm::kModelReadAll))
            throw forbidden("retrying a model photo needs model.generate");
        auto task = requireTask(r, current);
        next = current;
        next.status = task.status = requireTransition(task.status, PhotoEvent::Retry);
        const Millis now = clock_.now();
        resetForQueue(next, task, now);
        r.modelPhotos().update(next);
        r.imageTasks().update(task);
        r.operationLogs().append(makeLogEntry(audit, "model_photo.retry", std::to_string(id),
                                              modelPhotoJson(current), modelPhotoJson(next), now));
    });
    return next;
}

ModelPhoto ModelPhotoService::cancel(const Principal& who, ModelPhotoId id, const AuditContext& audit) {
    ModelPhoto next;
    store_.transact([&](Repositories& r) {
        const auto current = requireVisiblePhoto(r, who, id);
        auto task = requireTask(r, current);
        requireTransition(task.status, PhotoEvent::Cancel);
        next = current;
        const Millis now = clock_.now();
        cancelTask(next, task, now, "cancelled by the user");
        r.modelPhotos().update(next);
        r.imageTasks().update(task);
        r.operationLogs().append(makeLogEntry(audit, "model_photo.cancel", std::to_string(id),
                                              modelPhotoJson(current), modelPhotoJson(next), now));
    });
    return next;
}

void ModelPhotoService::remove(const Principal& who, ModelPhotoId id, const AuditContext& audit) {
    store_.transact([&](Repositories& r) {
        const auto current = requireVisiblePhoto(r, who, id);
        const Millis now = clock_.now();
        if (auto task = r.imageTasks().lockById(current.taskId); task && transition(task->status, PhotoEvent::Cancel)) {
            auto photo = current;
            cancelTask(photo, *task, now, "the model photo was deleted");
            r.imageTasks().update(*task);
            r.modelPhotos().update(photo);
        }
        r.modelPhotos().markDeleted(id, now);
        r.operationLogs().append(makeLogEntry(audit, "model_photo.delete", std::to_string(id),
                                              modelPhotoJson(current), std::nullopt, now));
    });
}

ModelImageDelivery ModelPhotoService::imageDelivery(const Principal& who, ModelImageId id) {
    ModelImage image;
    store_.read([&](Repositories& r) { image = requireVisibleImage(r, who, id); });
    return {image, image.storageKey, image.contentType, image.filename};
}

}  // namespace mofang::domain
