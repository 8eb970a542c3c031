#pragma once

#include <Poco/Data/Session.h>
#include <Poco/Data/SessionPool.h>

#include <functional>
#include <memory>
#include <string>

namespace mofang::persistence {

enum class Dialect { MySQL, SQLite };

// Where a `db` URI points, parsed.
struct DatabaseTarget {
    Dialect dialect = Dialect::SQLite;
    std::string connector;         // Poco connector name
    std::string connectionString;  // Poco connection string
    std::string unixSocket;        // MySQL only, when ?socket= was given
    std::string describe;          // for logs: the URI without the password
};

// Throws std::invalid_argument with a readable message when the URI is malformed.
DatabaseTarget parseDatabaseUri(const std::string& uri);

// A pool of Poco::Data sessions and the one place that knows the driver's traps (STACK-NOTES):
// transactions are explicit SQL so autocommit is never left off; connection losses
// (2006/2013/1243, refused connects) are retried once on a fresh attempt and otherwise become
// domain `unavailable` (503); duplicate keys become `conflict` (409).
class Database final {
public:
    Database(const std::string& uri, int poolSize);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    Dialect dialect() const { return target_.dialect; }
    const std::string& describe() const { return target_.describe; }

    // Runs `work` inside one transaction (BEGIN IMMEDIATE on SQLite); rolls back on any exception.
    void transact(const std::function<void(Poco::Data::Session&)>& work);
    // Runs `work` on a pooled session without a transaction.
    void run(const std::function<void(Poco::Data::Session&)>& work);
    // A cheap round trip; throws domain `unavailable` when the database does not answer.
    void ping();

    int sessionsInUse() const;
    int poolCapacity() const;

private:
    void execute(bool transactional, const std::function<void(Poco::Data::Session&)>& work);

    DatabaseTarget target_;
    std::unique_ptr<Poco::Data::SessionPool> pool_;
};

// Runs the statement text as is (DDL, pragmas).
void executeSql(Poco::Data::Session& session, const std::string& sql);

}  // namespace mofang::persistence
