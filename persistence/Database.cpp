#include "persistence/Database.hpp"

#include <Poco/Data/DataException.h>
#include <Poco/Data/MySQL/Connector.h>
#include <Poco/Data/MySQL/MySQLException.h>
#include <Poco/Data/MySQL/SessionImpl.h>
#include <Poco/Data/PooledSessionImpl.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/File.h>
#include <Poco/URI.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include "domain/Errors.hpp"
#include "persistence/SqlQuery.hpp"

namespace mofang::persistence {
namespace {

using Poco::Data::Session;

// Registers the connectors, once per process. Poco's connection string has no socket key, and
// the client library reads its socket path from MYSQL_UNIX_PORT once, when it initialises (at
// the registration): the path of a ?socket= URI goes there first, and a process can use one
// socket only.
void registerConnectors(const std::string& unixSocket) {
    static std::once_flag once;
    std::call_once(once, [&] {
        if (!unixSocket.empty()) ::setenv("MYSQL_UNIX_PORT", unixSocket.c_str(), 1);
        Poco::Data::MySQL::Connector::registerConnector();
        Poco::Data::SQLite::Connector::registerConnector();
    });
    if (unixSocket.empty()) return;
    const char* current = std::getenv("MYSQL_UNIX_PORT");
    if (!current || unixSocket != current)
        throw std::invalid_argument("?socket=" + unixSocket + ": this process already uses " +
                                    (current ? std::string(current) : std::string("the default socket")) +
                                    " (one unix socket per process, chosen before its first connection)");
}

// SQLite connections need their pragmas on every new session.
void applyDialectSettings(Session& session, Dialect dialect) {
    if (dialect == Dialect::SQLite) {
        executeSql(session, "PRAGMA busy_timeout = 10000");
        executeSql(session, "PRAGMA journal_mode = WAL");
        executeSql(session, "PRAGMA synchronous = NORMAL");
        executeSql(session, "PRAGMA foreign_keys = ON");
    }
}

class DialectSessionPool final : public Poco::Data::SessionPool {
  public:
    DialectSessionPool(const DatabaseTarget& target, int poolSize)
        : Poco::Data::SessionPool(target.connector, target.connectionString, 1, poolSize, 60),
          dialect_(target.dialect) {}

  protected:
    void customizeSession(Session& session) override { applyDialectSettings(session, dialect_); }

  private:
    Dialect dialect_;
};

enum class Failure { ConnectionLost, Duplicate, Deadlock, Busy, Other };

// Poco 1.11 leaves code() at 0 for MySQL errors: the client's errno is only in the text
// ("[mysql_stmt_errno]: 1062", "[mysql_errno]: 2006").
int mysqlErrno(const Poco::Data::MySQL::MySQLException& e) {
    if (e.code() != 0) return e.code();
    const std::string text = e.displayText();
    for (const std::string key : {"[mysql_stmt_errno]: ", "[mysql_errno]: "}) {
        const auto at = text.find(key);
        if (at != std::string::npos) return std::atoi(text.c_str() + at + key.size());
    }
    return 0;
}

Failure classify(const Poco::Exception& e) {
    if (dynamic_cast<const Poco::Data::SessionPoolExhaustedException*>(&e)) return Failure::Busy;
    if (dynamic_cast<const Poco::Data::MySQL::ConnectionException*>(&e)) return Failure::ConnectionLost;
    if (const auto* my = dynamic_cast<const Poco::Data::MySQL::MySQLException*>(&e)) {
        switch (mysqlErrno(*my)) {
            case 1062:
                return Failure::Duplicate;
            case 1213:  // deadlock: this transaction was rolled back at once
                return Failure::Deadlock;
            case 1205:  // lock wait timeout (after innodb_lock_wait_timeout)
                return Failure::Busy;
            case 1243:  // unknown prepared statement handler (after a reconnect)
            case 2030:  // statement not prepared: the client reconnected under a kept statement
            case 2002:
            case 2003:
            case 2005:
            case 2006:
            case 2013:
            case 2055:
                return Failure::ConnectionLost;
            default:
                break;
        }
        const std::string text = my->displayText();
        if (text.find("Duplicate entry") != std::string::npos) return Failure::Duplicate;
        if (text.find("gone away") != std::string::npos || text.find("Lost connection") != std::string::npos ||
            text.find("Can't connect") != std::string::npos ||
            text.find("Unknown prepared statement") != std::string::npos)
            return Failure::ConnectionLost;
        return Failure::Other;
    }
    if (dynamic_cast<const Poco::Data::SQLite::ConstraintViolationException*>(&e)) {
        const std::string text = e.displayText();
        return text.find("UNIQUE") != std::string::npos ? Failure::Duplicate : Failure::Other;
    }
    if (dynamic_cast<const Poco::Data::SQLite::DBLockedException*>(&e) ||
        dynamic_cast<const Poco::Data::SQLite::TableLockedException*>(&e))
        return Failure::Busy;
    if (dynamic_cast<const Poco::Data::SQLite::CantOpenDBFileException*>(&e) ||
        dynamic_cast<const Poco::Data::SQLite::IOErrorException*>(&e))
        return Failure::ConnectionLost;
    if (dynamic_cast<const Poco::Data::ConnectionFailedException*>(&e) ||
        dynamic_cast<const Poco::Data::NotConnectedException*>(&e) ||
        dynamic_cast<const Poco::Data::SessionUnavailableException*>(&e))
        return Failure::ConnectionLost;
    return Failure::Other;
}

// A unique index that a concurrent writer beat us to: name the field the API knows it by.
domain::DomainError duplicateConflict(const std::string& driverText) {
    static const std::pair<const char*, const char*> kFields[] = {
        {"uq_products_spu", "spuCode"},     {"products.spu_code", "spuCode"},
        {"uq_modules_slot", "subType"},     {"material_modules.", "subType"},
        {"uq_users_username", "username"},  {"users.username", "username"},
        {"uq_users_email", "email"},        {"users.email", "email"},
    };
    for (const auto& [needle, field] : kFields)
        if (driverText.find(needle) != std::string::npos)
            return domain::conflict(std::string(field) + " is already taken", {{field, "is already taken"}});
    return domain::conflict("a record with the same unique value exists");
}

void logDbEvent(const char* event, const Poco::Exception& e) {
    std::cerr << "level=warn event=" << event << " error=\"" << e.displayText() << "\"\n";
}

}  // namespace

void executeSql(Session& session, const std::string& sql) {
    Poco::Data::Statement stmt(session);
    stmt << sql;
    stmt.execute();
}

// The MySQL connection under a pooled session. PooledSessionImpl::impl() is protected; naming it
// through a derived class gives a pointer to the base's member, which anyone may call.
MYSQL* mysqlHandle(Session& session) {
    struct Opener : Poco::Data::PooledSessionImpl {
        static Poco::Data::SessionImpl* rawOf(const Poco::Data::PooledSessionImpl& pooled) {
            return (pooled.*(&Opener::impl))();
        }
    };
    auto* pooled = dynamic_cast<Poco::Data::PooledSessionImpl*>(session.impl());
    auto* raw = dynamic_cast<Poco::Data::MySQL::SessionImpl*>(pooled ? Opener::rawOf(*pooled) : session.impl());
    if (!raw) throw std::logic_error("not a MySQL session");
    return raw->handle();
}

namespace {

// START TRANSACTION, COMMIT, ROLLBACK: on MySQL in one round trip of the text protocol. Poco
// prepares every statement (a round trip of its own before the execution), which made these
// three a third of a worker's claim and completion (bench/queue).
void controlTransaction(Session& session, bool sqlite, const char* sql) {
    if (sqlite) return executeSql(session, sql);
    MYSQL* h = mysqlHandle(session);
    // Poco's TransactionException would be a ConnectionException whatever the error: this one is
    // classified by its code, as a statement's error is.
    if (mysql_real_query(h, sql, std::strlen(sql)) != 0) {
        const unsigned code = mysql_errno(h);
        throw Poco::Data::MySQL::MySQLException(
            std::string(sql) + ": [mysql_errno]: " + std::to_string(code) + " " + mysql_error(h), static_cast<int>(code));
    }
}

// `work` between BEGIN and COMMIT on `session`; ROLLBACK on any exception. Explicit SQL instead
// of Session::begin(): Poco's MySQL begin() leaves autocommit off after commit, and SQLite needs
// IMMEDIATE to avoid lock-upgrade deadlocks.
void inTransaction(Session& session, bool sqlite, const std::function<void(Session&)>& work) {
    controlTransaction(session, sqlite, sqlite ? "BEGIN IMMEDIATE" : "START TRANSACTION");
    try {
        work(session);
        controlTransaction(session, sqlite, "COMMIT");
    } catch (...) {
        try {
            controlTransaction(session, sqlite, "ROLLBACK");
        } catch (...) {
            // The connection is gone; the server has rolled back already.
        }
        throw;
    }
}

}  // namespace

DatabaseTarget parseDatabaseUri(const std::string& uri) {
    DatabaseTarget t;
    if (uri.rfind("sqlite:", 0) == 0) {
        std::string path = uri.substr(7);
        if (path.rfind("//", 0) == 0) path = path.substr(2);
        if (path.empty()) throw std::invalid_argument("sqlite: URI needs a file path");
        // SQLite would retry opening a file in a missing directory for the whole login timeout.
        const auto slash = path.rfind('/');
        const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
        if (path != ":memory:" && !(Poco::File(dir).exists() && Poco::File(dir).isDirectory()))
            throw std::invalid_argument("sqlite: directory " + dir + " does not exist");
        t.dialect = Dialect::SQLite;
        t.connector = "SQLite";
        t.connectionString = path;
        t.describe = "sqlite:" + path;
        return t;
    }
    if (uri.rfind("mysql://", 0) != 0)
        throw std::invalid_argument("database URI must start with sqlite: or mysql://");
    Poco::URI parsed;
    try {
        parsed = Poco::URI(uri);
    } catch (const Poco::Exception& e) {
        throw std::invalid_argument("malformed mysql:// URI: " + e.displayText());
    }
    std::string user = "root", password;
    // Already percent-decoded; a user name cannot hold ':', so the first one ends it.
    const std::string userInfo = parsed.getUserInfo();
    if (!userInfo.empty()) {
        const auto colon = userInfo.find(':');
        user = userInfo.substr(0, colon);
        if (colon != std::string::npos) password = userInfo.substr(colon + 1);
    }
    std::string dbName = parsed.getPath();
    if (!dbName.empty() && dbName.front() == '/') dbName.erase(0, 1);
    if (dbName.empty() || dbName.find('/') != std::string::npos)
        throw std::invalid_argument("mysql:// URI needs a database name: mysql://user:pass@host:3306/mofang");
    for (const auto& [key, value] : parsed.getQueryParameters()) {
        if (key == "socket")
            t.unixSocket = value;
        else
            throw std::invalid_argument("unknown mysql:// URI parameter '" + key + "' (known: socket)");
    }
    for (const std::string* part : {&user, &password, &dbName})
        if (part->find(';') != std::string::npos)
            throw std::invalid_argument("';' is not supported in mysql:// user, password or database");
    std::string host = parsed.getHost();
    if (!t.unixSocket.empty() || host.empty()) host = "localhost";  // libmysql: localhost = unix socket
    const unsigned port = parsed.getPort() ? parsed.getPort() : 3306;
    t.dialect = Dialect::MySQL;
    t.connector = "MySQL";
    t.connectionString = "host=" + host + ";port=" + std::to_string(port) + ";user=" + user +
                         ";password=" + password + ";db=" + dbName +
                         ";compress=false;auto-reconnect=true;secure-auth=true;character-set=utf8mb4";
    t.describe = "mysql://" + user + "@" + host + ":" + std::to_string(port) + "/" + dbName +
                 (t.unixSocket.empty() ? "" : "?socket=" + t.unixSocket);
    return t;
}

namespace {
std::atomic<std::uint64_t> nextDatabaseId{1};
thread_local std::uint64_t pinnedDatabaseId = 0;  // the Database this thread pinned its transactions to

// A pinned connection that was lost: its kept statements are closed without the client's
// automatic reconnect (which would otherwise reconnect once per statement to close it), then
// the connection.
void discardPinned(std::unique_ptr<PinnedSession> dead, Dialect dialect) {
    if (!dead) return;
    try {
        if (dialect == Dialect::MySQL) {
            my_bool off = 0;
            mysql_options(mysqlHandle(dead->session), MYSQL_OPT_RECONNECT, &off);
        }
        dead->statements.reset();
        dead->state.reset();
        dead->session.close();
    } catch (...) {
        // Gone already.
    }
}
}  // namespace

Database::Database(const std::string& uri, int poolSize) : target_(parseDatabaseUri(uri)), id_(nextDatabaseId++) {
    registerConnectors(target_.unixSocket);
    pool_ = std::make_unique<DialectSessionPool>(target_, poolSize);
}

Database::~Database() {
    try {
        pool_->shutdown();
    } catch (...) {
    }
}

void Database::transact(const std::function<void(Session&)>& work) {
    if (pinnedDatabaseId != id_) return execute(true, work);
    runPinned([&](PinnedSession& pinned) {
        if (!pinned.statements) pinned.statements = std::make_shared<StatementCache>(pinned.session);
        StatementCache::Use use(*pinned.statements);
        inTransaction(pinned.session, false, work);  // pinning is MySQL only
    });
}

void Database::pinTransactionsOfThisThread() {
    if (target_.dialect == Dialect::MySQL) pinnedDatabaseId = id_;
}
void Database::run(const std::function<void(Session&)>& work) {
    execute(false, work);
}

void Database::execute(bool transactional, const std::function<void(Session&)>& work) {
    const bool sqlite = target_.dialect == Dialect::SQLite;
    for (int attempt = 0;; ++attempt) {
        try {
            Session session = pool_->get();
            if (!transactional) {
                work(session);
                return;
            }
            inTransaction(session, sqlite, work);
            return;
        } catch (const domain::DomainError&) {
            throw;
        } catch (const Poco::Exception& e) {
            retryOrThrow(e, attempt);
        }
    }
}

void Database::retryOrThrow(const Poco::Exception& e, int attempt) {
    switch (classify(e)) {
        case Failure::Duplicate:
            throw duplicateConflict(e.displayText());
        case Failure::Deadlock:
            // The deadlock victim runs again, after a short random pause that lets the other
            // transaction finish; deadlocks are detected at once, so the retries cost little.
            if (attempt < 5) {
                if (attempt > 0) logDbEvent("db_retry", e);
                thread_local std::minstd_rand jitter(std::random_device{}());
                std::this_thread::sleep_for(std::chrono::milliseconds(1 + jitter() % (5u << attempt)));
                return;
            }
            logDbEvent("db_unavailable", e);
            throw domain::unavailable("database busy", 2);
        case Failure::Busy:
        case Failure::ConnectionLost:
            if (attempt == 0) {
                logDbEvent("db_retry", e);
                return;
            }
            logDbEvent("db_unavailable", e);
            throw domain::unavailable("database unavailable", 5);
        case Failure::Other:
            throw;  // called inside the catch handler: rethrows the original
    }
}

void Database::runPinned(const std::function<void(PinnedSession&)>& work) {
    const auto self = std::this_thread::get_id();
    for (int attempt = 0;; ++attempt) {
        try {
            PinnedSession* slot = nullptr;
            {
                std::lock_guard<std::mutex> lock(pinnedMutex_);
                if (const auto found = pinned_.find(self); found != pinned_.end()) slot = found->second.get();
            }
            if (!slot) {
                // Connecting may take long: not under the lock every thread needs.
                Session session(target_.connector, target_.connectionString);
                applyDialectSettings(session, target_.dialect);
                auto fresh = std::make_unique<PinnedSession>(std::move(session));
                slot = fresh.get();
                std::lock_guard<std::mutex> lock(pinnedMutex_);
                pinned_[self] = std::move(fresh);
            }
            work(*slot);
            return;
        } catch (const domain::DomainError&) {
            throw;
        } catch (const Poco::Exception& e) {
            if (classify(e) == Failure::ConnectionLost) {
                // Start the next attempt on a fresh connection and with fresh statements.
                std::unique_ptr<PinnedSession> dead;
                {
                    std::lock_guard<std::mutex> lock(pinnedMutex_);
                    if (const auto found = pinned_.find(self); found != pinned_.end()) {
                        dead = std::move(found->second);
                        pinned_.erase(found);
                    }
                }
                discardPinned(std::move(dead), target_.dialect);
            }
            retryOrThrow(e, attempt);
        }
    }
}

void Database::ping() {
    run([](Session& s) {
        int one = 0;
        s << "SELECT 1", Poco::Data::Keywords::into(one), Poco::Data::Keywords::now;
    });
}

int Database::sessionsInUse() const {
    return pool_->used();
}
int Database::poolCapacity() const {
    return pool_->capacity();
}

}  // namespace mofang::persistence
