#include <Poco/Data/MySQL/MySQLException.h>
#include <mysql.h>

#include <array>
#include <cstring>

#include "persistence/Database.hpp"
#include "persistence/SqlQuery.hpp"
#include "persistence/SqlRepositories.hpp"
#include "persistence/UserRows.hpp"

namespace mofang::persistence {
namespace {

using namespace Poco::Data::Keywords;

// The session check: the unexpired session with a token hash, joined with its user, and the
// catalogue version (in the same round trip, for the product pages a process keeps).
const std::string& findActiveSql() {
    static const std::string sql = std::string("SELECT s.csrf_token, s.created_at, s.expires_at, ") +
                                   userColumns() +
                                   ", (SELECT v.version FROM catalogue_version v WHERE v.id = 1)"
                                   " FROM sessions s JOIN users u ON u.id = s.user_id"
                                   " WHERE s.token_hash = ? AND s.expires_at > ?";
    return sql;
}

// The session check, prepared once on a pinned connection with libmariadb's own statement API:
// the hottest query of the service (every authenticated request), where Poco's binding layer
// cost as many instructions as the rest of the request. The rows fit fixed buffers: every text
// column is at most 4 bytes per character of its declared length (utf8mb4).
class MySqlSessionCheck final {
  public:
    explicit MySqlSessionCheck(Poco::Data::Session& session) : stmt_(mysql_stmt_init(mysqlHandle(session))) {
        if (!stmt_) throw Poco::Data::MySQL::MySQLException("mysql_stmt_init: out of memory", 2008);
        const std::string& sql = findActiveSql();
        if (mysql_stmt_prepare(stmt_, sql.data(), sql.size()) != 0) fail("mysql_stmt_prepare");
        params_[0].buffer_type = MYSQL_TYPE_STRING;
        params_[0].buffer = hash_.data();
        params_[0].length = &hashLength_;
        params_[1].buffer_type = MYSQL_TYPE_LONGLONG;
        params_[1].buffer = &now_;
        if (mysql_stmt_bind_param(stmt_, params_.data()) != 0) fail("mysql_stmt_bind_param");
        for (std::size_t i = 0; i < kColumns; ++i) {
            MYSQL_BIND& b = results_[i];
            b.length = &lengths_[i];
            b.is_null = &nulls_[i];
            if (kTextBytes[i] > 0) {
                texts_[i].resize(kTextBytes[i]);
                b.buffer_type = MYSQL_TYPE_STRING;
                b.buffer = texts_[i].data();
                b.buffer_length = kTextBytes[i];
            } else {
                b.buffer_type = MYSQL_TYPE_LONGLONG;
                b.buffer = &ints_[i];
            }
        }
        if (mysql_stmt_bind_result(stmt_, results_.data()) != 0) fail("mysql_stmt_bind_result");
    }
    ~MySqlSessionCheck() { mysql_stmt_close(stmt_); }
    MySqlSessionCheck(const MySqlSessionCheck&) = delete;
    MySqlSessionCheck& operator=(const MySqlSessionCheck&) = delete;

    std::optional<domain::ActiveSession> run(std::string_view tokenHash, domain::Millis now) {
        // A token hash is 64 hex digits; anything longer cannot match a CHAR(64).
        if (tokenHash.size() > hash_.size()) return std::nullopt;
        std::memcpy(hash_.data(), tokenHash.data(), tokenHash.size());
        hashLength_ = tokenHash.size();
        now_ = now;
        if (mysql_stmt_execute(stmt_) != 0) fail("mysql_stmt_execute");
        const int fetched = mysql_stmt_fetch(stmt_);
        if (fetched == MYSQL_NO_DATA) return std::nullopt;
        if (fetched == 1) fail("mysql_stmt_fetch");
        if (fetched == MYSQL_DATA_TRUNCATED) {
            mysql_stmt_free_result(stmt_);
            throw std::logic_error("session check: a column is longer than its buffer");
        }
        // token_hash is unique: read on to the end of the result set, which is already here.
        int more = 0;
        while ((more = mysql_stmt_fetch(stmt_)) == 0 || more == MYSQL_DATA_TRUNCATED) {
        }
        if (more == 1) fail("mysql_stmt_fetch");
        domain::ActiveSession a;
        a.session.tokenHash.assign(tokenHash);
        a.session.csrfToken = textAt(0);
        a.session.createdAt = ints_[1];
        a.session.expiresAt = ints_[2];
        a.session.userId = ints_[3];
        a.user = userFromColumns(ints_[3], textAt(4), textAt(5), textAt(6), textAt(7), textAt(8), textAt(9),
                                 nulls_[10] ? std::nullopt : std::optional<domain::Millis>(ints_[10]), ints_[11],
                                 ints_[12]);
        if (!nulls_[13]) a.catalogueVersion = ints_[13];
        return a;
    }

  private:
    // csrf_token, sessions.created_at, expires_at, then userColumns(): id, username, email,
    // password_hash, role, permissions, status, last_login, created_at, updated_at, then the
    // catalogue version. Bytes for a text column, 0 for a BIGINT.
    static constexpr std::size_t kColumns = 14;
    static constexpr std::array<unsigned long, kColumns> kTextBytes{4 * 64, 0, 0, 0, 4 * 32, 4 * 254, 4 * 255,
                                                                    4 * 16, 4 * 1000, 4 * 16, 0, 0, 0, 0};

    std::string textAt(std::size_t column) const {
        return nulls_[column] ? std::string() : std::string(texts_[column].data(), lengths_[column]);
    }

    [[noreturn]] void fail(const char* call) {
        const unsigned code = mysql_stmt_errno(stmt_);
        const std::string message = std::string(call) + ": [mysql_stmt_errno]: " + std::to_string(code) + " " +
                                    mysql_stmt_error(stmt_);
        if (code != 0) mysql_stmt_free_result(stmt_);
        throw Poco::Data::MySQL::MySQLException(message, static_cast<int>(code));
    }

    MYSQL_STMT* stmt_;
    std::array<MYSQL_BIND, 2> params_{};
    std::array<char, 64> hash_{};
    unsigned long hashLength_ = 0;
    long long now_ = 0;
    std::array<MYSQL_BIND, kColumns> results_{};
    std::array<unsigned long, kColumns> lengths_{};
    std::array<my_bool, kColumns> nulls_{};
    std::array<long long, kColumns> ints_{};         // the BIGINT columns
    std::array<std::vector<char>, kColumns> texts_;  // the text columns' buffers
};

// The same on SQLite, through Poco (SQLite prepares in process; there is no round trip to save).
class FindActiveStatement final {
  public:
    explicit FindActiveStatement(Poco::Data::Session& session) : stmt_(session) {
        stmt_ << findActiveSql(), use(hash_), use(now_), into(csrf_), into(createdAt_), into(expiresAt_),
            into(userId_), into(username_), into(email_), into(passwordHash_), into(role_),
            into(permissions_), into(status_), into(lastLogin_), into(userCreatedAt_), into(userUpdatedAt_),
            into(catalogueVersion_);
    }

    std::optional<domain::ActiveSession> run(std::string_view tokenHash, domain::Millis now) {
        hash_.assign(tokenHash);
        now_ = now;
        lastLogin_.clear();
        catalogueVersion_.clear();
        if (stmt_.execute() == 0) return std::nullopt;
        domain::ActiveSession a;
        a.session.tokenHash = hash_;
        a.session.csrfToken = csrf_;
        a.session.createdAt = createdAt_;
        a.session.expiresAt = expiresAt_;
        a.session.userId = userId_;
        a.user = userFromColumns(
            userId_, username_, email_, passwordHash_, role_, permissions_, status_,
            lastLogin_.isNull() ? std::nullopt : std::optional<domain::Millis>(lastLogin_.value()),
            userCreatedAt_, userUpdatedAt_);
        if (!catalogueVersion_.isNull()) a.catalogueVersion = catalogueVersion_.value();
        return a;
    }

  private:
    Poco::Data::Statement stmt_;
    std::string hash_;
    Poco::Int64 now_ = 0;
    std::string csrf_;
    Poco::Int64 createdAt_ = 0, expiresAt_ = 0, userId_ = 0, userCreatedAt_ = 0, userUpdatedAt_ = 0;
    std::string username_, email_, passwordHash_, role_, permissions_, status_;
    Poco::Nullable<Poco::Int64> lastLogin_, catalogueVersion_;
};

}  // namespace

std::optional<domain::ActiveSession> SqlStore::findActiveSession(std::string_view tokenHash,
                                                                 domain::Millis now) {
    std::optional<domain::ActiveSession> found;
    const bool mysql = db_.dialect() == Dialect::MySQL;
    db_.runPinned([&](PinnedSession& pinned) {
        if (mysql) {
            if (!pinned.state) pinned.state = std::make_shared<MySqlSessionCheck>(pinned.session);
            found = std::static_pointer_cast<MySqlSessionCheck>(pinned.state)->run(tokenHash, now);
        } else {
            if (!pinned.state) pinned.state = std::make_shared<FindActiveStatement>(pinned.session);
            found = std::static_pointer_cast<FindActiveStatement>(pinned.state)->run(tokenHash, now);
        }
    });
    return found;
}

void SqlSessionRepository::insert(const domain::SessionRecord& r) {
    SqlQuery(s_,
             "INSERT INTO sessions (token_hash, csrf_token, user_id, created_at, expires_at, ip, user_agent) "
             "VALUES (?, ?, ?, ?, ?, ?, ?)")
        .arg(r.tokenHash)
        .arg(r.csrfToken)
        .arg(r.userId)
        .arg(r.createdAt)
        .arg(r.expiresAt)
        .arg(r.ip)
        .arg(r.userAgent)
        .exec();
}

std::optional<domain::ActiveSession> SqlSessionRepository::findActive(std::string_view tokenHash,
                                                                      domain::Millis now) {
    auto rs = SqlQuery(s_, findActiveSql()).arg(std::string(tokenHash)).arg(now).rows();
    if (rs.rowCount() == 0) return std::nullopt;
    domain::ActiveSession a;
    a.session.tokenHash = std::string(tokenHash);
    a.session.csrfToken = cellText(rs, 0, 0);
    a.session.createdAt = cellInt(rs, 1, 0);
    a.session.expiresAt = cellInt(rs, 2, 0);
    a.user = readUser(rs, 0, 3);
    a.session.userId = a.user.id;
    a.catalogueVersion = cellOptInt(rs, 13, 0);
    return a;
}

void SqlSessionRepository::remove(std::string_view tokenHash) {
    SqlQuery(s_, "DELETE FROM sessions WHERE token_hash = ?").arg(std::string(tokenHash)).exec();
}

void SqlSessionRepository::removeAllOfUser(domain::UserId userId, std::optional<std::string> keepTokenHash) {
    SqlQuery(s_, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?")
        .arg(userId)
        .arg(keepTokenHash.value_or(""))
        .exec();
}

void SqlSessionRepository::removeExpired(domain::Millis now) {
    SqlQuery(s_, "DELETE FROM sessions WHERE expires_at <= ?").arg(now).exec();
}

void SqlLoginFailureRepository::record(std::string_view loginKey, domain::Millis at) {
    SqlQuery(s_, "INSERT INTO login_failures (login_key, failed_at) VALUES (?, ?)")
        .arg(std::string(loginKey))
        .arg(at)
        .exec();
}

std::vector<domain::Millis> SqlLoginFailureRepository::since(std::string_view loginKey,
                                                             domain::Millis since) {
    auto rs =
        SqlQuery(
            s_,
            "SELECT failed_at FROM login_failures WHERE login_key = ? AND failed_at >= ? ORDER BY failed_at")
            .arg(std::string(loginKey))
            .arg(since)
            .rows();
    std::vector<domain::Millis> out;
    for (std::size_t row = 0; row < rs.rowCount(); ++row) out.push_back(cellInt(rs, 0, row));
    return out;
}

void SqlLoginFailureRepository::clear(std::string_view loginKey) {
    SqlQuery(s_, "DELETE FROM login_failures WHERE login_key = ?").arg(std::string(loginKey)).exec();
}

void SqlOperationLogRepository::append(const domain::OperationLogEntry& e) {
    SqlQuery(s_,
             "INSERT INTO operation_logs (user_id, action, target_type, target_id, details, ip, user_agent, "
             "created_at) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .arg(e.userId)
        .arg(e.action)
        .arg(e.targetType)
        .arg(e.targetId)
        .arg(e.detailsJson)
        .arg(e.ip)
        .arg(e.userAgent)
        .arg(e.timestamp)
        .exec();
}

std::vector<domain::OperationLogEntry> SqlOperationLogRepository::list(const domain::OperationLogQuery& q) {
    std::string sql =
        "SELECT id, user_id, action, target_type, target_id, details, ip, user_agent, created_at FROM "
        "operation_logs "
        "WHERE 1 = 1";
    if (q.userId) sql += " AND user_id = ?";
    if (q.action) sql += " AND action = ?";
    if (q.targetType) sql += " AND target_type = ?";
    if (q.targetId) sql += " AND target_id = ?";
    if (q.from) sql += " AND created_at >= ?";
    if (q.to) sql += " AND created_at <= ?";
    if (q.beforeId) sql += " AND id < ?";
    sql += " ORDER BY id DESC LIMIT ?";
    SqlQuery query(s_, sql);
    if (q.userId) query.arg(*q.userId);
    if (q.action) query.arg(*q.action);
    if (q.targetType) query.arg(*q.targetType);
    if (q.targetId) query.arg(*q.targetId);
    if (q.from) query.arg(*q.from);
    if (q.to) query.arg(*q.to);
    if (q.beforeId) query.arg(*q.beforeId);
    query.arg(q.limit);
    auto rs = query.rows();
    std::vector<domain::OperationLogEntry> out;
    for (std::size_t row = 0; row < rs.rowCount(); ++row) {
        domain::OperationLogEntry e;
        e.id = cellInt(rs, 0, row);
        e.userId = cellOptInt(rs, 1, row);
        e.action = cellText(rs, 2, row);
        e.targetType = cellText(rs, 3, row);
        e.targetId = cellText(rs, 4, row);
        e.detailsJson = cellText(rs, 5, row);
        e.ip = cellText(rs, 6, row);
        e.userAgent = cellText(rs, 7, row);
        e.timestamp = cellInt(rs, 8, row);
        out.push_back(std::move(e));
    }
    return out;
}

void SqlStore::transact(const std::function<void(domain::Repositories&)>& work) {
    db_.transact([&](Poco::Data::Session& s) {
        SqlRepositories repos(s, db_.dialect());
        work(repos);
    });
}

void SqlStore::read(const std::function<void(domain::Repositories&)>& work) {
    db_.run([&](Poco::Data::Session& s) {
        SqlRepositories repos(s, db_.dialect());
        work(repos);
    });
}

}  // namespace mofang::persistence
