#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/Material.hpp"
#include "domain/ModelPhoto.hpp"
#include "domain/OperationLog.hpp"
#include "domain/Product.hpp"
#include "domain/Selection.hpp"
#include "domain/User.hpp"

namespace mofang::domain {

class Clock {
  public:
    virtual ~Clock() = default;
    virtual Millis now() const = 0;
};

// Password hashing (argon2id), random tokens and digests.
class Crypto {
  public:
    virtual ~Crypto() = default;
    virtual std::string hashPassword(std::string_view password) const = 0;
    virtual bool verifyPassword(std::string_view hash, std::string_view password) const = 0;
    // `bytes` random bytes, base64url-encoded.
    virtual std::string randomToken(std::size_t bytes) const = 0;
    virtual std::string sha256Hex(std::string_view data) const = 0;
};

// Randomness for ids and jitter (a port, so that tests are deterministic).
class Random {
  public:
    virtual ~Random() = default;
    // A random version 4 UUID, lower case.
    virtual std::string uuid() = 0;
    // Uniform in [0, bound).
    virtual std::uint64_t below(std::uint64_t bound) = 0;
};

struct SessionRecord {
    std::string tokenHash;  // SHA-256 of the bearer token; the token itself is never stored
    std::string csrfToken;
    UserId userId = 0;
    Millis createdAt = 0;
    Millis expiresAt = 0;
    std::string ip;
    std::string userAgent;
};

struct ActiveSession {
    SessionRecord session;
    User user;
    // The catalogue version when the session was checked (see ProductService), when the store
    // reads it.
    std::optional<std::int64_t> catalogueVersion;
};

class UserRepository {
  public:
    virtual ~UserRepository() = default;
    virtual std::optional<User> findById(UserId id) = 0;
    // By username or email, case-insensitively.
    virtual std::optional<User> findByLogin(std::string_view login) = 0;
    virtual bool usernameTaken(std::string_view username) = 0;
    virtual bool emailTaken(std::string_view email, UserId exceptId) = 0;
    virtual UserId insert(const User& user) = 0;
    virtual void update(const User& user) = 0;
    // Ordered by id ascending, ids greater than `afterId`.
    virtual std::vector<User> list(std::optional<UserId> afterId, int limit) = 0;
    virtual int countActiveAdmins() = 0;
};

class SessionRepository {
  public:
    virtual ~SessionRepository() = default;
    virtual void insert(const SessionRecord& session) = 0;
    // The unexpired session with this token hash, joined with its user.
    virtual std::optional<ActiveSession> findActive(std::string_view tokenHash, Millis now) = 0;
    virtual void remove(std::string_view tokenHash) = 0;
    // Removes every session of the user, but the one with `keepTokenHash` when given.
    virtual void removeAllOfUser(UserId userId, std::optional<std::string> keepTokenHash) = 0;
    virtual void removeExpired(Millis now) = 0;
};

class LoginFailureRepository {
  public:
    virtual ~LoginFailureRepository() = default;
    virtual void record(std::string_view loginKey, Millis at) = 0;
    // Failure times at or after `since`, ascending.
    virtual std::vector<Millis> since(std::string_view loginKey, Millis since) = 0;
    virtual void clear(std::string_view loginKey) = 0;
};

class OperationLogRepository {
  public:
    virtual ~OperationLogRepository() = default;
    virtual void append(const OperationLogEntry& entry) = 0;
    // Newest first.
    virtual std::vector<OperationLogEntry> list(const OperationLogQuery& query) = 0;
};

class ProductRepository {
  public:
    virtual ~ProductRepository() = default;
    // Live products only (soft-deleted ones do not exist for readers).
    virtual std::optional<Product> findById(ProductId id) = 0;
    virtual std::optional<Product> findBySpu(std::string_view spuCode) = 0;
    // Case-insensitive, soft-deleted products included (their codes stay reserved).
    virtual bool spuTaken(std::string_view spuCode, ProductId exceptId) = 0;
    virtual ProductId insert(const Product& product) = 0;
    // Updates the row and replaces its scenario/style tags.
    virtual void update(const Product& product) = 0;
    virtual void markDeleted(ProductId id, Millis at) = 0;
    // One page in the query's order after its cursor (at most query.limit rows).
    virtual std::vector<Product> list(const ProductQuery& query) = 0;
    // Counts per value of each kind under the filter, each kind ignoring its own filter.
    virtual ProductFacets facets(const ProductFilter& filter) = 0;
};

class ModuleRepository {
  public:
    virtual ~ModuleRepository() = default;
    virtual std::optional<MaterialModule> findById(ModuleId id) = 0;
    // In display order (order, then id).
    virtual std::vector<MaterialModule> listByProduct(ProductId productId) = 0;
    virtual bool slotTaken(ProductId productId, std::string_view type, std::string_view subType,
                           ModuleId exceptId) = 0;
    virtual ModuleId insert(const MaterialModule& module) = 0;
    virtual void update(const MaterialModule& module) = 0;
    virtual void remove(ModuleId id) = 0;
};

class MaterialRepository {
  public:
    virtual ~MaterialRepository() = default;
    // Not soft-deleted (the module's and product's liveness is the caller's to check).
    virtual std::optional<Material> findById(MaterialId id) = 0;
    // Live materials of a module in display order (order, then id).
    virtual std::vector<Material> listByModule(ModuleId moduleId) = 0;
    // Live materials of several modules, each module's in display order.
    virtual std::vector<Material> listByModules(const std::vector<ModuleId>& moduleIds) = 0;
    // The highest order among the module's live materials, or 0 when it has none.
    virtual int maxOrder(ModuleId moduleId) = 0;
    virtual MaterialId insert(const Material& material) = 0;
    // Filename and order.
    virtual void update(const Material& material) = 0;
    virtual void markDeleted(MaterialId id, Millis at) = 0;
    virtual void markDeletedByModule(ModuleId moduleId, Millis at) = 0;
};

// Which blob keys rows still need. A writer pins a key (in its own committed transaction) before
// it publishes the blob and unpins it in the transaction that inserts the referencing row, so a
// concurrent garbage collection never takes a blob that is about to be referenced.
class BlobReferenceRepository {
  public:
    virtual ~BlobReferenceRepository() = default;
    virtual std::int64_t pin(const std::string& key, Millis at) = 0;
    virtual void unpin(std::int64_t pinId) = 0;
    // Pins older than `before` (their writers are long gone).
    virtual std::size_t removePinsBefore(Millis before) = 0;
    // True when a pin or a row holds the key: a live row, or a row soft-deleted at or after
    // `deletedSince` (which keeps its blobs for the retention period).
    virtual bool isReferenced(const std::string& key, Millis deletedSince) = 0;
    // Every key isReferenced() would hold, in one consistent read.
    virtual std::vector<std::string> referencedKeys(Millis deletedSince) = 0;
};

class SelectionRepository {
  public:
    virtual ~SelectionRepository() = default;
    virtual std::optional<Selection> findById(SelectionId id) = 0;
    // Newest first (by id), ids below query.beforeId.
    virtual std::vector<Selection> list(const SelectionQuery& query) = 0;
    virtual SelectionId insert(const Selection& selection) = 0;
    // Replaces the items and updatedAt.
    virtual void update(const Selection& selection) = 0;
    virtual void remove(SelectionId id) = 0;
};

class DownloadRepository {
  public:
    virtual ~DownloadRepository() = default;
    virtual DownloadId insert(const DownloadRecord& record) = 0;
    // Newest first (by id).
    virtual std::vector<DownloadRecord> list(const DownloadQuery& query) = 0;
};

class ModelPhotoRepository {
  public:
    virtual ~ModelPhotoRepository() = default;
    // Not soft-deleted.
    virtual std::optional<ModelPhoto> findById(ModelPhotoId id) = 0;
    // Newest first (by id) under the query's filters, ids below query.beforeId, not soft-deleted.
    virtual std::vector<ModelPhoto> list(const ModelPhotoQuery& query) = 0;
    // Inserts the row and its style-tag index rows.
    virtual ModelPhotoId insert(const ModelPhoto& photo) = 0;
    // Every column that changes after creation: status, progress, modelVersion, errorCode,
    // errorMessage, startedAt, finishedAt, generationTime, imageCount, totalSize, updatedAt.
    virtual void update(const ModelPhoto& photo) = 0;
    // Soft-deletes the photo and its images.
    virtual void markDeleted(ModelPhotoId id, Millis at) = 0;
};

class ModelImageRepository {
  public:
    virtual ~ModelImageRepository() = default;
    // Not soft-deleted.
    virtual std::optional<ModelImage> findById(ModelImageId id) = 0;
    // The photo's live images by sort_order, then result, preview, thumbnail.
    virtual std::vector<ModelImage> listByPhoto(ModelPhotoId photoId) = 0;
    virtual ModelImageId insert(const ModelImage& image) = 0;
};

// Generation tasks: the queue the workers claim from.
class ImageTaskRepository {
  public:
    virtual ~ImageTaskRepository() = default;
    virtual void insert(const ImageTask& task) = 0;
    virtual std::optional<ImageTask> findByPhoto(ModelPhotoId photoId) = 0;
    // The task, locked until the transaction ends (FOR UPDATE on MySQL; SQLite's write
    // transaction already excludes other writers).
    virtual std::optional<ImageTask> lockById(const std::string& id) = 0;
    // The next due task, locked until the transaction ends and skipped by concurrent claimers
    // (FOR UPDATE SKIP LOCKED on MySQL): a processing task whose lease ran out (lease_until <
    // now) first, else the queued task with the earliest next_attempt_at ≤ now.
    virtual std::optional<ImageTask> lockNextDue(Millis now) = 0;
    // Every column that changes after creation.
    virtual void update(const ImageTask& task) = 0;
    // As update(), but only while the stored task is still processing and locked by `workerId`
    // (compare and set, one statement; the row stays locked until the transaction ends). False
    // when it is not: cancelled, deleted, completed or taken over by another worker.
    virtual bool updateIfHeld(const ImageTask& task, const std::string& workerId) = 0;
};

// The repositories of one database session.
class Repositories {
  public:
    virtual ~Repositories() = default;
    virtual UserRepository& users() = 0;
    virtual SessionRepository& sessions() = 0;
    virtual LoginFailureRepository& loginFailures() = 0;
    virtual OperationLogRepository& operationLogs() = 0;
    virtual ProductRepository& products() = 0;
    virtual ModuleRepository& modules() = 0;
    virtual MaterialRepository& materials() = 0;
    virtual BlobReferenceRepository& blobReferences() = 0;
    virtual SelectionRepository& selections() = 0;
    virtual DownloadRepository& downloads() = 0;
    virtual ModelPhotoRepository& modelPhotos() = 0;
    virtual ModelImageRepository& modelImages() = 0;
    virtual ImageTaskRepository& imageTasks() = 0;
};

// Units of work. `transact` runs `work` in one transaction: all of it is committed or none
// (an operation-log write that fails rolls back the change it records). `read` runs without one.
// Both translate database failures into domain errors (unavailable → 503, duplicate → 409).
class Store {
  public:
    virtual ~Store() = default;
    virtual void transact(const std::function<void(Repositories&)>& work) = 0;
    virtual void read(const std::function<void(Repositories&)>& work) = 0;

    // The session check that runs on every authenticated request; implementations may keep it
    // prepared. Same result as sessions().findActive() in read().
    virtual std::optional<ActiveSession> findActiveSession(std::string_view tokenHash, Millis now) {
        std::optional<ActiveSession> found;
        read([&](Repositories& r) { found = r.sessions().findActive(tokenHash, now); });
        return found;
    }
};

}  // namespace mofang::domain
