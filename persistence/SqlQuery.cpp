#include "persistence/SqlQuery.hpp"

#include <Poco/Data/Binding.h>

namespace mofang::persistence {

using Poco::Data::Keywords::bind;

SqlQuery::SqlQuery(Poco::Data::Session& session, const std::string& text) : stmt_(session) {
    stmt_ << text;
}

SqlQuery& SqlQuery::arg(std::int64_t value) {
    stmt_.addBind(bind(static_cast<Poco::Int64>(value)));
    return *this;
}

SqlQuery& SqlQuery::arg(const std::string& value) {
    stmt_.addBind(bind(value));
    return *this;
}

SqlQuery& SqlQuery::arg(const std::optional<std::int64_t>& value) {
    Poco::Nullable<Poco::Int64> n;
    if (value) n = static_cast<Poco::Int64>(*value);
    stmt_.addBind(bind(n));
    return *this;
}

SqlQuery& SqlQuery::arg(const std::optional<double>& value) {
    Poco::Nullable<double> n;
    if (value) n = *value;
    stmt_.addBind(bind(n));
    return *this;
}

Poco::Data::RecordSet SqlQuery::rows() {
    stmt_.execute();
    return Poco::Data::RecordSet(stmt_);
}

std::size_t SqlQuery::exec() {
    return stmt_.execute();
}

std::int64_t cellInt(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row) {
    const auto& v = rs.value(col, row);
    return v.isEmpty() ? 0 : v.convert<Poco::Int64>();
}

std::optional<std::int64_t> cellOptInt(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row) {
    const auto& v = rs.value(col, row);
    if (v.isEmpty()) return std::nullopt;
    return v.convert<Poco::Int64>();
}

std::string cellText(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row) {
    const auto& v = rs.value(col, row);
    return v.isEmpty() ? std::string() : v.convert<std::string>();
}

std::optional<double> cellOptDouble(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row) {
    const auto& v = rs.value(col, row);
    if (v.isEmpty()) return std::nullopt;
    return v.convert<double>();
}

std::int64_t lastInsertId(Poco::Data::Session& session, bool sqlite) {
    Poco::Int64 id = 0;
    session << (sqlite ? "SELECT last_insert_rowid()" : "SELECT LAST_INSERT_ID()"),
        Poco::Data::Keywords::into(id), Poco::Data::Keywords::now;
    return id;
}

}  // namespace mofang::persistence
