#include "persistence/SqlQuery.hpp"
#include "persistence/SqlRepositories.hpp"

namespace mofang::persistence {
namespace {

void insertItems(Poco::Data::Session& s, const domain::Selection& sel) {
    // One multi-row INSERT per chunk: a selection of thousands of items is a few statements.
    constexpr std::size_t kChunk = 500;
    for (std::size_t start = 0; start < sel.items.size(); start += kChunk) {
        const auto end = std::min(sel.items.size(), start + kChunk);
        std::string sql = "INSERT INTO user_selection_items (selection_id, position, module_id, material_id) VALUES ";
        for (std::size_t i = start; i < end; ++i) sql += i == start ? "(?, ?, ?, ?)" : ", (?, ?, ?, ?)";
        SqlQuery q(s, sql);
        for (std::size_t i = start; i < end; ++i)
            q.arg(sel.id).arg(static_cast<std::int64_t>(i)).arg(sel.items[i].moduleId).arg(sel.items[i].materialId);
        q.exec();
    }
}

}  // namespace

std::optional<domain::Selection> SqlSelectionRepository::findById(domain::SelectionId id) {
    auto rs = SqlQuery(s_, "SELECT id, user_id, product_id, created_at, updated_at FROM user_selections WHERE id = ?")
                  .arg(id)
                  .rows();
    if (rs.rowCount() == 0) return std::nullopt;
    domain::Selection sel;
    sel.id = cellInt(rs, 0, 0);
    sel.userId = cellInt(rs, 1, 0);
    sel.productId = cellInt(rs, 2, 0);
    sel.createdAt = cellInt(rs, 3, 0);
    sel.updatedAt = cellInt(rs, 4, 0);
    auto items = SqlQuery(s_,
                          "SELECT module_id, material_id FROM user_selection_items WHERE selection_id = ? "
                          "ORDER BY position")
                     .arg(id)
                     .rows();
    sel.items.reserve(items.rowCount());
    for (std::size_t row = 0; row < items.rowCount(); ++row)
        sel.items.push_back({cellInt(items, 0, row), cellInt(items, 1, row)});
    return sel;
}

std::vector<domain::Selection> SqlSelectionRepository::list(const domain::SelectionQuery& q) {
    std::string sql = "SELECT id FROM user_selections WHERE 1 = 1";
    if (q.userId) sql += " AND user_id = ?";
    if (q.beforeId) sql += " AND id < ?";
    sql += " ORDER BY id DESC LIMIT ?";
    SqlQuery query(s_, sql);
    if (q.userId) query.arg(*q.userId);
    if (q.beforeId) query.arg(*q.beforeId);
    query.arg(q.limit);
    auto rs = query.rows();
    std::vector<domain::Selection> out;
    for (std::size_t row = 0; row < rs.rowCount(); ++row)
        if (auto sel = findById(cellInt(rs, 0, row))) out.push_back(std::move(*sel));
    return out;
}

domain::SelectionId SqlSelectionRepository::insert(const domain::Selection& sel) {
    SqlQuery(s_, "INSERT INTO user_selections (user_id, product_id, created_at, updated_at) VALUES (?, ?, ?, ?)")
        .arg(sel.userId)
        .arg(sel.productId)
        .arg(sel.createdAt)
        .arg(sel.updatedAt)
        .exec();
    domain::Selection stored = sel;
    stored.id = lastInsertId(s_, dialect_ == Dialect::SQLite);
    insertItems(s_, stored);
    return stored.id;
}

void SqlSelectionRepository::update(const domain::Selection& sel) {
    SqlQuery(s_, "UPDATE user_selections SET product_id = ?, updated_at = ? WHERE id = ?")
        .arg(sel.productId)
        .arg(sel.updatedAt)
        .arg(sel.id)
        .exec();
    SqlQuery(s_, "DELETE FROM user_selection_items WHERE selection_id = ?").arg(sel.id).exec();
    insertItems(s_, sel);
}

void SqlSelectionRepository::remove(domain::SelectionId id) {
    SqlQuery(s_, "DELETE FROM user_selection_items WHERE selection_id = ?").arg(id).exec();
    SqlQuery(s_, "DELETE FROM user_selections WHERE id = ?").arg(id).exec();
}

domain::DownloadId SqlDownloadRepository::insert(const domain::DownloadRecord& d) {
    SqlQuery(s_,
             "INSERT INTO download_records (user_id, product_id, selection_id, download_time, download_type, etag, "
             "size) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .arg(d.userId)
        .arg(d.productId)
        .arg(d.selectionId)
        .arg(d.downloadTime)
        .arg(std::string(domain::toString(d.type)))
        .arg(d.etag)
        .arg(static_cast<std::int64_t>(d.size))
        .exec();
    return lastInsertId(s_, dialect_ == Dialect::SQLite);
}

std::vector<domain::DownloadRecord> SqlDownloadRepository::list(const domain::DownloadQuery& q) {
    std::string sql =
        "SELECT id, user_id, product_id, selection_id, download_time, download_type, etag, size FROM "
        "download_records WHERE 1 = 1";
    if (q.userId) sql += " AND user_id = ?";
    if (q.productId) sql += " AND product_id = ?";
    if (q.beforeId) sql += " AND id < ?";
    sql += " ORDER BY id DESC LIMIT ?";
    SqlQuery query(s_, sql);
    if (q.userId) query.arg(*q.userId);
    if (q.productId) query.arg(*q.productId);
    if (q.beforeId) query.arg(*q.beforeId);
    query.arg(q.limit);
    auto rs = query.rows();
    std::vector<domain::DownloadRecord> out;
    for (std::size_t row = 0; row < rs.rowCount(); ++row) {
        domain::DownloadRecord d;
        d.id = cellInt(rs, 0, row);
        d.userId = cellInt(rs, 1, row);
        d.productId = cellInt(rs, 2, row);
        d.selectionId = cellInt(rs, 3, row);
        d.downloadTime = cellInt(rs, 4, row);
        d.type = cellText(rs, 5, row) == "preview" ? domain::DownloadType::Preview : domain::DownloadType::Package;
        d.etag = cellText(rs, 6, row);
        d.size = static_cast<std::uint64_t>(cellInt(rs, 7, row));
        out.push_back(std::move(d));
    }
    return out;
}

}  // namespace mofang::persistence
