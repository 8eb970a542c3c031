#pragma once

#include <string>
#include <vector>

#include "domain/ModelPhoto.hpp"
#include "domain/OperationLog.hpp"
#include "domain/Ports.hpp"

namespace mofang::domain {

struct ModelPhotoDetail {
    ModelPhoto photo;
    std::vector<ModelImage> images;
};

struct ModelPhotoBatch {
    std::string batchId;
    std::vector<ModelPhoto> items;
};

// Where and how to hand out a generated image's bytes.
struct ModelImageDelivery {
    ModelImage image;
    std::string key;
    std::string contentType;
    std::string filename;
};

// Model-photo requests (SPEC §5, §7) as their owners see them: create (one, or a batch of 1–50
// sharing a batchId), list, detail, retry, cancel, delete, and the images' bytes. Creating needs
// model.generate; everything else acts on the caller's own photos, or anyone's with
// model.read_all; someone else's photo without it is a 404. Every change is logged
// (model_photo.create|retry|cancel|delete) in its own transaction.
class ModelPhotoService final {
  public:
    ModelPhotoService(Store& store, const Clock& clock, Random& random, int maxAttempts)
        : store_(store), clock_(clock), random_(random), maxAttempts_(maxAttempts) {}

    // The photo (queued, progress 0) and its task in one transaction.
    ModelPhoto create(const Principal& who, const ModelPhotoInput& input, const AuditContext& audit);
    // All or nothing: every item valid (422 naming items[i].field), then one transaction.
    ModelPhotoBatch createBatch(const Principal& who, const std::vector<ModelPhotoInput>& inputs,
                                const AuditContext& audit);
    ModelPhotoDetail get(const Principal& who, ModelPhotoId id);
    // Own photos; with model.read_all, `query.userId` may name anyone or be nullopt (all).
    std::vector<ModelPhoto> list(const Principal& who, ModelPhotoQuery query);
    // failed → queued, attempts start again; anything else → 409.
    ModelPhoto retry(const Principal& who, ModelPhotoId id, const AuditContext& audit);
    // queued or processing → failed with error_code "cancelled" (a running worker notices at its
    // next heartbeat and stores nothing); anything else → 409.
    ModelPhoto cancel(const Principal& who, ModelPhotoId id, const AuditContext& audit);
    // Soft delete of the photo and its images; a queued or processing task is cancelled with it.
    void remove(const Principal& who, ModelPhotoId id, const AuditContext& audit);
    ModelImageDelivery imageDelivery(const Principal& who, ModelImageId id);

  private:
    ModelPhoto insertOne(Repositories& r, const Principal& who, ModelPhoto photo, const AuditContext& audit,
                         Millis now);
    Store& store_;
    const Clock& clock_;
    Random& random_;
    int maxAttempts_;
};

// The photo when `who` may act on it (owner, or model.read_all), else NotFound.
ModelPhoto requireVisiblePhoto(Repositories& r, const Principal& who, ModelPhotoId id);
// The image when `who` may see its photo, else NotFound.
ModelImage requireVisibleImage(Repositories& r, const Principal& who, ModelImageId id);

}  // namespace mofang::domain
