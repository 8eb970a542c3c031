#include "persistence/SqlQuery.hpp"
#include "persistence/SqlRepositories.hpp"

namespace mofang::persistence {
namespace {

using domain::Material;

const char* kMaterialColumns =
    "id, module_id, product_id, filename, filesize, mimetype, width, height, sort_order, storage_key, sha256, "
    "crc32, thumbnail_key, thumbnail_size, thumbnail_crc32, thumbnail_width, thumbnail_height, preview_key, "
    "preview_size, preview_crc32, preview_width, preview_height, created_by, created_at, updated_at, is_deleted, "
    "deleted_at";

Material readMaterial(const Poco::Data::RecordSet& rs, std::size_t row) {
    Material m;
    std::size_t c = 0;
    const auto i64 = [&]() { return cellInt(rs, c++, row); };
    const auto u32 = [&]() { return static_cast<std::uint32_t>(cellInt(rs, c++, row)); };
    const auto i32 = [&]() { return static_cast<int>(cellInt(rs, c++, row)); };
    const auto text = [&]() { return cellText(rs, c++, row); };
    m.id = i64();
    m.moduleId = i64();
    m.productId = i64();
    m.filename = text();
    m.filesize = static_cast<std::uint64_t>(i64());
    m.mimeType = text();
    m.width = i32();
    m.height = i32();
    m.order = i32();
    m.storageKey = text();
    m.sha256 = text();
    m.crc32 = u32();
    m.thumbnail.key = text();
    m.thumbnail.size = static_cast<std::uint64_t>(i64());
    m.thumbnail.crc32 = u32();
    m.thumbnail.width = i32();
    m.thumbnail.height = i32();
    m.preview.key = text();
    m.preview.size = static_cast<std::uint64_t>(i64());
    m.preview.crc32 = u32();
    m.preview.width = i32();
    m.preview.height = i32();
    m.createdBy = i64();
    m.createdAt = i64();
    m.updatedAt = i64();
    m.deleted = i64() != 0;
    m.deletedAt = cellOptInt(rs, c++, row);
    return m;
}

std::vector<Material> readAll(Poco::Data::RecordSet rs) {
    std::vector<Material> out;
    out.reserve(rs.rowCount());
    for (std::size_t row = 0; row < rs.rowCount(); ++row) out.push_back(readMaterial(rs, row));
    return out;
}

}  // namespace

std::optional<Material> SqlMaterialRepository::findById(domain::MaterialId id) {
    auto rs = SqlQuery(s_, std::string("SELECT ") + kMaterialColumns + " FROM materials WHERE id = ? AND is_deleted = 0")
                  .arg(id)
                  .rows();
    if (rs.rowCount() == 0) return std::nullopt;
    return readMaterial(rs, 0);
}

std::vector<Material> SqlMaterialRepository::listByModule(domain::ModuleId moduleId) {
    return readAll(SqlQuery(s_, std::string("SELECT ") + kMaterialColumns +
                                    " FROM materials WHERE module_id = ? AND is_deleted = 0 ORDER BY sort_order, id")
                       .arg(moduleId)
                       .rows());
}

std::vector<Material> SqlMaterialRepository::listByModules(const std::vector<domain::ModuleId>& moduleIds) {
    if (moduleIds.empty()) return {};
    std::string sql = std::string("SELECT ") + kMaterialColumns + " FROM materials WHERE module_id IN (";
    for (std::size_t i = 0; i < moduleIds.size(); ++i) sql += i ? ", ?" : "?";
    sql += ") AND is_deleted = 0 ORDER BY module_id, sort_order, id";
    SqlQuery q(s_, sql);
    for (const auto id : moduleIds) q.arg(id);
    return readAll(q.rows());
}

int SqlMaterialRepository::maxOrder(domain::ModuleId moduleId) {
    auto rs = SqlQuery(s_, "SELECT COALESCE(MAX(sort_order), 0) FROM materials WHERE module_id = ? AND is_deleted = 0")
                  .arg(moduleId)
                  .rows();
    return static_cast<int>(cellInt(rs, 0, 0));
}

domain::MaterialId SqlMaterialRepository::insert(const Material& m) {
    SqlQuery(s_,
             "INSERT INTO materials (module_id, product_id, filename, filesize, mimetype, width, height, sort_order, "
             "storage_key, sha256, crc32, thumbnail_key, thumbnail_size, thumbnail_crc32, thumbnail_width, "
             "thumbnail_height, preview_key, preview_size, preview_crc32, preview_width, preview_height, created_by, "
             "created_at, updated_at, is_deleted) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)")
        .arg(m.moduleId)
        .arg(m.productId)
        .arg(m.filename)
        .arg(static_cast<std::int64_t>(m.filesize))
        .arg(m.mimeType)
        .arg(m.width)
        .arg(m.height)
        .arg(m.order)
        .arg(m.storageKey)
        .arg(m.sha256)
        .arg(static_cast<std::int64_t>(m.crc32))
        .arg(m.thumbnail.key)
        .arg(static_cast<std::int64_t>(m.thumbnail.size))
        .arg(static_cast<std::int64_t>(m.thumbnail.crc32))
        .arg(m.thumbnail.width)
        .arg(m.thumbnail.height)
        .arg(m.preview.key)
        .arg(static_cast<std::int64_t>(m.preview.size))
        .arg(static_cast<std::int64_t>(m.preview.crc32))
        .arg(m.preview.width)
        .arg(m.preview.height)
        .arg(m.createdBy)
        .arg(m.createdAt)
        .arg(m.updatedAt)
        .exec();
    return lastInsertId(s_, dialect_ == Dialect::SQLite);
}

void SqlMaterialRepository::update(const Material& m) {
    SqlQuery(s_, "UPDATE materials SET filename = ?, sort_order = ?, updated_at = ? WHERE id = ?")
        .arg(m.filename)
        .arg(m.order)
        .arg(m.updatedAt)
        .arg(m.id)
        .exec();
}

void SqlMaterialRepository::markDeleted(domain::MaterialId id, domain::Millis at) {
    SqlQuery(s_, "UPDATE materials SET is_deleted = 1, deleted_at = ?, updated_at = ? WHERE id = ? AND is_deleted = 0")
        .arg(at)
        .arg(at)
        .arg(id)
        .exec();
}

void SqlMaterialRepository::markDeletedByModule(domain::ModuleId moduleId, domain::Millis at) {
    SqlQuery(s_,
             "UPDATE materials SET is_deleted = 1, deleted_at = ?, updated_at = ? WHERE module_id = ? AND "
             "is_deleted = 0")
        .arg(at)
        .arg(at)
        .arg(moduleId)
        .exec();
}

std::int64_t SqlBlobReferenceRepository::pin(const std::string& key, domain::Millis at) {
    SqlQuery(s_, "INSERT INTO blob_pins (storage_key, pinned_at) VALUES (?, ?)").arg(key).arg(at).exec();
    return lastInsertId(s_, dialect_ == Dialect::SQLite);
}

void SqlBlobReferenceRepository::unpin(std::int64_t pinId) {
    SqlQuery(s_, "DELETE FROM blob_pins WHERE id = ?").arg(pinId).exec();
}

std::size_t SqlBlobReferenceRepository::removePinsBefore(domain::Millis before) {
    return SqlQuery(s_, "DELETE FROM blob_pins WHERE pinned_at < ?").arg(before).exec();
}

bool SqlBlobReferenceRepository::isReferenced(const std::string& key, domain::Millis deletedSince) {
    // Live rows, rows within their retention, and pins. The product's or module's own
    // deletion does not free a material's blobs: only the material row's state counts (and
    // likewise a generated image's own row, not its model photo's).
    auto rs = SqlQuery(s_,
                       "SELECT COUNT(*) FROM ("
                       " SELECT 1 AS x FROM blob_pins WHERE storage_key = ?"
                       " UNION ALL SELECT 1 FROM materials WHERE storage_key = ? AND (is_deleted = 0 OR deleted_at >= ?)"
                       " UNION ALL SELECT 1 FROM materials WHERE thumbnail_key = ? AND (is_deleted = 0 OR deleted_at >= ?)"
                       " UNION ALL SELECT 1 FROM materials WHERE preview_key = ? AND (is_deleted = 0 OR deleted_at >= ?)"
                       " UNION ALL SELECT 1 FROM model_images WHERE storage_key = ? AND (is_deleted = 0 OR deleted_at >= ?)"
                       ") refs")
                  .arg(key)
                  .arg(key)
                  .arg(deletedSince)
                  .arg(key)
                  .arg(deletedSince)
                  .arg(key)
                  .arg(deletedSince)
                  .arg(key)
                  .arg(deletedSince)
                  .rows();
    return cellInt(rs, 0, 0) > 0;
}

std::vector<std::string> SqlBlobReferenceRepository::referencedKeys(domain::Millis deletedSince) {
    // One statement, so one consistent snapshot: a pin removed in the transaction that inserted
    // its row is seen either as the pin or as the row.
    auto rs = SqlQuery(s_,
                       "SELECT storage_key FROM blob_pins"
                       " UNION SELECT storage_key FROM materials WHERE is_deleted = 0 OR deleted_at >= ?"
                       " UNION SELECT thumbnail_key FROM materials WHERE is_deleted = 0 OR deleted_at >= ?"
                       " UNION SELECT preview_key FROM materials WHERE is_deleted = 0 OR deleted_at >= ?"
                       " UNION SELECT storage_key FROM model_images WHERE is_deleted = 0 OR deleted_at >= ?")
                  .arg(deletedSince)
                  .arg(deletedSince)
                  .arg(deletedSince)
                  .arg(deletedSince)
                  .rows();
    std::vector<std::string> out;
    out.reserve(rs.rowCount());
    for (std::size_t row = 0; row < rs.rowCount(); ++row) out.push_back(cellText(rs, 0, row));
    return out;
}

}  // namespace mofang::persistence
