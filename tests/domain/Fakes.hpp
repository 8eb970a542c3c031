#pragma once

// In-memory fakes of the domain ports, for the service tests. They keep the contracts that
// Ports.hpp states (case-insensitive logins, unexpired sessions joined with their user,
// all-or-nothing transactions) and nothing more.

#include <algorithm>
#include <map>
#include <stdexcept>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "domain/Errors.hpp"
#include "domain/Ports.hpp"
#include "domain/Text.hpp"

namespace mofang::test {

using namespace mofang::domain;

inline std::string lowerAscii(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Starts at a fixed instant; tests move it by hand.
struct FakeClock final : Clock {
    Millis t = 1795325050123;  // 2026-11-22T05:24:10.123Z
    Millis now() const override { return t; }
    void advance(Millis ms) { t += ms; }
};

// Transparent stand-ins: a "hash" is "h:" + password, a "digest" is "sha:" + data, and
// tokens come from a counter, so tests can predict every value.
struct FakeCrypto final : Crypto {
    mutable int counter = 0;
    std::string hashPassword(std::string_view password) const override {
        return "h:" + std::string(password);
    }
    bool verifyPassword(std::string_view hash, std::string_view password) const override {
        return hash == "h:" + std::string(password);
    }
    std::string randomToken(std::size_t bytes) const override {
        return "token" + std::to_string(++counter) + "x" + std::to_string(bytes);
    }
    std::string sha256Hex(std::string_view data) const override { return "sha:" + std::string(data); }
};

// Everything the fake database holds; copied whole for a transaction's rollback.
struct StoreState {
    std::map<UserId, User> users;
    UserId nextUserId = 1;
    std::vector<SessionRecord> sessions;
    std::map<std::string, std::vector<Millis>> loginFailures;
    std::vector<OperationLogEntry> logs;
    std::int64_t nextLogId = 1;
    std::map<ProductId, Product> products;  // soft-deleted ones included (deleted = true)
    ProductId nextProductId = 1;
    std::map<ModuleId, MaterialModule> modules;
    ModuleId nextModuleId = 1;
    std::map<MaterialId, Material> materials;  // soft-deleted ones included
    MaterialId nextMaterialId = 1;
    std::map<std::int64_t, std::pair<std::string, Millis>> pins;
    std::int64_t nextPinId = 1;
    std::map<SelectionId, Selection> selections;
    SelectionId nextSelectionId = 1;
    std::map<DownloadId, DownloadRecord> downloads;
    DownloadId nextDownloadId = 1;
    std::map<ModelPhotoId, ModelPhoto> modelPhotos;  // soft-deleted ones included
    ModelPhotoId nextModelPhotoId = 1;
    std::map<ModelImageId, ModelImage> modelImages;  // soft-deleted ones included
    ModelImageId nextModelImageId = 1;
    std::map<std::string, ImageTask> imageTasks;  // by task id (UUID)
    int productListReads = 0;                     // ProductRepository::list calls
    int productFacetReads = 0;                    // ProductRepository::facets calls
};

struct FakeUsers final : UserRepository {
    explicit FakeUsers(StoreState& s) : state(s) {}
    StoreState& state;

    std::optional<User> findById(UserId id) override {
        const auto it = state.users.find(id);
        if (it == state.users.end()) return std::nullopt;
        return it->second;
    }
    std::optional<User> findByLogin(std::string_view login) override {
        const auto key = lowerAscii(login);
        for (const auto& [id, u] : state.users)
            if (lowerAscii(u.username) == key || lowerAscii(u.email) == key) return u;
        return std::nullopt;
    }
    bool usernameTaken(std::string_view username) override {
        const auto key = lowerAscii(username);
        return std::any_of(state.users.begin(), state.users.end(),
                           [&](const auto& entry) { return lowerAscii(entry.second.username) == key; });
    }
    bool emailTaken(std::string_view email, UserId exceptId) override {
        const auto key = lowerAscii(email);
        return std::any_of(state.users.begin(), state.users.end(), [&](const auto& entry) {
            return entry.first != exceptId && lowerAscii(entry.second.email) == key;
        });
    }
    UserId insert(const User& user) override {
        User stored = user;
        stored.id = state.nextUserId++;
        state.users[stored.id] = stored;
        return stored.id;
    }
    void update(const User& user) override {
        if (state.users.count(user.id) == 0) throw notFound("user not found");
        state.users[user.id] = user;
    }
    std::vector<User> list(std::optional<UserId> afterId, int limit) override {
        std::vector<User> out;
        for (const auto& [id, u] : state.users)
            if ((!afterId || id > *afterId) && static_cast<int>(out.size()) < limit) out.push_back(u);
        return out;
    }
    int countActiveAdmins() override {
        return static_cast<int>(std::count_if(state.users.begin(), state.users.end(), [](const auto& entry) {
            return entry.second.role == Role::Admin && entry.second.status == UserStatus::Active;
        }));
    }
};

struct FakeSessions final : SessionRepository {
    explicit FakeSessions(StoreState& s) : state(s) {}
    StoreState& state;

    void insert(const SessionRecord& session) override { state.sessions.push_back(session); }
    std::optional<ActiveSession> findActive(std::string_view tokenHash, Millis now) override {
        for (const auto& s : state.sessions) {
            if (s.tokenHash != tokenHash || s.expiresAt <= now) continue;
            const auto user = state.users.find(s.userId);
            if (user == state.users.end()) return std::nullopt;
            return ActiveSession{s, user->second, std::nullopt};
        }
        return std::nullopt;
    }
    void remove(std::string_view tokenHash) override {
        std::erase_if(state.sessions, [&](const SessionRecord& s) { return s.tokenHash == tokenHash; });
    }
    void removeAllOfUser(UserId userId, std::optional<std::string> keepTokenHash) override {
        std::erase_if(state.sessions, [&](const SessionRecord& s) {
            return s.userId == userId && (!keepTokenHash || s.tokenHash != *keepTokenHash);
        });
    }
    void removeExpired(Millis now) override {
        std::erase_if(state.sessions, [&](const SessionRecord& s) { return s.expiresAt <= now; });
    }
};

struct FakeLoginFailures final : LoginFailureRepository {
    explicit FakeLoginFailures(StoreState& s) : state(s) {}
    StoreState& state;

    void record(std::string_view loginKey, Millis at) override {
        state.loginFailures[std::string(loginKey)].push_back(at);
    }
    std::vector<Millis> since(std::string_view loginKey, Millis from) override {
        std::vector<Millis> out;
        const auto it = state.loginFailures.find(std::string(loginKey));
        if (it != state.loginFailures.end())
            for (const Millis t : it->second)
                if (t >= from) out.push_back(t);
        std::sort(out.begin(), out.end());
        return out;
    }
    void clear(std::string_view loginKey) override { state.loginFailures.erase(std::string(loginKey)); }
};

struct FakeOperationLogs final : OperationLogRepository {
    FakeOperationLogs(StoreState& s, const bool& fail) : state(s), failAppends(fail) {}
    StoreState& state;
    const bool& failAppends;

    void append(const OperationLogEntry& entry) override {
        // What persistence/ turns a lost database connection into.
        if (failAppends) throw unavailable("operation log write failed");
        OperationLogEntry stored = entry;
        stored.id = state.nextLogId++;
        state.logs.push_back(stored);
    }
    std::vector<OperationLogEntry> list(const OperationLogQuery& query) override {
        std::vector<OperationLogEntry> out;
        for (auto it = state.logs.rbegin(); it != state.logs.rend(); ++it) {
            if (query.action && it->action != *query.action) continue;
            if (query.userId && it->userId != query.userId) continue;
            if (static_cast<int>(out.size()) < query.limit) out.push_back(*it);
        }
        return out;
    }
};

// Products and modules: lookups and writes only; filtering and facets are the database's job
// and are covered by the repository contract tests.
struct FakeProducts final : ProductRepository {
    explicit FakeProducts(StoreState& s) : state(s) {}
    StoreState& state;

    std::optional<Product> findById(ProductId id) override {
        const auto it = state.products.find(id);
        if (it == state.products.end() || it->second.deleted) return std::nullopt;
        return it->second;
    }
    std::optional<Product> findBySpu(std::string_view spuCode) override {
        for (const auto& [id, p] : state.products)
            if (!p.deleted && text::iequalsAscii(p.spuCode, spuCode)) return p;
        return std::nullopt;
    }
    bool spuTaken(std::string_view spuCode, ProductId exceptId) override {
        for (const auto& [id, p] : state.products)
            if (id != exceptId && text::iequalsAscii(p.spuCode, spuCode)) return true;
        return false;
    }
    ProductId insert(const Product& product) override {
        Product p = product;
        p.id = state.nextProductId++;
        state.products[p.id] = p;
        return p.id;
    }
    void update(const Product& product) override { state.products[product.id] = product; }
    void markDeleted(ProductId id, Millis at) override {
        state.products[id].deleted = true;
        state.products[id].updatedAt = at;
    }
    // A stand-in for the real filters, enough for the ProductService cache tests: live products
    // by id, gender and any-of styles only (the rest of the filter contract is the repository
    // contract tests' job).
    std::vector<Product> list(const ProductQuery& q) override {
        ++state.productListReads;
        std::vector<Product> out;
        for (const auto& [id, p] : state.products)
            if (roughlyMatches(p, q.filter) && static_cast<int>(out.size()) < q.limit) out.push_back(p);
        return out;
    }
    ProductFacets facets(const ProductFilter& f) override {
        ++state.productFacetReads;
        ProductFacets out;
        for (const auto& [id, p] : state.products) {
            if (!roughlyMatches(p, f)) continue;
            ++out.counts["gender"][p.gender];
            for (const auto& s : p.styles) ++out.counts["style"][s];
        }
        return out;
    }

  private:
    static bool roughlyMatches(const Product& p, const ProductFilter& f) {
        if (p.deleted || (f.gender && p.gender != *f.gender)) return false;
        return f.styles.empty() || std::any_of(f.styles.begin(), f.styles.end(), [&](const std::string& s) {
                   return std::find(p.styles.begin(), p.styles.end(), s) != p.styles.end();
               });
    }
};

struct FakeModules final : ModuleRepository {
    explicit FakeModules(StoreState& s) : state(s) {}
    StoreState& state;

    std::optional<MaterialModule> findById(ModuleId id) override {
        const auto it = state.modules.find(id);
        if (it == state.modules.end()) return std::nullopt;
        return it->second;
    }
    std::vector<MaterialModule> listByProduct(ProductId productId) override {
        std::vector<MaterialModule> out;
        for (const auto& [id, m] : state.modules)
            if (m.productId == productId) out.push_back(m);
        std::stable_sort(out.begin(), out.end(),
                         [](const MaterialModule& a, const MaterialModule& b) { return a.order < b.order; });
        return out;
    }
    bool slotTaken(ProductId productId, std::string_view type, std::string_view subType, ModuleId exceptId) override {
        for (const auto& [id, m] : state.modules)
            if (id != exceptId && m.productId == productId && m.type == type && m.subType == subType) return true;
        return false;
    }
    ModuleId insert(const MaterialModule& module) override {
        MaterialModule m = module;
        m.id = state.nextModuleId++;
        state.modules[m.id] = m;
        return m.id;
    }
    void update(const MaterialModule& module) override { state.modules[module.id] = module; }
    void remove(ModuleId id) override { state.modules.erase(id); }
};

struct FakeMaterials final : MaterialRepository {
    explicit FakeMaterials(StoreState& s) : state(s) {}
    StoreState& state;

    std::optional<Material> findById(MaterialId id) override {
        const auto it = state.materials.find(id);
        if (it == state.materials.end() || it->second.deleted) return std::nullopt;
        return it->second;
    }
    std::vector<Material> listByModule(ModuleId moduleId) override { return listByModules({moduleId}); }
    std::vector<Material> listByModules(const std::vector<ModuleId>& ids) override {
        std::vector<Material> out;
        for (const auto& [id, m] : state.materials)
            if (!m.deleted && std::find(ids.begin(), ids.end(), m.moduleId) != ids.end()) out.push_back(m);
        std::stable_sort(out.begin(), out.end(), [](const Material& a, const Material& b) {
            return std::tie(a.moduleId, a.order, a.id) < std::tie(b.moduleId, b.order, b.id);
        });
        return out;
    }
    int maxOrder(ModuleId moduleId) override {
        int best = 0;
        for (const auto& m : listByModule(moduleId)) best = std::max(best, m.order);
        return best;
    }
    MaterialId insert(const Material& material) override {
        Material m = material;
        m.id = state.nextMaterialId++;
        state.materials[m.id] = m;
        return m.id;
    }
    void update(const Material& m) override {
        auto& stored = state.materials.at(m.id);
        stored.filename = m.filename;
        stored.order = m.order;
        stored.updatedAt = m.updatedAt;
    }
    void markDeleted(MaterialId id, Millis at) override {
        auto& m = state.materials.at(id);
        m.deleted = true;
        m.deletedAt = at;
    }
    void markDeletedByModule(ModuleId moduleId, Millis at) override {
        for (auto& [id, m] : state.materials)
            if (m.moduleId == moduleId && !m.deleted) {
                m.deleted = true;
                m.deletedAt = at;
            }
    }
};

struct FakeBlobReferences final : BlobReferenceRepository {
    explicit FakeBlobReferences(StoreState& s) : state(s) {}
    StoreState& state;

    std::int64_t pin(const std::string& key, Millis at) override {
        state.pins[state.nextPinId] = {key, at};
        return state.nextPinId++;
    }
    void unpin(std::int64_t id) override { state.pins.erase(id); }
    std::size_t removePinsBefore(Millis before) override {
        return std::erase_if(state.pins, [&](const auto& p) { return p.second.second < before; });
    }
    bool isReferenced(const std::string& key, Millis deletedSince) override {
        const auto keys = referencedKeys(deletedSince);
        return std::find(keys.begin(), keys.end(), key) != keys.end();
    }
    std::vector<std::string> referencedKeys(Millis deletedSince) override {
        std::vector<std::string> out;
        for (const auto& [id, p] : state.pins) out.push_back(p.first);
        for (const auto& [id, m] : state.materials)
            if (!m.deleted || (m.deletedAt && *m.deletedAt >= deletedSince)) {
                out.push_back(m.storageKey);
                out.push_back(m.thumbnail.key);
                out.push_back(m.preview.key);
            }
        // A generated image's own row counts, not its model photo's.
        for (const auto& [id, i] : state.modelImages)
            if (!i.deleted || (i.deletedAt && *i.deletedAt >= deletedSince)) out.push_back(i.storageKey);
        return out;
    }
};

struct FakeSelections final : SelectionRepository {
    explicit FakeSelections(StoreState& s) : state(s) {}
    StoreState& state;

    std::optional<Selection> findById(SelectionId id) override {
        const auto it = state.selections.find(id);
        if (it == state.selections.end()) return std::nullopt;
        return it->second;
    }
    std::vector<Selection> list(const SelectionQuery& q) override {
        std::vector<Selection> out;
        for (auto it = state.selections.rbegin(); it != state.selections.rend(); ++it) {
            if (q.userId && it->second.userId != *q.userId) continue;
            if (q.beforeId && it->first >= *q.beforeId) continue;
            if (static_cast<int>(out.size()) == q.limit) break;
            out.push_back(it->second);
        }
        return out;
    }
    SelectionId insert(const Selection& sel) override {
        Selection s = sel;
        s.id = state.nextSelectionId++;
        state.selections[s.id] = s;
        return s.id;
    }
    void update(const Selection& sel) override { state.selections[sel.id] = sel; }
    void remove(SelectionId id) override { state.selections.erase(id); }
};

struct FakeDownloads final : DownloadRepository {
    explicit FakeDownloads(StoreState& s) : state(s) {}
    StoreState& state;

    DownloadId insert(const DownloadRecord& record) override {
        DownloadRecord d = record;
        d.id = state.nextDownloadId++;
        state.downloads[d.id] = d;
        return d.id;
    }
    std::vector<DownloadRecord> list(const DownloadQuery& q) override {
        std::vector<DownloadRecord> out;
        for (auto it = state.downloads.rbegin(); it != state.downloads.rend(); ++it) {
            if (q.userId && it->second.userId != *q.userId) continue;
            if (q.productId && it->second.productId != *q.productId) continue;
            if (q.beforeId && it->first >= *q.beforeId) continue;
            if (static_cast<int>(out.size()) == q.limit) break;
            out.push_back(it->second);
        }
        return out;
    }
};

struct FakeModelPhotos final : ModelPhotoRepository {
    explicit FakeModelPhotos(StoreState& s) : state(s) {}
    StoreState& state;

    std::optional<ModelPhoto> findById(ModelPhotoId id) override {
        const auto it = state.modelPhotos.find(id);
        if (it == state.modelPhotos.end() || it->second.deleted) return std::nullopt;
        return it->second;
    }
    std::vector<ModelPhoto> list(const ModelPhotoQuery& q) override {
        std::vector<ModelPhoto> out;
        for (auto it = state.modelPhotos.rbegin(); it != state.modelPhotos.rend(); ++it) {
            const auto& p = it->second;
            if (p.deleted) continue;
            if (q.userId && p.userId != *q.userId) continue;
            if (q.status && p.status != *q.status) continue;
            if (q.gender && p.gender != *q.gender) continue;
            if (q.styleTag &&
                std::find(p.styleTags.begin(), p.styleTags.end(), *q.styleTag) == p.styleTags.end())
                continue;
            if (q.batchId && p.batchId != *q.batchId) continue;
            if (q.beforeId && it->first >= *q.beforeId) continue;
            if (static_cast<int>(out.size()) == q.limit) break;
            out.push_back(p);
        }
        return out;
    }
    ModelPhotoId insert(const ModelPhoto& photo) override {
        ModelPhoto p = photo;
        p.id = state.nextModelPhotoId++;
        state.modelPhotos[p.id] = p;
        return p.id;
    }
    // Only the columns the port says change after creation.
    void update(const ModelPhoto& p) override {
        auto& stored = state.modelPhotos.at(p.id);
        stored.status = p.status;
        stored.progress = p.progress;
        stored.modelVersion = p.modelVersion;
        stored.errorCode = p.errorCode;
        stored.errorMessage = p.errorMessage;
        stored.startedAt = p.startedAt;
        stored.finishedAt = p.finishedAt;
        stored.generationTime = p.generationTime;
        stored.imageCount = p.imageCount;
        stored.totalSize = p.totalSize;
        stored.updatedAt = p.updatedAt;
    }
    void markDeleted(ModelPhotoId id, Millis at) override {
        auto& p = state.modelPhotos.at(id);
        p.deleted = true;
        p.deletedAt = at;
        for (auto& [imageId, i] : state.modelImages)
            if (i.modelPhotoId == id && !i.deleted) {
                i.deleted = true;
                i.deletedAt = at;
            }
    }
};

struct FakeModelImages final : ModelImageRepository {
    explicit FakeModelImages(StoreState& s) : state(s) {}
    StoreState& state;

    std::optional<ModelImage> findById(ModelImageId id) override {
        const auto it = state.modelImages.find(id);
        if (it == state.modelImages.end() || it->second.deleted) return std::nullopt;
        return it->second;
    }
    std::vector<ModelImage> listByPhoto(ModelPhotoId photoId) override {
        std::vector<ModelImage> out;
        for (const auto& [id, i] : state.modelImages)
            if (!i.deleted && i.modelPhotoId == photoId) out.push_back(i);
        std::stable_sort(out.begin(), out.end(), [](const ModelImage& a, const ModelImage& b) {
            return std::tie(a.sortOrder, a.imageType, a.id) < std::tie(b.sortOrder, b.imageType, b.id);
        });
        return out;
    }
    ModelImageId insert(const ModelImage& image) override {
        ModelImage i = image;
        i.id = state.nextModelImageId++;
        state.modelImages[i.id] = i;
        return i.id;
    }
};

// The queue without concurrency (one fake database, one caller at a time): "locked" rows are
// plain reads, and lockNextDue() picks what the SQL would.
struct FakeImageTasks final : ImageTaskRepository {
    explicit FakeImageTasks(StoreState& s) : state(s) {}
    StoreState& state;

    void insert(const ImageTask& task) override {
        if (state.imageTasks.count(task.id) != 0) throw conflict("duplicate image task id");
        for (const auto& [id, t] : state.imageTasks)
            if (t.modelPhotoId == task.modelPhotoId) throw conflict("the model photo has a task already");
        state.imageTasks[task.id] = task;
    }
    std::optional<ImageTask> findByPhoto(ModelPhotoId photoId) override {
        for (const auto& [id, t] : state.imageTasks)
            if (t.modelPhotoId == photoId) return t;
        return std::nullopt;
    }
    std::optional<ImageTask> lockById(const std::string& id) override {
        const auto it = state.imageTasks.find(id);
        if (it == state.imageTasks.end()) return std::nullopt;
        return it->second;
    }
    std::optional<ImageTask> lockNextDue(Millis now) override {
        const ImageTask* best = nullptr;
        // A processing task whose lease ran out first (the longest expired one) ...
        for (const auto& [id, t] : state.imageTasks)
            if (t.status == PhotoStatus::Processing && t.leaseUntil && *t.leaseUntil < now &&
                (!best || *t.leaseUntil < *best->leaseUntil))
                best = &t;
        if (best) return *best;
        // ... else the queued one due first (then the oldest).
        for (const auto& [id, t] : state.imageTasks)
            if (t.status == PhotoStatus::Queued && t.nextAttemptAt <= now &&
                (!best ||
                 std::tie(t.nextAttemptAt, t.createdAt) < std::tie(best->nextAttemptAt, best->createdAt)))
                best = &t;
        if (best) return *best;
        return std::nullopt;
    }
    // Every column that changes after creation (not id, photo, type, payload, maxAttempts, createdAt).
    void update(const ImageTask& t) override {
        auto& stored = state.imageTasks.at(t.id);
        stored.status = t.status;
        stored.attempts = t.attempts;
        stored.nextAttemptAt = t.nextAttemptAt;
        stored.lockedBy = t.lockedBy;
        stored.leaseUntil = t.leaseUntil;
        stored.providerTaskId = t.providerTaskId;
        stored.progress = t.progress;
        stored.errorCode = t.errorCode;
        stored.errorMessage = t.errorMessage;
        stored.updatedAt = t.updatedAt;
        stored.startedAt = t.startedAt;
        stored.finishedAt = t.finishedAt;
    }
    bool updateIfHeld(const ImageTask& t, const std::string& workerId) override {
        const auto it = state.imageTasks.find(t.id);
        if (it == state.imageTasks.end() || it->second.status != PhotoStatus::Processing ||
            it->second.lockedBy != workerId)
            return false;
        update(t);
        return true;
    }
};

struct FakeRepositories final : Repositories {
    FakeRepositories(StoreState& s, const bool& failLogAppends)
        : userRepo(s),
          sessionRepo(s),
          failureRepo(s),
          logRepo(s, failLogAppends),
          productRepo(s),
          moduleRepo(s),
          materialRepo(s),
          blobRefRepo(s),
          selectionRepo(s),
          downloadRepo(s),
          modelPhotoRepo(s),
          modelImageRepo(s),
          imageTaskRepo(s) {}
    FakeUsers userRepo;
    FakeSessions sessionRepo;
    FakeLoginFailures failureRepo;
    FakeOperationLogs logRepo;
    FakeProducts productRepo;
    FakeModules moduleRepo;
    FakeMaterials materialRepo;
    FakeBlobReferences blobRefRepo;
    FakeSelections selectionRepo;
    FakeDownloads downloadRepo;
    FakeModelPhotos modelPhotoRepo;
    FakeModelImages modelImageRepo;
    FakeImageTasks imageTaskRepo;

    UserRepository& users() override { return userRepo; }
    SessionRepository& sessions() override { return sessionRepo; }
    LoginFailureRepository& loginFailures() override { return failureRepo; }
    OperationLogRepository& operationLogs() override { return logRepo; }
    ProductRepository& products() override { return productRepo; }
    ModuleRepository& modules() override { return moduleRepo; }
    MaterialRepository& materials() override { return materialRepo; }
    BlobReferenceRepository& blobReferences() override { return blobRefRepo; }
    SelectionRepository& selections() override { return selectionRepo; }
    DownloadRepository& downloads() override { return downloadRepo; }
    ModelPhotoRepository& modelPhotos() override { return modelPhotoRepo; }
    ModelImageRepository& modelImages() override { return modelImageRepo; }
    ImageTaskRepository& imageTasks() override { return imageTaskRepo; }
};

// One in-memory database. `transact` is all-or-nothing: the state is copied before the work
// and restored when the work throws, like a rolled-back transaction.
struct FakeStore final : Store {
    StoreState state;
    bool failLogAppends = false;  // set to make every operation-log write throw
    int transactions = 0;         // committed ones
    int rollbacks = 0;

    void transact(const std::function<void(Repositories&)>& work) override {
        const StoreState before = state;
        FakeRepositories repos(state, failLogAppends);
        try {
            work(repos);
        } catch (...) {
            state = before;
            ++rollbacks;
            throw;
        }
        ++transactions;
    }
    void read(const std::function<void(Repositories&)>& work) override {
        FakeRepositories repos(state, failLogAppends);
        work(repos);
    }

    // Test set-up straight into the state, without the services and without a log entry.
    UserId addUser(const std::string& username, const std::string& password, Role role = Role::Viewer,
                   UserStatus status = UserStatus::Active, std::vector<std::string> grants = {}) {
        User u;
        u.id = state.nextUserId++;
        u.username = username;
        u.email = username + "@example.com";
        u.passwordHash = "h:" + password;
        u.role = role;
        u.permissions = std::move(grants);
        u.status = status;
        state.users[u.id] = u;
        return u.id;
    }
    // A live session of the user, as a login would leave it.
    void addSession(UserId id, const std::string& tokenHash) {
        state.sessions.push_back(
            SessionRecord{tokenHash, "csrf-" + tokenHash, id, 0, 253402300799999, "", ""});
    }
    User& user(UserId id) { return state.users.at(id); }
    std::vector<std::string> actions() const {
        std::vector<std::string> out;
        for (const auto& e : state.logs) out.push_back(e.action);
        return out;
    }
    int sessionsOf(UserId id) const {
        return static_cast<int>(std::count_if(state.sessions.begin(), state.sessions.end(),
                                              [&](const SessionRecord& s) { return s.userId == id; }));
    }
};

// Predictable randomness: uuid() counts ("00000000-0000-4000-8000-000000000001", ...), and
// below() returns `nextBelow` (a test's jitter), refusing a value its bound would not allow.
struct FakeRandom final : Random {
    int uuids = 0;
    std::uint64_t nextBelow = 0;
    std::vector<std::uint64_t> bounds;  // every below() bound, in order

    std::string uuid() override {
        std::string n = std::to_string(++uuids);
        return "00000000-0000-4000-8000-" + std::string(12 - n.size(), '0') + n;
    }
    std::uint64_t below(std::uint64_t bound) override {
        bounds.push_back(bound);
        if (nextBelow >= bound) throw std::logic_error("FakeRandom::nextBelow is not below the bound");
        return nextBelow;
    }
};

inline AuditContext testAudit() {
    return AuditContext{std::nullopt, "203.0.113.7", "test-agent/1.0", std::nullopt};
}

}  // namespace mofang::test

// ---- Object storage and image renditions, for the MaterialService tests.

#include <cstdint>
#include <functional>
#include <memory>

#include "domain/Renditions.hpp"
#include "domain/Storage.hpp"

namespace mofang::test {

// The shape of a SHA-256 (64 lower-case hex digits) without the cost: four FNV-1a passes with
// different seeds. Distinct inputs of a test get distinct keys; it is not a digest to trust.
inline std::string fakeDigest(std::string_view bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (std::uint64_t seed = 0; seed < 4; ++seed) {
        std::uint64_t h = 14695981039346656037ull ^ (seed * 0x9E3779B97F4A7C15ull);
        for (const char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
        for (int shift = 60; shift >= 0; shift -= 4) out += kHex[(h >> shift) & 15];
    }
    return out;
}

// zlib's CRC-32 (reflected polynomial 0xEDB88320), bit by bit.
inline std::uint32_t crc32Of(std::string_view bytes) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (const char c : bytes) {
        crc ^= static_cast<unsigned char>(c);
        for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

// Object storage in memory. Its time line is a counter that mark() and every publish advance,
// so "published at or after the mark" (removeIfStale) is exact and a test can interleave a
// publish anywhere through the hooks.
struct FakeBlobStore final : BlobStore {
    struct Blob {
        std::string bytes;
        std::int64_t publishedAt = 0;
    };
    // A live writer's bytes, by staged path.
    struct Staged {
        std::string bytes;
        bool published = false;
    };

    std::map<std::string, Blob> blobs;
    std::map<std::string, Staged> staged;
    std::int64_t clock = 0;
    int publishes = 0;                     // successful publish() calls (set-up with put() not counted)
    std::vector<std::string> removedKeys;  // by removeIfStale, in order
    std::optional<int> failPublishAfter;   // this many publishes succeed, every later one throws Unavailable
    std::function<void(const std::string& key)> onPublish;            // before each publish()
    std::function<void(const std::string& key)> beforeRemoveIfStale;  // e.g. a concurrent re-publish
    std::uint64_t abandonedBytes = 0;                                 // what removeAbandoned() reports
    std::vector<Millis> removeAbandonedCalls;
    int nextWriter = 0;

    class Writer final : public BlobWriter {
      public:
        Writer(FakeBlobStore& store, std::string path) : store_(store), path_(std::move(path)) {
            store_.staged[path_] = {};
        }
        ~Writer() override { store_.staged.erase(path_); }
        Writer(const Writer&) = delete;
        Writer& operator=(const Writer&) = delete;

        void write(const char* data, std::size_t size) override {
            if (info_) throw std::logic_error("BlobWriter::write after finish");
            store_.staged.at(path_).bytes.append(data, size);
        }
        std::uint64_t size() const override { return store_.staged.at(path_).bytes.size(); }
        const BlobInfo& finish() override {
            if (!info_) {
                const auto& bytes = store_.staged.at(path_).bytes;
                info_ = BlobInfo{fakeDigest(bytes), bytes.size(), fakeDigest(bytes), crc32Of(bytes)};
            }
            return *info_;
        }
        std::string stagedPath() const override { return path_; }
        void publish() override {
            finish();
            auto& s = store_.staged.at(path_);
            if (s.published) return;
            if (store_.onPublish) store_.onPublish(info_->key);
            if (store_.failPublishAfter && store_.publishes >= *store_.failPublishAfter)
                throw unavailable("storage: publish failed");
            store_.put(s.bytes);
            ++store_.publishes;
            s.published = true;
        }

      private:
        FakeBlobStore& store_;
        std::string path_;
        std::optional<BlobInfo> info_;
    };

    class Reader final : public BlobReader {
      public:
        explicit Reader(std::string bytes) : bytes_(std::move(bytes)) {}
        std::size_t read(char* buffer, std::size_t size) override {
            const auto n = std::min(size, bytes_.size() - pos_);
            std::copy_n(bytes_.data() + pos_, n, buffer);
            pos_ += n;
            return n;
        }

      private:
        std::string bytes_;
        std::size_t pos_ = 0;
    };

    // Set-up: the blob as an earlier request left it (not counted in `publishes`, no hooks).
    std::string put(const std::string& bytes) {
        const auto key = fakeDigest(bytes);
        blobs[key] = Blob{bytes, ++clock};
        return key;
    }
    bool has(const std::string& key) const { return blobs.count(key) != 0; }
    // Writers alive and not published (their bytes would still be in a staging directory).
    int unpublishedWriters() const {
        return static_cast<int>(
            std::count_if(staged.begin(), staged.end(), [](const auto& s) { return !s.second.published; }));
    }

    std::unique_ptr<BlobWriter> create() override {
        return std::make_unique<Writer>(*this, "/fake-staging/upload-" + std::to_string(++nextWriter));
    }
    std::unique_ptr<BlobReader> open(const std::string& key, std::uint64_t offset,
                                     std::uint64_t length) override {
        const auto it = blobs.find(key);
        if (it == blobs.end()) throw notFound("no such blob");
        if (offset + length > it->second.bytes.size())
            throw unavailable("storage: blob shorter than expected");
        return std::make_unique<Reader>(it->second.bytes.substr(offset, length));
    }
    std::optional<BlobStat> stat(const std::string& key) override {
        const auto it = blobs.find(key);
        if (it == blobs.end()) return std::nullopt;
        return BlobStat{it->second.bytes.size(), it->second.publishedAt};
    }
    void list(const std::function<void(const std::string& key, const BlobStat& st)>& visit) override {
        const auto snapshot = blobs;  // a visitor may publish or remove
        for (const auto& [key, b] : snapshot) visit(key, BlobStat{b.bytes.size(), b.publishedAt});
    }
    std::int64_t mark() override { return ++clock; }
    bool removeIfStale(const std::string& key, std::int64_t mark) override {
        if (beforeRemoveIfStale) beforeRemoveIfStale(key);
        const auto it = blobs.find(key);
        if (it == blobs.end() || it->second.publishedAt >= mark) return false;
        blobs.erase(it);
        removedKeys.push_back(key);
        return true;
    }
    std::uint64_t removeAbandoned(Millis before) override {
        removeAbandonedCalls.push_back(before);
        return abandonedBytes;
    }
    std::optional<std::string> localRelativePath(const std::string& key) const override {
        return contentAddressedPath(key);
    }
    std::optional<std::string> presignedUrl(const std::string&, std::string_view,
                                            std::string_view) const override {
        return std::nullopt;
    }
    // Set to act as an S3/OSS store: objects live at bucketUrl + "/" + "ab/cd/<key>".
    std::optional<std::string> bucketUrl;
    std::optional<ObjectLocation> objectLocation(const std::string& key) const override {
        if (!bucketUrl) return std::nullopt;
        const auto name = contentAddressedPath(key);
        return ObjectLocation{name, *bucketUrl + "/" + name, "", name.substr(0, name.rfind('/'))};
    }
    void check() override {}
};

// Renditions derived from the staged bytes ("thumbnail of " + bytes), so identical uploads
// have identical renditions as with the real renderer; fails as undecodable for one path.
struct FakeRenderer final : ImageRenderer {
    explicit FakeRenderer(const FakeBlobStore& s) : store(s) {}
    const FakeBlobStore& store;
    std::optional<std::string> undecodablePath;
    mutable int renders = 0;

    static std::string thumbnailOf(const std::string& bytes) { return "thumbnail of " + bytes; }
    static std::string previewOf(const std::string& bytes) { return "preview of " + bytes; }
    static constexpr int kThumbnailWidth = 320, kThumbnailHeight = 240;
    static constexpr int kPreviewWidth = 1600, kPreviewHeight = 1200;

    Rendition render(const std::string& path, RenditionKind kind) const override {
        ++renders;
        if (undecodablePath && path == *undecodablePath)
            throw DomainError(ErrorKind::UnsupportedMediaType, "undecodable_image",
                              "the image could not be decoded");
        const auto& bytes = store.staged.at(path).bytes;  // only paths of the store's own writers
        if (kind == RenditionKind::Thumbnail) return {thumbnailOf(bytes), kThumbnailWidth, kThumbnailHeight};
        return {previewOf(bytes), kPreviewWidth, kPreviewHeight};
    }
};

}  // namespace mofang::test
