#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/Errors.hpp"
#include "domain/Permissions.hpp"
#include "domain/Time.hpp"

namespace mofang::domain {

using ModelPhotoId = std::int64_t;
using ModelImageId = std::int64_t;

// The life of a generation request (SPEC §1, §7). A model photo and its task always carry the
// same status; the task's is authoritative for leases.
enum class PhotoStatus { Queued, Processing, Completed, Failed };
std::string_view toString(PhotoStatus s);
std::optional<PhotoStatus> parsePhotoStatus(std::string_view s);

// What can happen to a request.
enum class PhotoEvent {
    Claim,     // a worker takes a queued, due task
    Reclaim,   // a worker takes a processing task whose lease ran out (its worker died)
    Requeue,   // a transient failure with attempts left, or a worker shutting down: back to the queue
    Complete,  // results stored
    Fail,      // a permanent failure, or transient failures until max_attempts
    Cancel,    // the owner cancels (queued or processing)
    Retry,     // the owner retries a failed request
};
std::string_view toString(PhotoEvent e);

// The state machine: the status after `event`, or nullopt when the event is not allowed in
// `from`. Allowed: Queued –Claim→ Processing; Processing –Reclaim→ Processing;
// Processing –Requeue→ Queued; Processing –Complete→ Completed; Processing –Fail→ Failed;
// Queued|Processing –Cancel→ Failed; Failed –Retry→ Queued. Nothing leaves Completed.
std::optional<PhotoStatus> transition(PhotoStatus from, PhotoEvent event);
// As transition(), but a forbidden event is a 409 naming both.
PhotoStatus requireTransition(PhotoStatus from, PhotoEvent event);

// Seed 000 `model_photo`, made concrete.
struct ModelPhoto {
    ModelPhotoId id = 0;
    Millis createdAt = 0;
    Millis updatedAt = 0;
    UserId userId = 0;
    std::string taskId;   // UUID of its image_tasks row
    std::string batchId;  // UUID shared by a batch; "" for a single request
    std::string name;
    std::string description;
    std::string gender;    // male / female / other, or "" when not given
    std::string ageRange;  // "25-30", or ""
    std::string ethnicity;
    std::vector<std::string> styleTags;
    std::string prompt;
    std::vector<std::string> referenceImages;  // http(s) URLs or "material:<id>"
    std::string aspectRatio = "1:1";
    std::string resolution = "1K";
    std::string modelVersion;  // set by the generator on completion
    std::string negativePrompt;
    PhotoStatus status = PhotoStatus::Queued;
    int progress = 0;  // 0–100
    std::string errorCode;
    std::string errorMessage;
    std::optional<Millis> startedAt;
    std::optional<Millis> finishedAt;
    std::optional<double> generationTime;  // seconds, started → finished
    int imageCount = 1;                    // requested; on completion, the results produced
    std::uint64_t totalSize = 0;           // bytes of the results (renditions not counted)
    bool deleted = false;
    std::optional<Millis> deletedAt;
};

enum class ModelImageType { Result, Preview, Thumbnail };
std::string_view toString(ModelImageType t);
std::optional<ModelImageType> parseModelImageType(std::string_view s);

// Seed 000 `model_image`: one stored image of a photo. A result and its preview and thumbnail
// share a sort_order.
struct ModelImage {
    ModelImageId id = 0;
    Millis createdAt = 0;
    ModelPhotoId modelPhotoId = 0;
    UserId userId = 0;
    std::string filename;
    int width = 0;
    int height = 0;
    std::uint64_t size = 0;
    std::string contentType;
    std::string extension;  // ".png", ".jpg", ...
    std::string storageKey;
    std::string sha256;
    std::uint32_t crc32 = 0;
    std::string ossObjectName;  // S3/OSS only
    std::string ossUrl;
    std::string ossCdnUrl;
    std::string ossFolder;
    std::string localPath;  // with storage.local_backup
    bool isUploaded = false;
    std::optional<Millis> uploadedAt;
    ModelImageType imageType = ModelImageType::Result;
    bool isPrimary = false;
    int sortOrder = 0;
    bool deleted = false;
    std::optional<Millis> deletedAt;
};

// The generation task (seed 000 `image_task`, 1:1 with a model photo).
struct ImageTask {
    std::string id;  // UUID
    ModelPhotoId modelPhotoId = 0;
    std::string type = "model_photo";
    std::string payload;  // JSON: the generation request as built at creation
    PhotoStatus status = PhotoStatus::Queued;
    int attempts = 0;  // claims so far
    int maxAttempts = 3;
    Millis nextAttemptAt = 0;  // not claimed before
    std::string lockedBy;      // worker id while processing
    std::optional<Millis> leaseUntil;
    std::string providerTaskId;
    int progress = 0;
    std::string errorCode;
    std::string errorMessage;
    Millis createdAt = 0;
    Millis updatedAt = 0;
    std::optional<Millis> startedAt;
    std::optional<Millis> finishedAt;
};

// The record as the API shows it (seed 000 fields in camelCase, ids as strings, times RFC 3339);
// `images` are embedded when given (the detail route).
std::string modelPhotoJson(const ModelPhoto& p, const std::vector<ModelImage>* images = nullptr);
std::string modelImageJson(const ModelImage& i);

// POST /model-photos body as the transport parsed it (absent fields nullopt).
struct ModelPhotoInput {
    std::optional<std::string> name;
    std::optional<std::string> description;
    std::optional<std::string> gender;
    std::optional<std::string> ageRange;
    std::optional<std::string> ethnicity;
    std::optional<std::vector<std::string>> styleTags;
    std::optional<std::string> prompt;
    std::optional<std::string> negativePrompt;
    std::optional<std::vector<std::string>> referenceImages;
    std::optional<std::string> aspectRatio;
    std::optional<std::string> resolution;
    std::optional<std::int64_t> imageCount;
};

inline constexpr int kMaxImageCount = 8;
inline constexpr std::size_t kMaxBatchItems = 50;

// SPEC §4 validation, every broken rule into `errors` with field names prefixed by `prefix`
// ("" or "items[3]."). Returns the request's fields (ids, owner, status and times unset).
// Defaults: aspectRatio 1:1, resolution 1K, imageCount 1.
ModelPhoto validateModelPhotoInput(const ModelPhotoInput& in, FieldErrors& errors, const std::string& prefix = "");

// The pixel size asked of a generator, portrait for the non-square ratios. The long side is the
// resolution (1K = 1024, 2K = 2048, 4K = 4096), the short side that times the ratio, rounded to
// a multiple of 64:
//            1K           2K           4K
//   1:1   1024×1024   2048×2048   4096×4096
//   3:4    768×1024   1536×2048   3072×4096
//   9:16   576×1024   1152×2048   2304×4096
struct ImageSize {
    int width = 0;
    int height = 0;
};
std::optional<ImageSize> imageSizeFor(std::string_view aspectRatio, std::string_view resolution);
// "1024x1024": the OpenAI `size` parameter.
std::string sizeParameter(ImageSize s);

// The text prompt sent to a generator, built from the request's fields in this fixed layout
// (parts whose fields are empty are left out; the lines are joined with "\n"):
//   <prompt>
//   Model: <a man|a woman|a person>, aged <low> to <high> (or "aged <n>" when both are n), <ethnicity>.
//   Style: <tag>, <tag>.
//   Avoid: <negative prompt>.
// Fashion photography framing is the caller's prompt's to choose; nothing is invented here.
std::string buildGenerationPrompt(const ModelPhoto& p);

// Filters of GET /model-photos.
struct ModelPhotoQuery {
    std::optional<UserId> userId;  // nullopt: everyone's (model.read_all)
    std::optional<PhotoStatus> status;
    std::optional<std::string> gender;
    std::optional<std::string> styleTag;
    std::optional<std::string> batchId;
    std::optional<ModelPhotoId> beforeId;  // keyset: newest first
    int limit = 20;
};

// True for a canonical lower-case UUID string (8-4-4-4-12 hex).
bool isUuid(std::string_view s);

}  // namespace mofang::domain
