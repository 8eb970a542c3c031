#include "persistence/Migrations.hpp"

#include <chrono>
#include <stdexcept>

#include "persistence/SqlQuery.hpp"

namespace mofang::persistence {
namespace {

using Poco::Data::Session;

struct Migration {
    int version;
    const char* name;
    std::vector<std::string> mysql;
    std::vector<std::string> sqlite;
};

// MySQL tables: InnoDB, utf8mb4, exact (binary) collation unless a column says otherwise.
// Times are BIGINT milliseconds since the epoch, UTC (no TIMESTAMP/DATETIME driver traps).
const char* kMyTable = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

std::string my(const std::string& body) { return body + kMyTable; }

const std::vector<Migration>& migrations() {
    static const std::vector<Migration> all = {
        {1,
         "accounts, sessions, login failures, operation log",
         {
             my("CREATE TABLE users ("
                " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                " username VARCHAR(32) COLLATE utf8mb4_unicode_ci NOT NULL,"
                " email VARCHAR(254) COLLATE utf8mb4_unicode_ci NOT NULL,"
                " password_hash VARCHAR(255) NOT NULL,"
                " role VARCHAR(16) NOT NULL,"
                " permissions VARCHAR(1000) NOT NULL DEFAULT '',"
                " status VARCHAR(16) NOT NULL,"
                " last_login BIGINT NULL,"
                " created_at BIGINT NOT NULL,"
                " updated_at BIGINT NOT NULL,"
                " UNIQUE KEY uq_users_username (username),"
                " UNIQUE KEY uq_users_email (email),"
                " KEY idx_users_role_status (role, status))"),
             my("CREATE TABLE sessions ("
                " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                " token_hash CHAR(64) NOT NULL,"
                " csrf_token VARCHAR(64) NOT NULL,"
                " user_id BIGINT NOT NULL,"
                " created_at BIGINT NOT NULL,"
                " expires_at BIGINT NOT NULL,"
                " ip VARCHAR(64) NOT NULL DEFAULT '',"
                " user_agent VARCHAR(512) NOT NULL DEFAULT '',"
                " UNIQUE KEY uq_sessions_token (token_hash),"
                " KEY idx_sessions_user (user_id),"
                " KEY idx_sessions_expires (expires_at),"
                " CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE)"),
             my("CREATE TABLE login_failures ("
                " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                " login_key VARCHAR(254) NOT NULL,"
                " failed_at BIGINT NOT NULL,"
                " KEY idx_login_failures_key_time (login_key, failed_at))"),
             my("CREATE TABLE operation_logs ("
                " id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                " user_id BIGINT NULL,"
                " action VARCHAR(64) NOT NULL,"
                " target_type VARCHAR(32) NOT NULL,"
                " target_id VARCHAR(64) NOT NULL DEFAULT '',"
                " details TEXT NOT NULL,"
                " ip VARCHAR(64) NOT NULL DEFAULT '',"
                " user_agent VARCHAR(512) NOT NULL DEFAULT '',"
                " created_at BIGINT NOT NULL,"
                " KEY idx_oplog_user_time (user_id, created_at),"
                " KEY idx_oplog_target (target_type, target_id),"
                " KEY idx_oplog_action (action),"
                " KEY idx_oplog_time (created_at))"),
         },
         {
             "CREATE TABLE users ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " username TEXT NOT NULL COLLATE NOCASE,"
             " email TEXT NOT NULL COLLATE NOCASE,"
             " password_hash TEXT NOT NULL,"
             " role TEXT NOT NULL,"
             " permissions TEXT NOT NULL DEFAULT '',"
             " status TEXT NOT NULL,"
             " last_login BIGINT,"
             " created_at BIGINT NOT NULL,"
             " updated_at BIGINT NOT NULL)",
             "CREATE UNIQUE INDEX uq_users_username ON users (username)",
             "CREATE UNIQUE INDEX uq_users_email ON users (email)",
             "CREATE INDEX idx_users_role_status ON users (role, status)",
             "CREATE TABLE sessions ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " token_hash TEXT NOT NULL,"
             " csrf_token TEXT NOT NULL,"
             " user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
             " created_at BIGINT NOT NULL,"
             " expires_at BIGINT NOT NULL,"
             " ip TEXT NOT NULL DEFAULT '',"
             " user_agent TEXT NOT NULL DEFAULT '')",
             "CREATE UNIQUE INDEX uq_sessions_token ON sessions (token_hash)",
             "CREATE INDEX idx_sessions_user ON sessions (user_id)",
             "CREATE INDEX idx_sessions_expires ON sessions (expires_at)",
             "CREATE TABLE login_failures ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " login_key TEXT NOT NULL,"
             " failed_at BIGINT NOT NULL)",
             "CREATE INDEX idx_login_failures_key_time ON login_failures (login_key, failed_at)",
             "CREATE TABLE operation_logs ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " user_id BIGINT,"
             " action TEXT NOT NULL,"
             " target_type TEXT NOT NULL,"
             " target_id TEXT NOT NULL DEFAULT '',"
             " details TEXT NOT NULL,"
             " ip TEXT NOT NULL DEFAULT '',"
             " user_agent TEXT NOT NULL DEFAULT '',"
             " created_at BIGINT NOT NULL)",
             "CREATE INDEX idx_oplog_user_time ON operation_logs (user_id, created_at)",
             "CREATE INDEX idx_oplog_target ON operation_logs (target_type, target_id)",
             "CREATE INDEX idx_oplog_action ON operation_logs (action)",
             "CREATE INDEX idx_oplog_time ON operation_logs (created_at)",
         }},
    };
    return all;
}

std::int64_t nowMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void ensureVersionTable(Session& s, Dialect dialect) {
    executeSql(s, dialect == Dialect::MySQL
                      ? my("CREATE TABLE IF NOT EXISTS schema_migrations (version INT NOT NULL PRIMARY KEY,"
                           " name VARCHAR(200) NOT NULL, applied_at BIGINT NOT NULL)")
                      : "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                        " name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
}

int versionOf(Session& s) {
    auto rs = SqlQuery(s, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").rows();
    return rs.rowCount() ? static_cast<int>(cellInt(rs, 0, 0)) : 0;
}

// Applies what is pending on one session; the caller holds the lock or transaction.
MigrationReport applyPending(Session& s, Dialect dialect) {
    ensureVersionTable(s, dialect);
    MigrationReport report;
    report.fromVersion = report.toVersion = versionOf(s);
    if (report.fromVersion > latestSchemaVersion())
        throw std::runtime_error("database schema version " + std::to_string(report.fromVersion) +
                                 " is newer than this build knows (" + std::to_string(latestSchemaVersion()) + ")");
    for (const auto& m : migrations()) {
        if (m.version <= report.toVersion) continue;
        for (const auto& sql : dialect == Dialect::MySQL ? m.mysql : m.sqlite) executeSql(s, sql);
        SqlQuery(s, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
            .arg(m.version)
            .arg(std::string(m.name))
            .arg(nowMillis())
            .exec();
        report.toVersion = m.version;
        char label[16];
        std::snprintf(label, sizeof label, "%04d ", m.version);
        report.applied.push_back(label + std::string(m.name));
    }
    return report;
}

}  // namespace

int latestSchemaVersion() { return migrations().back().version; }

int currentSchemaVersion(Database& db) {
    int version = 0;
    db.run([&](Session& s) {
        ensureVersionTable(s, db.dialect());
        version = versionOf(s);
    });
    return version;
}

MigrationReport migrate(Database& db) {
    MigrationReport report;
    if (db.dialect() == Dialect::SQLite) {
        // SQLite DDL is transactional: all pending migrations commit together or not at all.
        db.transact([&](Session& s) { report = applyPending(s, Dialect::SQLite); });
        return report;
    }
    // MySQL DDL commits implicitly; a named lock keeps concurrent start-ups from racing.
    db.run([&](Session& s) {
        Poco::Int64 locked = 0;
        s << "SELECT GET_LOCK('mofang_migrate', 60)", Poco::Data::Keywords::into(locked), Poco::Data::Keywords::now;
        if (locked != 1) throw std::runtime_error("could not take the migration lock within 60 s");
        try {
            report = applyPending(s, Dialect::MySQL);
        } catch (...) {
            executeSql(s, "DO RELEASE_LOCK('mofang_migrate')");
            throw;
        }
        executeSql(s, "DO RELEASE_LOCK('mofang_migrate')");
    });
    return report;
}

}  // namespace mofang::persistence
