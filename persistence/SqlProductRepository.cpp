#include <map>
#include <tuple>
#include <variant>

#include "persistence/SqlQuery.hpp"
#include "persistence/SqlRepositories.hpp"

namespace mofang::persistence {
namespace {

using domain::Product;
using Arg = std::variant<std::int64_t, std::string>;

constexpr char kTagSeparator = '\x1f';  // tags cannot hold control characters (domain rule)

const char* kProductColumns =
    "p.id, p.name, p.spu_code, p.gender, p.age_range, p.scenarios, p.styles, p.designer_3d, "
    "p.designer_graphic, "
    "p.created_by, p.created_at, p.updated_at, p.is_deleted";

std::string joinTags(const std::vector<std::string>& tags) {
    std::string out;
    for (const auto& t : tags) {
        if (!out.empty()) out += kTagSeparator;
        out += t;
    }
    return out;
}

std::vector<std::string> splitTags(const std::string& stored) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < stored.size()) {
        auto sep = stored.find(kTagSeparator, start);
        if (sep == std::string::npos) sep = stored.size();
        out.push_back(stored.substr(start, sep - start));
        start = sep + 1;
    }
    return out;
}

Product readProduct(const Poco::Data::RecordSet& rs, std::size_t row) {
    Product p;
    p.id = cellInt(rs, 0, row);
    p.name = cellText(rs, 1, row);
    p.spuCode = cellText(rs, 2, row);
    p.gender = cellText(rs, 3, row);
    p.ageRange = cellText(rs, 4, row);
    p.scenarios = splitTags(cellText(rs, 5, row));
    p.styles = splitTags(cellText(rs, 6, row));
    p.threeDDesigner = cellText(rs, 7, row);
    p.graphicDesigner = cellText(rs, 8, row);
    p.createdBy = cellInt(rs, 9, row);
    p.createdAt = cellInt(rs, 10, row);
    p.updatedAt = cellInt(rs, 11, row);
    p.deleted = cellInt(rs, 12, row) != 0;
    return p;
}

// LIKE with '!' as the escape character: %, _ and ! in user text match themselves.
std::string likeEscape(const std::string& s) {
    std::string out;
    for (const char c : s) {
        if (c == '!' || c == '%' || c == '_') out += '!';
        out += c;
    }
    return out;
}

std::string placeholders(std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
    return out;
}

// The WHERE conditions of a filter over `products p`; `skipKind` leaves one kind out (facets).
void appendFilter(const domain::ProductFilter& f, std::string_view skipKind, std::string& sql,
                  std::vector<Arg>& args) {
    sql += " p.is_deleted = 0";
    if (f.gender && skipKind != "gender") {
        sql += " AND p.gender = ?";
        args.emplace_back(*f.gender);
    }
    if (f.ageRange && skipKind != "ageRange") {
        sql += " AND p.age_range = ?";
        args.emplace_back(*f.ageRange);
    }
    const auto tagFilter = [&](const char* kind, const std::vector<std::string>& values) {
        if (values.empty() || skipKind == kind) return;
        sql += std::string(
                   " AND EXISTS (SELECT 1 FROM product_tags t WHERE t.product_id = p.id AND t.kind = '") +
               kind + "' AND t.value IN (" + placeholders(values.size()) + "))";
        for (const auto& v : values) args.emplace_back(v);
    };
    tagFilter("scenario", f.scenarios);
    tagFilter("style", f.styles);
    if (f.designer) {
        sql += " AND (p.designer_3d = ? OR p.designer_graphic = ?)";
        args.emplace_back(*f.designer);
        args.emplace_back(*f.designer);
    }
    if (f.q && !f.q->empty()) {
        sql += " AND (p.name LIKE ? ESCAPE '!' OR p.spu_code LIKE ? ESCAPE '!')";
        args.emplace_back("%" + likeEscape(*f.q) + "%");
        args.emplace_back(likeEscape(*f.q) + "%");
    }
}

SqlQuery bound(Poco::Data::Session& s, const std::string& sql, const std::vector<Arg>& args) {
    SqlQuery q(s, sql);
    for (const auto& a : args) std::visit([&q](const auto& v) { q.arg(v); }, a);
    return q;
}

void insertTags(Poco::Data::Session& s, const Product& p) {
    for (const auto& [kind, values] :
         {std::pair<const char*, const std::vector<std::string>*>{"scenario", &p.scenarios},
          {"style", &p.styles}})
        for (const auto& v : *values)
            SqlQuery(s, "INSERT INTO product_tags (product_id, kind, value, created_at) VALUES (?, ?, ?, ?)")
                .arg(p.id)
                .arg(kind)
                .arg(v)
                .arg(p.createdAt)
                .exec();
}

// product_facet_counts keys: (gender, ageRange, kind, value); kind "" counts the products.
using FacetKey = std::tuple<std::string, std::string, std::string, std::string>;

void addFacetDeltas(std::map<FacetKey, std::int64_t>& deltas, const Product& p, std::int64_t delta) {
    deltas[{p.gender, p.ageRange, "", ""}] += delta;
    for (const auto& v : p.scenarios) deltas[{p.gender, p.ageRange, "scenario", v}] += delta;
    for (const auto& v : p.styles) deltas[{p.gender, p.ageRange, "style", v}] += delta;
}

// Applied in key order (a std::map), so concurrent writers lock counter rows in the same order.
void applyFacetDeltas(Poco::Data::Session& s, bool mysql, const std::map<FacetKey, std::int64_t>& deltas) {
    const std::string sql =
        std::string(
            "INSERT INTO product_facet_counts (gender, age_range, kind, value, n) VALUES (?, ?, ?, ?, ?) ") +
        (mysql ? "ON DUPLICATE KEY UPDATE n = n + VALUES(n)"
               : "ON CONFLICT (gender, age_range, kind, value) DO UPDATE SET n = n + excluded.n");
    for (const auto& [key, delta] : deltas) {
        if (delta == 0) continue;
        SqlQuery(s, sql)
            .arg(std::get<0>(key))
            .arg(std::get<1>(key))
            .arg(std::get<2>(key))
            .arg(std::get<3>(key))
            .arg(delta)
            .exec();
    }
}

// Every change of what product lists and facets show moves the catalogue version on, in the
// change's own transaction (after the facet counters: one lock order for every writer).
void bumpCatalogueVersion(Poco::Data::Session& s) {
    SqlQuery(s, "UPDATE catalogue_version SET version = version + 1 WHERE id = 1").exec();
}

// The stored state of a live product, for the counter deltas of a change.
std::optional<Product> liveRow(Poco::Data::Session& s, domain::ProductId id) {
    auto rs = SqlQuery(s, std::string("SELECT ") + kProductColumns +
                              " FROM products p WHERE p.id = ? AND p.is_deleted = 0")
                  .arg(id)
                  .rows();
    if (rs.rowCount() == 0) return std::nullopt;
    return readProduct(rs, 0);
}

}  // namespace

std::optional<Product> SqlProductRepository::findById(domain::ProductId id) {
    auto rs = SqlQuery(s_, std::string("SELECT ") + kProductColumns +
                               " FROM products p WHERE p.id = ? AND p.is_deleted = 0")
                  .arg(id)
                  .rows();
    if (rs.rowCount() == 0) return std::nullopt;
    return readProduct(rs, 0);
}

std::optional<Product> SqlProductRepository::findBySpu(std::string_view spuCode) {
    auto rs = SqlQuery(s_, std::string("SELECT ") + kProductColumns +
                               " FROM products p WHERE p.spu_code = ? AND p.is_deleted = 0")
                  .arg(std::string(spuCode))
                  .rows();
    if (rs.rowCount() == 0) return std::nullopt;
    return readProduct(rs, 0);
}

bool SqlProductRepository::spuTaken(std::string_view spuCode, domain::ProductId exceptId) {
    auto rs = SqlQuery(s_, "SELECT COUNT(*) FROM products WHERE spu_code = ? AND id <> ?")
                  .arg(std::string(spuCode))
                  .arg(exceptId)
                  .rows();
    return cellInt(rs, 0, 0) > 0;
}

domain::ProductId SqlProductRepository::insert(const Product& p) {
    SqlQuery(s_,
             "INSERT INTO products (name, spu_code, gender, age_range, scenarios, styles, designer_3d, "
             "designer_graphic, "
             "created_by, created_at, updated_at, is_deleted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)")
        .arg(p.name)
        .arg(p.spuCode)
        .arg(p.gender)
        .arg(p.ageRange)
        .arg(joinTags(p.scenarios))
        .arg(joinTags(p.styles))
        .arg(p.threeDDesigner)
        .arg(p.graphicDesigner)
        .arg(p.createdBy)
        .arg(p.createdAt)
        .arg(p.updatedAt)
        .exec();
    Product stored = p;
    stored.id = lastInsertId(s_, dialect_ == Dialect::SQLite);
    insertTags(s_, stored);
    std::map<FacetKey, std::int64_t> deltas;
    addFacetDeltas(deltas, stored, +1);
    applyFacetDeltas(s_, dialect_ == Dialect::MySQL, deltas);
    bumpCatalogueVersion(s_);
    return stored.id;
}

void SqlProductRepository::update(const Product& p) {
    std::map<FacetKey, std::int64_t> deltas;
    if (const auto before = liveRow(s_, p.id)) addFacetDeltas(deltas, *before, -1);
    addFacetDeltas(deltas, p, +1);
    SqlQuery(
        s_,
        "UPDATE products SET name = ?, spu_code = ?, gender = ?, age_range = ?, scenarios = ?, styles = ?, "
        "designer_3d = ?, designer_graphic = ?, updated_at = ? WHERE id = ?")
        .arg(p.name)
        .arg(p.spuCode)
        .arg(p.gender)
        .arg(p.ageRange)
        .arg(joinTags(p.scenarios))
        .arg(joinTags(p.styles))
        .arg(p.threeDDesigner)
        .arg(p.graphicDesigner)
        .arg(p.updatedAt)
        .arg(p.id)
        .exec();
    SqlQuery(s_, "DELETE FROM product_tags WHERE product_id = ?").arg(p.id).exec();
    insertTags(s_, p);
    applyFacetDeltas(s_, dialect_ == Dialect::MySQL, deltas);
    bumpCatalogueVersion(s_);
}

void SqlProductRepository::markDeleted(domain::ProductId id, domain::Millis at) {
    const auto before = liveRow(s_, id);
    if (!before) return;
    std::map<FacetKey, std::int64_t> deltas;
    addFacetDeltas(deltas, *before, -1);
    applyFacetDeltas(s_, dialect_ == Dialect::MySQL, deltas);
    SqlQuery(s_, "UPDATE products SET is_deleted = 1, deleted_at = ?, updated_at = ? WHERE id = ?")
        .arg(at)
        .arg(at)
        .arg(id)
        .exec();
    bumpCatalogueVersion(s_);
}

// Keyset pages must walk one index range in page order, or a page deep in the listing costs a
// scan of everything before it. Two plans:
//  * one tag value, newest first: drive from product_tags (kind, value, created_at, product_id),
//    which holds each product's created_at, and look the products up by primary key;
//  * otherwise products in the sort's index; on MySQL forced, because with is_deleted = 0 as
//    the leading column InnoDB's estimate makes every range look dearer than a full scan.
//    With several tag values the optimizer chooses (a forced index is slow for rare values).
std::vector<Product> SqlProductRepository::list(const domain::ProductQuery& q) {
    const bool mysql = dialect_ == Dialect::MySQL;
    const bool byName = q.sort == domain::ProductSort::NameAsc;
    const auto& f = q.filter;
    std::vector<Arg> args;
    std::string sql = std::string("SELECT ") + kProductColumns;
    const char* drivingKind = nullptr;
    if (!byName && f.styles.size() == 1)
        drivingKind = "style";
    else if (!byName && f.scenarios.size() == 1)
        drivingKind = "scenario";

    if (drivingKind) {
        const std::string& value =
            std::string(drivingKind) == "style" ? f.styles.front() : f.scenarios.front();
        sql += mysql ? " FROM product_tags t STRAIGHT_JOIN products p ON p.id = t.product_id"
                     : " FROM product_tags t CROSS JOIN products p ON p.id = t.product_id";
        sql += " WHERE t.kind = ? AND t.value = ? AND";
        args.emplace_back(std::string(drivingKind));
        args.emplace_back(value);
        appendFilter(f, drivingKind, sql, args);
    } else {
        sql += " FROM products p";
        if (mysql && f.scenarios.empty() && f.styles.empty())
            sql += byName     ? " FORCE INDEX (idx_products_live_name)"
                   : f.gender ? " FORCE INDEX (idx_products_gender_created)"
                              : " FORCE INDEX (idx_products_live_created)";
        sql += " WHERE";
        appendFilter(f, "", sql, args);
    }
    // Keyset: rows after the cursor in (sort key, id) order; product_tags carries both columns.
    const std::string key = drivingKind ? "t.created_at" : byName ? "p.name" : "p.created_at";
    const std::string id = drivingKind ? "t.product_id" : "p.id";
    const std::string past = byName ? " > ?" : " < ?";
    if (q.after) {
        sql += " AND (" + key + past + " OR (" + key + " = ? AND " + id + past + "))";
        const Arg cursorKey = byName ? Arg(q.after->name) : Arg(q.after->createdAt);
        args.push_back(cursorKey);
        args.push_back(cursorKey);
        args.emplace_back(q.after->id);
    }
    const std::string direction = byName ? "" : " DESC";
    sql += " ORDER BY " + key + direction + ", " + id + direction + " LIMIT ?";
    args.emplace_back(static_cast<std::int64_t>(q.limit));
    auto rs = bound(s_, sql, args).rows();
    std::vector<Product> out;
    out.reserve(rs.rowCount());
    for (std::size_t row = 0; row < rs.rowCount(); ++row) out.push_back(readProduct(rs, row));
    return out;
}

domain::ProductFacets SqlProductRepository::facets(const domain::ProductFilter& f) {
    domain::ProductFacets out;
    if (f.scenarios.empty() && f.styles.empty() && !f.designer && (!f.q || f.q->empty())) {
        // Only gender/ageRange (or nothing): the maintained counters answer it.
        const auto counted = [&](const std::string& facet, const char* column, const char* kind,
                                 bool byGender, bool byAge) {
            std::string sql =
                std::string("SELECT ") + column + ", SUM(n) FROM product_facet_counts WHERE kind = ?";
            std::vector<Arg> args{std::string(kind)};
            if (byGender && f.gender) {
                sql += " AND gender = ?";
                args.emplace_back(*f.gender);
            }
            if (byAge && f.ageRange) {
                sql += " AND age_range = ?";
                args.emplace_back(*f.ageRange);
            }
            sql += std::string(" GROUP BY ") + column + " HAVING SUM(n) > 0";
            auto rs = bound(s_, sql, args).rows();
            auto& bucket = out.counts[facet];
            for (std::size_t row = 0; row < rs.rowCount(); ++row)
                bucket[cellText(rs, 0, row)] = cellInt(rs, 1, row);
        };
        counted("gender", "gender", "", false, true);
        counted("ageRange", "age_range", "", true, false);
        counted("scenario", "value", "scenario", true, true);
        counted("style", "value", "style", true, true);
        return out;
    }
    const auto count = [&](const std::string& facet, const std::string& select, const std::string& from,
                           const std::string& extra, const std::string& groupBy) {
        std::string sql = "SELECT " + select + ", COUNT(*) FROM " + from + " WHERE" + extra;
        std::vector<Arg> args;
        std::string where;
        appendFilter(f, facet, where, args);
        sql += (extra.empty() ? "" : " AND") + where + " GROUP BY " + groupBy;
        auto rs = bound(s_, sql, args).rows();
        auto& bucket = out.counts[facet];
        for (std::size_t row = 0; row < rs.rowCount(); ++row)
            bucket[cellText(rs, 0, row)] = cellInt(rs, 1, row);
    };
    count("gender", "p.gender", "products p", "", "p.gender");
    count("ageRange", "p.age_range", "products p", "", "p.age_range");
    count("scenario", "t.value", "product_tags t JOIN products p ON p.id = t.product_id",
          " t.kind = 'scenario'", "t.value");
    count("style", "t.value", "product_tags t JOIN products p ON p.id = t.product_id", " t.kind = 'style'",
          "t.value");
    return out;
}

std::optional<domain::MaterialModule> SqlModuleRepository::findById(domain::ModuleId id) {
    auto rs =
        SqlQuery(
            s_,
            "SELECT id, product_id, type, sub_type, sort_order, created_at, updated_at FROM material_modules "
            "WHERE id = ?")
            .arg(id)
            .rows();
    if (rs.rowCount() == 0) return std::nullopt;
    return readModule(rs, 0);
}

domain::MaterialModule SqlModuleRepository::readModule(const Poco::Data::RecordSet& rs, std::size_t row) {
    domain::MaterialModule m;
    m.id = cellInt(rs, 0, row);
    m.productId = cellInt(rs, 1, row);
    m.type = cellText(rs, 2, row);
    m.subType = cellText(rs, 3, row);
    m.order = static_cast<int>(cellInt(rs, 4, row));
    m.createdAt = cellInt(rs, 5, row);
    m.updatedAt = cellInt(rs, 6, row);
    return m;
}

std::vector<domain::MaterialModule> SqlModuleRepository::listByProduct(domain::ProductId productId) {
    auto rs =
        SqlQuery(
            s_,
            "SELECT id, product_id, type, sub_type, sort_order, created_at, updated_at FROM material_modules "
            "WHERE product_id = ? ORDER BY sort_order, id")
            .arg(productId)
            .rows();
    std::vector<domain::MaterialModule> out;
    for (std::size_t row = 0; row < rs.rowCount(); ++row) out.push_back(readModule(rs, row));
    return out;
}

bool SqlModuleRepository::slotTaken(domain::ProductId productId, std::string_view type,
                                    std::string_view subType, domain::ModuleId exceptId) {
    auto rs =
        SqlQuery(
            s_,
            "SELECT COUNT(*) FROM material_modules WHERE product_id = ? AND type = ? AND sub_type = ? AND "
            "id <> ?")
            .arg(productId)
            .arg(std::string(type))
            .arg(std::string(subType))
            .arg(exceptId)
            .rows();
    return cellInt(rs, 0, 0) > 0;
}

domain::ModuleId SqlModuleRepository::insert(const domain::MaterialModule& m) {
    SqlQuery(s_,
             "INSERT INTO material_modules (product_id, type, sub_type, sort_order, created_at, updated_at) "
             "VALUES (?, ?, ?, ?, ?, ?)")
        .arg(m.productId)
        .arg(m.type)
        .arg(m.subType)
        .arg(m.order)
        .arg(m.createdAt)
        .arg(m.updatedAt)
        .exec();
    return lastInsertId(s_, dialect_ == Dialect::SQLite);
}

void SqlModuleRepository::update(const domain::MaterialModule& m) {
    SqlQuery(
        s_, "UPDATE material_modules SET type = ?, sub_type = ?, sort_order = ?, updated_at = ? WHERE id = ?")
        .arg(m.type)
        .arg(m.subType)
        .arg(m.order)
        .arg(m.updatedAt)
        .arg(m.id)
        .exec();
}

void SqlModuleRepository::remove(domain::ModuleId id) {
    SqlQuery(s_, "DELETE FROM material_modules WHERE id = ?").arg(id).exec();
}

}  // namespace mofang::persistence
