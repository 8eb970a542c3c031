#pragma once

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>

namespace mofang::persistence {

// Prepared statements kept for one connection, by their text, with their bound values: a
// statement runs again with new values instead of being prepared anew (on MySQL: one round trip
// and no parse instead of prepare, execute and close). Owned by a pinned session
// (Database::pinTransactionsOfThisThread); SqlQuery finds it while a transaction of that session runs on the
// calling thread. Not thread-safe, as the connection it belongs to.
class StatementCache final {
  public:
    explicit StatementCache(Poco::Data::Session& session) : session_(session) {}
    StatementCache(const StatementCache&) = delete;
    StatementCache& operator=(const StatementCache&) = delete;

    using Slot = std::variant<Poco::Int64, std::string, Poco::Nullable<Poco::Int64>, Poco::Nullable<double>>;
    struct Entry {
        explicit Entry(Poco::Data::Session& s) : stmt(s) {}
        Poco::Data::Statement stmt;
        std::deque<Slot> slots;  // bound by reference: a deque keeps their addresses
        bool executed = false;   // the number and types of the arguments are fixed from then on
        const std::string* text = nullptr;  // its key in the cache
        bool busy = false;                  // a SqlQuery holds it (another one runs uncached)
    };

    // The entry for `text` (made and its text set on first use); nullptr when `text` is new and
    // the cache holds kMaxStatements already (statement texts with values in them would
    // otherwise grow it without end): such a statement runs uncached.
    Entry* entry(const std::string& text);
    static constexpr std::size_t kMaxStatements = 256;
    // Forgets `text`, e.g. after its statement failed.
    void drop(const std::string& text) { entries_.erase(text); }

    // The cache of `session` if one is in use on this thread, else nullptr.
    static StatementCache* current(const Poco::Data::Session& session);
    // Makes `cache` current on this thread for its lifetime.
    class Use final {
      public:
        explicit Use(StatementCache& cache);
        ~Use();
        Use(const Use&) = delete;
        Use& operator=(const Use&) = delete;

      private:
        StatementCache* previous_;
    };

  private:
    Poco::Data::Session& session_;
    std::unordered_map<std::string, std::unique_ptr<Entry>> entries_;
};

// One parameterised statement: text with `?` placeholders, then arguments in order.
// Values are copied into the statement, so temporaries are fine. With a current StatementCache
// for the session the statement comes from it.
class SqlQuery final {
  public:
    SqlQuery(Poco::Data::Session& session, const std::string& text);
    ~SqlQuery();
    SqlQuery(SqlQuery&& other) noexcept;
    SqlQuery& operator=(SqlQuery&&) = delete;

    SqlQuery& arg(std::int64_t value);
    SqlQuery& arg(int value) { return arg(static_cast<std::int64_t>(value)); }
    SqlQuery& arg(const std::string& value);
    SqlQuery& arg(const char* value) { return arg(std::string(value)); }
    SqlQuery& arg(const std::optional<std::int64_t>& value);
    SqlQuery& arg(const std::optional<double>& value);

    // Executes a statement that returns rows. From a StatementCache, the rows are the
    // statement's own: read them before the same text runs again.
    Poco::Data::RecordSet rows();
    // Executes a statement that changes rows; returns the number of affected rows.
    std::size_t exec();

  private:
    template <typename T>
    SqlQuery& cachedArg(T value);
    std::size_t execute();
    std::string forgetEntry();

    std::optional<Poco::Data::Statement> stmt_;  // without a cache
    StatementCache* cache_ = nullptr;
    StatementCache::Entry* entry_ = nullptr;
    std::size_t args_ = 0;
};

// Typed access to a RecordSet cell: NULL-aware and independent of how the driver typed it.
std::int64_t cellInt(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row);
std::optional<std::int64_t> cellOptInt(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row);
std::string cellText(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row);
std::optional<double> cellOptDouble(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row);

// The id of the row the session inserted last.
std::int64_t lastInsertId(Poco::Data::Session& session, bool sqlite);

}  // namespace mofang::persistence
