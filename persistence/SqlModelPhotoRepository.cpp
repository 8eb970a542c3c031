#include <set>
#include <stdexcept>
#include <string_view>

#include "domain/Json.hpp"
#include "domain/Text.hpp"
#include "persistence/SqlQuery.hpp"
#include "persistence/SqlRepositories.hpp"

namespace mofang::persistence {
namespace {

using domain::ImageTask;
using domain::ModelImage;
using domain::ModelPhoto;

// ---- JSON arrays of strings in TEXT columns (style_tags, reference_images)

std::string toJsonArray(const std::vector<std::string>& items) {
    return domain::JsonWriter().stringArray(items).take();
}

// Reads back a JSON array of strings as JsonWriter writes it (any valid JSON string escapes,
// whitespace between tokens); "" reads as an empty array. A malformed value is a corrupt row.
class StringArrayParser final {
  public:
    StringArrayParser(std::string_view json, const char* column) : json_(json), column_(column) {}

    std::vector<std::string> parse() {
        std::vector<std::string> out;
        skipSpace();
        if (at_ == json_.size()) return out;
        expect('[');
        skipSpace();
        if (peek() == ']') {
            ++at_;
        } else {
            for (;;) {
                skipSpace();
                out.push_back(string());
                skipSpace();
                if (peek() == ']') {
                    ++at_;
                    break;
                }
                expect(',');
            }
        }
        skipSpace();
        if (at_ != json_.size()) fail();
        return out;
    }

  private:
    [[noreturn]] void fail() const {
        throw std::runtime_error(std::string(column_) + " holds malformed JSON at byte " +
                                 std::to_string(at_));
    }
    char peek() const { return at_ < json_.size() ? json_[at_] : '\0'; }
    void expect(char c) {
        if (peek() != c) fail();
        ++at_;
    }
    void skipSpace() {
        while (at_ < json_.size() &&
               (json_[at_] == ' ' || json_[at_] == '\t' || json_[at_] == '\n' || json_[at_] == '\r'))
            ++at_;
    }
    char32_t hex4() {
        if (at_ + 4 > json_.size()) fail();
        char32_t cp = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = json_[at_++];
            cp <<= 4;
            if (c >= '0' && c <= '9')
                cp |= static_cast<char32_t>(c - '0');
            else if (c >= 'a' && c <= 'f')
                cp |= static_cast<char32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                cp |= static_cast<char32_t>(c - 'A' + 10);
            else
                fail();
        }
        return cp;
    }
    std::string string() {
        expect('"');
        std::string out;
        for (;;) {
            if (at_ >= json_.size()) fail();
            const char c = json_[at_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail();
            if (c != '\\') {
                out += c;
                continue;
            }
            if (at_ >= json_.size()) fail();
            switch (json_[at_++]) {
                case '"':
                    out += '"';
                    break;
                case '\\':
                    out += '\\';
                    break;
                case '/':
                    out += '/';
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    char32_t cp = hex4();
                    if (cp >= 0xDC00 && cp <= 0xDFFF) fail();  // a lone low surrogate
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        expect('\\');
                        expect('u');
                        const char32_t low = hex4();
                        if (low < 0xDC00 || low > 0xDFFF) fail();
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    }
                    domain::text::appendUtf8(out, cp);
                    break;
                }
                default:
                    fail();
            }
        }
    }

    std::string_view json_;
    const char* column_;
    std::size_t at_ = 0;
};

std::vector<std::string> fromJsonArray(const std::string& json, const char* column) {
    return StringArrayParser(json, column).parse();
}

domain::PhotoStatus statusFrom(const std::string& stored) {
    if (const auto status = domain::parsePhotoStatus(stored)) return *status;
    throw std::runtime_error("unknown status '" + stored + "' in the database");
}

domain::ModelImageType imageTypeFrom(const std::string& stored) {
    if (const auto type = domain::parseModelImageType(stored)) return *type;
    throw std::runtime_error("unknown model image type '" + stored + "' in the database");
}

std::string str(std::string_view s) {
    return std::string(s);
}

// ---- model_photos

const char* kPhotoColumns =
    "id, created_at, updated_at, user_id, task_id, batch_id, name, description, gender, age_range, "
    "ethnicity, "
    "style_tags, prompt, reference_images, aspect_ratio, resolution, model_version, negative_prompt, status, "
    "progress, error_code, error_message, started_at, finished_at, generation_time, image_count, total_size, "
    "is_deleted, deleted_at";

ModelPhoto readPhoto(const Poco::Data::RecordSet& rs, std::size_t row) {
    ModelPhoto p;
    std::size_t c = 0;
    const auto i64 = [&]() { return cellInt(rs, c++, row); };
    const auto i32 = [&]() { return static_cast<int>(cellInt(rs, c++, row)); };
    const auto optI64 = [&]() { return cellOptInt(rs, c++, row); };
    const auto text = [&]() { return cellText(rs, c++, row); };
    p.id = i64();
    p.createdAt = i64();
    p.updatedAt = i64();
    p.userId = i64();
    p.taskId = text();
    p.batchId = text();
    p.name = text();
    p.description = text();
    p.gender = text();
    p.ageRange = text();
    p.ethnicity = text();
    p.styleTags = fromJsonArray(text(), "model_photos.style_tags");
    p.prompt = text();
    p.referenceImages = fromJsonArray(text(), "model_photos.reference_images");
    p.aspectRatio = text();
    p.resolution = text();
    p.modelVersion = text();
    p.negativePrompt = text();
    p.status = statusFrom(text());
    p.progress = i32();
    p.errorCode = text();
    p.errorMessage = text();
    p.startedAt = optI64();
    p.finishedAt = optI64();
    p.generationTime = cellOptDouble(rs, c++, row);
    p.imageCount = i32();
    p.totalSize = static_cast<std::uint64_t>(i64());
    p.deleted = i64() != 0;
    p.deletedAt = optI64();
    return p;
}

// ---- model_images

const char* kImageColumns =
    "id, created_at, model_photo_id, user_id, filename, width, height, size, content_type, extension, "
    "storage_key, sha256, crc32, oss_object_name, oss_url, oss_cdn_url, oss_folder, local_path, is_uploaded, "
    "uploaded_at, image_type, is_primary, sort_order, is_deleted, deleted_at";

ModelImage readImage(const Poco::Data::RecordSet& rs, std::size_t row) {
    ModelImage m;
    std::size_t c = 0;
    const auto i64 = [&]() { return cellInt(rs, c++, row); };
    const auto i32 = [&]() { return static_cast<int>(cellInt(rs, c++, row)); };
    const auto text = [&]() { return cellText(rs, c++, row); };
    m.id = i64();
    m.createdAt = i64();
    m.modelPhotoId = i64();
    m.userId = i64();
    m.filename = text();
    m.width = i32();
    m.height = i32();
    m.size = static_cast<std::uint64_t>(i64());
    m.contentType = text();
    m.extension = text();
    m.storageKey = text();
    m.sha256 = text();
    m.crc32 = static_cast<std::uint32_t>(i64());
    m.ossObjectName = text();
    m.ossUrl = text();
    m.ossCdnUrl = text();
    m.ossFolder = text();
    m.localPath = text();
    m.isUploaded = i64() != 0;
    m.uploadedAt = cellOptInt(rs, c++, row);
    m.imageType = imageTypeFrom(text());
    m.isPrimary = i64() != 0;
    m.sortOrder = i32();
    m.deleted = i64() != 0;
    m.deletedAt = cellOptInt(rs, c++, row);
    return m;
}

// ---- image_tasks

const char* kTaskColumns =
    "id, model_photo_id, type, payload, status, attempts, max_attempts, next_attempt_at, locked_by, "
    "lease_until, "
    "provider_task_id, progress, error_code, error_message, created_at, updated_at, started_at, finished_at";

ImageTask readTask(const Poco::Data::RecordSet& rs, std::size_t row) {
    ImageTask t;
    std::size_t c = 0;
    const auto i64 = [&]() { return cellInt(rs, c++, row); };
    const auto i32 = [&]() { return static_cast<int>(cellInt(rs, c++, row)); };
    const auto optI64 = [&]() { return cellOptInt(rs, c++, row); };
    const auto text = [&]() { return cellText(rs, c++, row); };
    t.id = text();
    t.modelPhotoId = i64();
    t.type = text();
    t.payload = text();
    t.status = statusFrom(text());
    t.attempts = i32();
    t.maxAttempts = i32();
    t.nextAttemptAt = i64();
    t.lockedBy = text();
    t.leaseUntil = optI64();
    t.providerTaskId = text();
    t.progress = i32();
    t.errorCode = text();
    t.errorMessage = text();
    t.createdAt = i64();
    t.updatedAt = i64();
    t.startedAt = optI64();
    t.finishedAt = optI64();
    return t;
}

std::optional<ImageTask> firstTask(Poco::Data::RecordSet rs) {
    if (rs.rowCount() == 0) return std::nullopt;
    return readTask(rs, 0);
}

}  // namespace

// ---- SqlModelPhotoRepository

std::optional<ModelPhoto> SqlModelPhotoRepository::findById(domain::ModelPhotoId id) {
    auto rs = SqlQuery(s_, std::string("SELECT ") + kPhotoColumns +
                               " FROM model_photos WHERE id = ? AND is_deleted = 0")
                  .arg(id)
                  .rows();
    if (rs.rowCount() == 0) return std::nullopt;
    return readPhoto(rs, 0);
}

std::vector<ModelPhoto> SqlModelPhotoRepository::list(const domain::ModelPhotoQuery& q) {
    // One statement for the page: the rows carry their tags and reference images (JSON), so
    // nothing is read per row.
    std::string sql = std::string("SELECT ") + kPhotoColumns + " FROM model_photos WHERE is_deleted = 0";
    if (q.userId) sql += " AND user_id = ?";
    if (q.status) sql += " AND status = ?";
    if (q.gender) sql += " AND gender = ?";
    if (q.styleTag)
        sql +=
            " AND EXISTS (SELECT 1 FROM model_photo_style_tags t WHERE t.model_photo_id = model_photos.id "
            "AND t.tag = ?)";
    if (q.batchId) sql += " AND batch_id = ?";
    if (q.beforeId) sql += " AND id < ?";
    sql += " ORDER BY id DESC LIMIT ?";
    // The arguments in the order of their placeholders above.
    SqlQuery query(s_, sql);
    if (q.userId) query.arg(*q.userId);
    if (q.status) query.arg(str(domain::toString(*q.status)));
    if (q.gender) query.arg(*q.gender);
    if (q.styleTag) query.arg(*q.styleTag);
    if (q.batchId) query.arg(*q.batchId);
    if (q.beforeId) query.arg(*q.beforeId);
    query.arg(q.limit);
    auto rs = query.rows();
    std::vector<ModelPhoto> out;
    out.reserve(rs.rowCount());
    for (std::size_t row = 0; row < rs.rowCount(); ++row) out.push_back(readPhoto(rs, row));
    return out;
}

domain::ModelPhotoId SqlModelPhotoRepository::insert(const ModelPhoto& p) {
    SqlQuery(
        s_,
        "INSERT INTO model_photos (created_at, updated_at, user_id, task_id, batch_id, name, description, "
        "gender, age_range, ethnicity, style_tags, prompt, reference_images, aspect_ratio, resolution, "
        "model_version, negative_prompt, status, progress, error_code, error_message, started_at, "
        "finished_at, "
        "generation_time, image_count, total_size, is_deleted) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)")
        .arg(p.createdAt)
        .arg(p.updatedAt)
        .arg(p.userId)
        .arg(p.taskId)
        .arg(p.batchId)
        .arg(p.name)
        .arg(p.description)
        .arg(p.gender)
        .arg(p.ageRange)
        .arg(p.ethnicity)
        .arg(toJsonArray(p.styleTags))
        .arg(p.prompt)
        .arg(toJsonArray(p.referenceImages))
        .arg(p.aspectRatio)
        .arg(p.resolution)
        .arg(p.modelVersion)
        .arg(p.negativePrompt)
        .arg(str(domain::toString(p.status)))
        .arg(p.progress)
        .arg(p.errorCode)
        .arg(p.errorMessage)
        .arg(p.startedAt)
        .arg(p.finishedAt)
        .arg(p.generationTime)
        .arg(p.imageCount)
        .arg(static_cast<std::int64_t>(p.totalSize))
        .exec();
    const auto id = lastInsertId(s_, dialect_ == Dialect::SQLite);
    // The index rows of the styleTag filter; a tag given twice is one row.
    for (const auto& tag : std::set<std::string>(p.styleTags.begin(), p.styleTags.end()))
        SqlQuery(s_, "INSERT INTO model_photo_style_tags (model_photo_id, tag) VALUES (?, ?)")
            .arg(id)
            .arg(tag)
            .exec();
    return id;
}

void SqlModelPhotoRepository::update(const ModelPhoto& p) {
    SqlQuery(s_,
             "UPDATE model_photos SET status = ?, progress = ?, model_version = ?, error_code = ?, "
             "error_message = ?, "
             "started_at = ?, finished_at = ?, generation_time = ?, image_count = ?, total_size = ?, "
             "updated_at = ? "
             "WHERE id = ?")
        .arg(str(domain::toString(p.status)))
        .arg(p.progress)
        .arg(p.modelVersion)
        .arg(p.errorCode)
        .arg(p.errorMessage)
        .arg(p.startedAt)
        .arg(p.finishedAt)
        .arg(p.generationTime)
        .arg(p.imageCount)
        .arg(static_cast<std::int64_t>(p.totalSize))
        .arg(p.updatedAt)
        .arg(p.id)
        .exec();
}

void SqlModelPhotoRepository::markDeleted(domain::ModelPhotoId id, domain::Millis at) {
    // Rows deleted earlier keep their deleted_at: it starts their blobs' retention.
    SqlQuery(s_,
             "UPDATE model_photos SET is_deleted = 1, deleted_at = ?, updated_at = ? WHERE id = ? AND "
             "is_deleted = 0")
        .arg(at)
        .arg(at)
        .arg(id)
        .exec();
    SqlQuery(
        s_,
        "UPDATE model_images SET is_deleted = 1, deleted_at = ? WHERE model_photo_id = ? AND is_deleted = 0")
        .arg(at)
        .arg(id)
        .exec();
}

// ---- SqlModelImageRepository

std::optional<ModelImage> SqlModelImageRepository::findById(domain::ModelImageId id) {
    auto rs = SqlQuery(s_, std::string("SELECT ") + kImageColumns +
                               " FROM model_images WHERE id = ? AND is_deleted = 0")
                  .arg(id)
                  .rows();
    if (rs.rowCount() == 0) return std::nullopt;
    return readImage(rs, 0);
}

std::vector<ModelImage> SqlModelImageRepository::listByPhoto(domain::ModelPhotoId photoId) {
    using domain::ModelImageType;
    // A result before its preview and thumbnail (they share a sort_order), whatever the
    // alphabet says; the type names are the ones the rows are written with.
    const std::string typeRank = "CASE image_type WHEN '" + str(domain::toString(ModelImageType::Result)) +
                                 "' THEN 0 WHEN '" + str(domain::toString(ModelImageType::Preview)) +
                                 "' THEN 1 WHEN '" + str(domain::toString(ModelImageType::Thumbnail)) +
                                 "' THEN 2 ELSE 3 END";
    auto rs =
        SqlQuery(s_,
                 std::string("SELECT ") + kImageColumns +
                     " FROM model_images WHERE model_photo_id = ? AND is_deleted = 0 ORDER BY sort_order, " +
                     typeRank + ", id")
            .arg(photoId)
            .rows();
    std::vector<ModelImage> out;
    out.reserve(rs.rowCount());
    for (std::size_t row = 0; row < rs.rowCount(); ++row) out.push_back(readImage(rs, row));
    return out;
}

domain::ModelImageId SqlModelImageRepository::insert(const ModelImage& m) {
    SqlQuery(s_,
             "INSERT INTO model_images (created_at, model_photo_id, user_id, filename, width, height, size, "
             "content_type, extension, storage_key, sha256, crc32, oss_object_name, oss_url, oss_cdn_url, "
             "oss_folder, "
             "local_path, is_uploaded, uploaded_at, image_type, is_primary, sort_order, is_deleted) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)")
        .arg(m.createdAt)
        .arg(m.modelPhotoId)
        .arg(m.userId)
        .arg(m.filename)
        .arg(m.width)
        .arg(m.height)
        .arg(static_cast<std::int64_t>(m.size))
        .arg(m.contentType)
        .arg(m.extension)
        .arg(m.storageKey)
        .arg(m.sha256)
        .arg(static_cast<std::int64_t>(m.crc32))
        .arg(m.ossObjectName)
        .arg(m.ossUrl)
        .arg(m.ossCdnUrl)
        .arg(m.ossFolder)
        .arg(m.localPath)
        .arg(m.isUploaded ? 1 : 0)
        .arg(m.uploadedAt)
        .arg(str(domain::toString(m.imageType)))
        .arg(m.isPrimary ? 1 : 0)
        .arg(m.sortOrder)
        .exec();
    return lastInsertId(s_, dialect_ == Dialect::SQLite);
}

// ---- SqlImageTaskRepository

void SqlImageTaskRepository::insert(const ImageTask& t) {
    SqlQuery(
        s_,
        "INSERT INTO image_tasks (id, model_photo_id, type, payload, status, attempts, max_attempts, "
        "next_attempt_at, locked_by, lease_until, provider_task_id, progress, error_code, error_message, "
        "created_at, updated_at, started_at, finished_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .arg(t.id)
        .arg(t.modelPhotoId)
        .arg(t.type)
        .arg(t.payload)
        .arg(str(domain::toString(t.status)))
        .arg(t.attempts)
        .arg(t.maxAttempts)
        .arg(t.nextAttemptAt)
        .arg(t.lockedBy)
        .arg(t.leaseUntil)
        .arg(t.providerTaskId)
        .arg(t.progress)
        .arg(t.errorCode)
        .arg(t.errorMessage)
        .arg(t.createdAt)
        .arg(t.updatedAt)
        .arg(t.startedAt)
        .arg(t.finishedAt)
        .exec();
}

std::optional<ImageTask> SqlImageTaskRepository::findByPhoto(domain::ModelPhotoId photoId) {
    return firstTask(
        SqlQuery(s_, std::string("SELECT ") + kTaskColumns + " FROM image_tasks WHERE model_photo_id = ?")
            .arg(photoId)
            .rows());
}

std::optional<ImageTask> SqlImageTaskRepository::lockById(const std::string& id) {
    const char* lock = dialect_ == Dialect::MySQL ? " FOR UPDATE" : "";
    return firstTask(
        SqlQuery(s_, std::string("SELECT ") + kTaskColumns + " FROM image_tasks WHERE id = ?" + lock)
            .arg(id)
            .rows());
}

std::optional<ImageTask> SqlImageTaskRepository::lockNextDue(domain::Millis now) {
    // Not one `SELECT ... ORDER BY ... LIMIT 1 FOR UPDATE SKIP LOCKED` per kind: a locking range
    // scan can also lock the index record just past its range (measured on MariaDB 10.11 under
    // REPEATABLE READ and READ COMMITTED alike), which can be another due task, e.g. the first
    // queued row after the processing range of the lease index; a concurrent claimer then skips
    // that task and comes back empty although it is free. So the candidates (the 32 due first)
    // are read in claim order without locks, in one statement for both kinds, and then locked by
    // primary key: `id IN (...) ... LIMIT 1 FOR UPDATE SKIP LOCKED` looks the candidates up one
    // by one, skips those another claimer holds, re-checks the rest against the latest committed
    // row, and stops at the first that qualifies, which it locks (that row only: point lookups on
    // the primary key take no gap locks). So concurrent claimers take different tasks of the
    // window in one round trip; within the window the order is the primary key's (random UUIDs).
    // On SQLite the caller's BEGIN IMMEDIATE transaction already excludes every other writer:
    // the first candidate is the claim.
    const bool mysql = dialect_ == Dialect::MySQL;
    const std::string processing = str(domain::toString(domain::PhotoStatus::Processing));
    const std::string queued = str(domain::toString(domain::PhotoStatus::Queued));
    // More claimers than this in the same instant may come back empty; they poll again.
    const int window = mysql ? 8 : 1;
    static const char* const kExpired = "status = ? AND lease_until < ?";
    static const char* const kDue = "status = ? AND next_attempt_at <= ?";
    // A processing task whose worker died first (its request has waited longest), then the
    // queued tasks due first.
    auto candidates = SqlQuery(s_, std::string("SELECT id, kind FROM (SELECT id, 0 AS kind FROM image_tasks WHERE ") +
                                       kExpired + " ORDER BY lease_until, id LIMIT ?) expired UNION ALL " +
                                       "SELECT id, kind FROM (SELECT id, 1 AS kind FROM image_tasks WHERE " + kDue +
                                       " ORDER BY next_attempt_at, created_at, id LIMIT ?) due")
                          .arg(processing)
                          .arg(now)
                          .arg(window)
                          .arg(queued)
                          .arg(now)
                          .arg(window)
                          .rows();
    std::vector<std::string> ids[2];
    for (std::size_t row = 0; row < candidates.rowCount(); ++row)
        ids[cellInt(candidates, 1, row) == 0 ? 0 : 1].push_back(cellText(candidates, 0, row));
    for (int kind = 0; kind < 2; ++kind) {
        if (ids[kind].empty()) continue;
        std::string sql = std::string("SELECT ") + kTaskColumns + " FROM image_tasks WHERE id IN (";
        for (std::size_t i = 0; i < ids[kind].size(); ++i) sql += i ? ", ?" : "?";
        sql += std::string(") AND ") + (kind == 0 ? kExpired : kDue) + " LIMIT 1" +
               (mysql ? " FOR UPDATE SKIP LOCKED" : "");
        SqlQuery q(s_, sql);
        for (const auto& id : ids[kind]) q.arg(id);
        q.arg(kind == 0 ? processing : queued).arg(now);
        if (auto locked = firstTask(q.rows())) return locked;
    }
    return std::nullopt;
}

namespace {

// UPDATE image_tasks SET every mutable column WHERE id = ? [extra]; the number of rows changed.
std::size_t updateTask(Poco::Data::Session& s, const ImageTask& t, const std::string& extraCondition,
                       const std::vector<std::string>& extraArgs) {
    SqlQuery q(s,
               "UPDATE image_tasks SET payload = ?, status = ?, attempts = ?, max_attempts = ?, next_attempt_at = ?, "
               "locked_by = ?, lease_until = ?, provider_task_id = ?, progress = ?, error_code = ?, "
               "error_message = ?, updated_at = ?, started_at = ?, finished_at = ? WHERE id = ?" +
                   extraCondition);
    q.arg(t.payload)
        .arg(str(domain::toString(t.status)))
        .arg(t.attempts)
        .arg(t.maxAttempts)
        .arg(t.nextAttemptAt)
        .arg(t.lockedBy)
        .arg(t.leaseUntil)
        .arg(t.providerTaskId)
        .arg(t.progress)
        .arg(t.errorCode)
        .arg(t.errorMessage)
        .arg(t.updatedAt)
        .arg(t.startedAt)
        .arg(t.finishedAt)
        .arg(t.id);
    for (const auto& a : extraArgs) q.arg(a);
    return q.exec();
}

}  // namespace

void SqlImageTaskRepository::update(const ImageTask& t) {
    updateTask(s_, t, "", {});
}

bool SqlImageTaskRepository::updateIfHeld(const ImageTask& t, const std::string& workerId) {
    // MySQL counts changed rows, not matched ones: every caller changes the status or moves
    // lease_until forward, so a held row always counts.
    return updateTask(s_, t, " AND status = ? AND locked_by = ?",
                      {str(domain::toString(domain::PhotoStatus::Processing)), workerId}) == 1;
}

}  // namespace mofang::persistence
