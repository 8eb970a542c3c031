#include "persistence/SqlQuery.hpp"
#include "persistence/SqlRepositories.hpp"
#include "persistence/UserRows.hpp"

namespace mofang::persistence {
namespace {

using namespace Poco::Data::Keywords;

// The session check: the unexpired session with a token hash, joined with its user.
const std::string& findActiveSql() {
    static const std::string sql = std::string("SELECT s.csrf_token, s.created_at, s.expires_at, ") +
                                   userColumns() +
                                   " FROM sessions s JOIN users u ON u.id = s.user_id"
                                   " WHERE s.token_hash = ? AND s.expires_at > ?";
    return sql;
}

// The session check, prepared once on a pinned connection; its bound variables live with it.
class FindActiveStatement final {
  public:
    explicit FindActiveStatement(Poco::Data::Session& session) : stmt_(session) {
        stmt_ << findActiveSql(), use(hash_), use(now_), into(csrf_), into(createdAt_), into(expiresAt_),
            into(userId_), into(username_), into(email_), into(passwordHash_), into(role_),
            into(permissions_), into(status_), into(lastLogin_), into(userCreatedAt_), into(userUpdatedAt_);
    }

    std::optional<domain::ActiveSession> run(std::string_view tokenHash, domain::Millis now) {
        hash_.assign(tokenHash);
        now_ = now;
        lastLogin_.clear();
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
        return a;
    }

  private:
    Poco::Data::Statement stmt_;
    std::string hash_;
    Poco::Int64 now_ = 0;
    std::string csrf_;
    Poco::Int64 createdAt_ = 0, expiresAt_ = 0, userId_ = 0, userCreatedAt_ = 0, userUpdatedAt_ = 0;
    std::string username_, email_, passwordHash_, role_, permissions_, status_;
    Poco::Nullable<Poco::Int64> lastLogin_;
};

}  // namespace

std::optional<domain::ActiveSession> SqlStore::findActiveSession(std::string_view tokenHash,
                                                                 domain::Millis now) {
    std::optional<domain::ActiveSession> found;
    db_.runPinned([&](PinnedSession& pinned) {
        if (!pinned.state) pinned.state = std::make_shared<FindActiveStatement>(pinned.session);
        found = std::static_pointer_cast<FindActiveStatement>(pinned.state)->run(tokenHash, now);
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
