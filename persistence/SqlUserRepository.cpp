#include <sstream>

#include "persistence/SqlQuery.hpp"
#include "persistence/SqlRepositories.hpp"
#include "persistence/UserRows.hpp"

namespace mofang::persistence {
namespace {

using domain::User;

const char* kUserColumns =
    "u.id, u.username, u.email, u.password_hash, u.role, u.permissions, u.status, u.last_login, "
    "u.created_at, "
    "u.updated_at";

std::string joinPermissions(const std::vector<std::string>& permissions) {
    std::string out;
    for (const auto& p : permissions) {
        if (!out.empty()) out += ' ';
        out += p;
    }
    return out;
}

std::vector<std::string> splitPermissions(const std::string& stored) {
    std::vector<std::string> out;
    std::istringstream in(stored);
    for (std::string p; in >> p;) out.push_back(p);
    return out;
}

}  // namespace

User userFromColumns(std::int64_t id, std::string username, std::string email, std::string passwordHash,
                     const std::string& role, const std::string& permissions, const std::string& status,
                     std::optional<std::int64_t> lastLogin, std::int64_t createdAt, std::int64_t updatedAt) {
    User u;
    u.id = id;
    u.username = std::move(username);
    u.email = std::move(email);
    u.passwordHash = std::move(passwordHash);
    u.role = domain::parseRole(role).value_or(domain::Role::Viewer);
    u.permissions = splitPermissions(permissions);
    // An unknown stored status must never grant access.
    u.status = domain::parseUserStatus(status).value_or(domain::UserStatus::Blocked);
    u.lastLogin = lastLogin;
    u.createdAt = createdAt;
    u.updatedAt = updatedAt;
    return u;
}

// Shared with the session repository, whose lookup joins users.
User readUser(const Poco::Data::RecordSet& rs, std::size_t row, std::size_t firstCol) {
    return userFromColumns(cellInt(rs, firstCol + 0, row), cellText(rs, firstCol + 1, row),
                           cellText(rs, firstCol + 2, row), cellText(rs, firstCol + 3, row),
                           cellText(rs, firstCol + 4, row), cellText(rs, firstCol + 5, row),
                           cellText(rs, firstCol + 6, row), cellOptInt(rs, firstCol + 7, row),
                           cellInt(rs, firstCol + 8, row), cellInt(rs, firstCol + 9, row));
}

const char* userColumns() {
    return kUserColumns;
}

std::optional<User> SqlUserRepository::findById(domain::UserId id) {
    auto rs =
        SqlQuery(s_, std::string("SELECT ") + kUserColumns + " FROM users u WHERE u.id = ?").arg(id).rows();
    if (rs.rowCount() == 0) return std::nullopt;
    return readUser(rs, 0, 0);
}

std::optional<User> SqlUserRepository::findByLogin(std::string_view login) {
    const std::string value(login);
    auto rs = SqlQuery(s_, std::string("SELECT ") + kUserColumns +
                               " FROM users u WHERE u.username = ? OR u.email = ? ORDER BY u.id LIMIT 1")
                  .arg(value)
                  .arg(value)
                  .rows();
    if (rs.rowCount() == 0) return std::nullopt;
    return readUser(rs, 0, 0);
}

bool SqlUserRepository::usernameTaken(std::string_view username) {
    auto rs = SqlQuery(s_, "SELECT COUNT(*) FROM users WHERE username = ?").arg(std::string(username)).rows();
    return cellInt(rs, 0, 0) > 0;
}

bool SqlUserRepository::emailTaken(std::string_view email, domain::UserId exceptId) {
    auto rs = SqlQuery(s_, "SELECT COUNT(*) FROM users WHERE email = ? AND id <> ?")
                  .arg(std::string(email))
                  .arg(exceptId)
                  .rows();
    return cellInt(rs, 0, 0) > 0;
}

domain::UserId SqlUserRepository::insert(const User& u) {
    SqlQuery(s_,
             "INSERT INTO users (username, email, password_hash, role, permissions, status, last_login, "
             "created_at, "
             "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .arg(u.username)
        .arg(u.email)
        .arg(u.passwordHash)
        .arg(std::string(domain::toString(u.role)))
        .arg(joinPermissions(u.permissions))
        .arg(std::string(domain::toString(u.status)))
        .arg(u.lastLogin)
        .arg(u.createdAt)
        .arg(u.updatedAt)
        .exec();
    return lastInsertId(s_, dialect_ == Dialect::SQLite);
}

void SqlUserRepository::update(const User& u) {
    SqlQuery(s_,
             "UPDATE users SET email = ?, password_hash = ?, role = ?, permissions = ?, status = ?, "
             "last_login = ?, "
             "updated_at = ? WHERE id = ?")
        .arg(u.email)
        .arg(u.passwordHash)
        .arg(std::string(domain::toString(u.role)))
        .arg(joinPermissions(u.permissions))
        .arg(std::string(domain::toString(u.status)))
        .arg(u.lastLogin)
        .arg(u.updatedAt)
        .arg(u.id)
        .exec();
}

std::vector<User> SqlUserRepository::list(std::optional<domain::UserId> afterId, int limit) {
    auto rs = SqlQuery(s_, std::string("SELECT ") + kUserColumns +
                               " FROM users u WHERE u.id > ? ORDER BY u.id LIMIT ?")
                  .arg(afterId.value_or(0))
                  .arg(limit)
                  .rows();
    std::vector<User> users;
    for (std::size_t row = 0; row < rs.rowCount(); ++row) users.push_back(readUser(rs, row, 0));
    return users;
}

int SqlUserRepository::countActiveAdmins() {
    auto rs = SqlQuery(s_, "SELECT COUNT(*) FROM users WHERE role = 'admin' AND status = 'active'").rows();
    return static_cast<int>(cellInt(rs, 0, 0));
}

}  // namespace mofang::persistence
