#include "persistence/SqlQuery.hpp"

#include <Poco/Data/Binding.h>

#include <stdexcept>

namespace mofang::persistence {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::use;

namespace {
thread_local StatementCache* currentCache = nullptr;
}  // namespace

StatementCache::Entry* StatementCache::entry(const std::string& text) {
    if (const auto found = entries_.find(text); found != entries_.end()) return found->second.get();
    if (entries_.size() >= kMaxStatements) return nullptr;
    auto e = std::make_unique<Entry>(session_);
    e->stmt << text;
    const auto added = entries_.emplace(text, std::move(e)).first;
    added->second->text = &added->first;
    return added->second.get();
}

StatementCache* StatementCache::current(const Poco::Data::Session& session) {
    return currentCache && &currentCache->session_ == &session ? currentCache : nullptr;
}

StatementCache::Use::Use(StatementCache& cache) : previous_(currentCache) {
    currentCache = &cache;
}
StatementCache::Use::~Use() {
    currentCache = previous_;
}

SqlQuery::SqlQuery(Poco::Data::Session& session, const std::string& text) : cache_(StatementCache::current(session)) {
    if (cache_) entry_ = cache_->entry(text);
    if (entry_ && entry_->busy) entry_ = nullptr;  // the same text twice at once
    if (entry_) {
        entry_->busy = true;
    } else {
        stmt_.emplace(session);
        *stmt_ << text;
    }
}

SqlQuery::SqlQuery(SqlQuery&& other) noexcept
    : stmt_(std::move(other.stmt_)), cache_(other.cache_), entry_(other.entry_), args_(other.args_) {
    other.entry_ = nullptr;
}

SqlQuery::~SqlQuery() {
    if (entry_) entry_->busy = false;
}

// A cached statement's values go into its slots, bound by reference when it first ran; a call
// site that binds other types or another number of values than the first one is a bug.
template <typename T>
SqlQuery& SqlQuery::cachedArg(T value) {
    auto& slots = entry_->slots;
    if (args_ < slots.size()) {
        T* slot = std::get_if<T>(&slots[args_]);
        if (!slot) throw std::logic_error("SqlQuery: argument " + std::to_string(args_) + " changed its type");
        *slot = std::move(value);
    } else {
        if (entry_->executed) throw std::logic_error("SqlQuery: more arguments than when first run");
        T& slot = std::get<T>(slots.emplace_back(std::move(value)));
        entry_->stmt.addBind(use(slot));
    }
    ++args_;
    return *this;
}

SqlQuery& SqlQuery::arg(std::int64_t value) {
    if (entry_) return cachedArg(static_cast<Poco::Int64>(value));
    stmt_->addBind(bind(static_cast<Poco::Int64>(value)));
    return *this;
}

SqlQuery& SqlQuery::arg(const std::string& value) {
    if (entry_) return cachedArg(value);
    stmt_->addBind(bind(value));
    return *this;
}

SqlQuery& SqlQuery::arg(const std::optional<std::int64_t>& value) {
    Poco::Nullable<Poco::Int64> n;
    if (value) n = static_cast<Poco::Int64>(*value);
    if (entry_) return cachedArg(n);
    stmt_->addBind(bind(n));
    return *this;
}

SqlQuery& SqlQuery::arg(const std::optional<double>& value) {
    Poco::Nullable<double> n;
    if (value) n = *value;
    if (entry_) return cachedArg(n);
    stmt_->addBind(bind(n));
    return *this;
}

// Takes the entry out of the cache (the next use of its text prepares it anew); returns its text.
std::string SqlQuery::forgetEntry() {
    std::string text = *entry_->text;  // the key goes with the entry
    entry_ = nullptr;
    cache_->drop(text);
    return text;
}

std::size_t SqlQuery::execute() {
    if (!entry_) return stmt_->execute();
    if (args_ != entry_->slots.size())
        throw std::logic_error("SqlQuery: fewer arguments than when first run: " + forgetEntry());
    try {
        const std::size_t n = entry_->stmt.execute();
        entry_->executed = true;
        return n;
    } catch (...) {
        // Its state after a failure is the driver's business.
        forgetEntry();
        throw;
    }
}

Poco::Data::RecordSet SqlQuery::rows() {
    execute();
    return Poco::Data::RecordSet(entry_ ? entry_->stmt : *stmt_);
}

std::size_t SqlQuery::exec() {
    return execute();
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
    static const std::string kSqlite = "SELECT last_insert_rowid()", kMySql = "SELECT LAST_INSERT_ID()";
    auto rs = SqlQuery(session, sqlite ? kSqlite : kMySql).rows();
    return cellInt(rs, 0, 0);
}

}  // namespace mofang::persistence
