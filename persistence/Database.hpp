#pragma once

#include <Poco/Data/Session.h>
#include <Poco/Data/SessionPool.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

struct st_mysql;
using MYSQL = st_mysql;  // libmariadb's connection, as mysql.h declares it

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

// A connection owned by one thread, outside the pool, with room for state that lives as long
// as the connection (prepared statements reused across requests on the hottest read paths).
class StatementCache;
struct PinnedSession {
    explicit PinnedSession(Poco::Data::Session s) : session(std::move(s)) {}
    Poco::Data::Session session;
    std::shared_ptr<void> state;
    // The statements of pinned transactions (declared after the session: they go first).
    std::shared_ptr<StatementCache> statements;
};

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
    // From now on, on MySQL, the calling thread's transactions run on its pinned session and keep
    // their prepared statements (StatementCache) for its next transaction: for a long-lived
    // thread that runs the same transactions over and over (the claim loop of mofang-worker). Its
    // connection stays outside the pool until the Database goes. No effect on SQLite, which
    // prepares in process.
    void pinTransactionsOfThisThread();
    // Runs `work` on a pooled session without a transaction.
    void run(const std::function<void(Poco::Data::Session&)>& work);
    // Runs `work` on the calling thread's pinned session (made on first use; replaced after a
    // lost connection), with the same retry and error translation as run().
    void runPinned(const std::function<void(PinnedSession&)>& work);
    // A cheap round trip; throws domain `unavailable` when the database does not answer.
    void ping();

    int sessionsInUse() const;
    int poolCapacity() const;

  private:
    void execute(bool transactional, const std::function<void(Poco::Data::Session&)>& work);
    // After a failed attempt: throws the domain error for `e`, or returns to retry once.
    void retryOrThrow(const Poco::Exception& e, int attempt);

    DatabaseTarget target_;
    std::unique_ptr<Poco::Data::SessionPool> pool_;
    // Identifies this Database for the threads that pinned their transactions to it (a
    // thread-local id: no lock on the way to every transaction).
    const std::uint64_t id_;
    // Guards the map only: connections are made and closed outside it.
    std::mutex pinnedMutex_;
    std::unordered_map<std::thread::id, std::unique_ptr<PinnedSession>> pinned_;
};

// The client library's connection under a MySQL session (pooled or not), for the few paths that
// talk to libmariadb directly; std::logic_error for any other session.
MYSQL* mysqlHandle(Poco::Data::Session& session);

// Runs the statement text as is (DDL, pragmas).
void executeSql(Poco::Data::Session& session, const std::string& sql);

}  // namespace mofang::persistence
