#include "domain/UserService.hpp"

#include "domain/Errors.hpp"
#include "domain/Text.hpp"

namespace mofang::domain {

UserService::UserService(Store& store, const Crypto& crypto, const Clock& clock)
    : store_(store), crypto_(crypto), clock_(clock) {}

Principal UserService::systemPrincipal() {
    return Principal(0, Role::Admin, {});
}

std::vector<User> UserService::list(const Principal& who, std::optional<UserId> afterId, int limit) {
    who.require(perm::kUserManage);
    std::vector<User> users;
    store_.read([&](Repositories& r) { users = r.users().list(afterId, limit); });
    return users;
}

User UserService::get(const Principal& who, UserId id) {
    who.require(perm::kUserManage);
    std::optional<User> user;
    store_.read([&](Repositories& r) { user = r.users().findById(id); });
    if (!user) throw notFound("user not found");
    return *user;
}

User UserService::findByUsername(const Principal& who, std::string_view username) {
    who.require(perm::kUserManage);
    std::optional<User> user;
    store_.read([&](Repositories& r) { user = r.users().findByLogin(username); });
    if (!user || !text::iequalsAscii(user->username, username)) throw notFound("user not found");
    return *user;
}

User UserService::create(const Principal& who, const NewUser& input, const AuditContext& audit) {
    who.require(perm::kUserManage);
    validate(input);
    User user;
    user.username = input.username;
    user.email = input.email;
    user.role = *parseRole(input.role);
    user.permissions = normalisePermissions(input.permissions);
    user.status = *parseUserStatus(input.status);
    user.passwordHash = crypto_.hashPassword(input.password);
    user.createdAt = user.updatedAt = clock_.now();
    store_.transact([&](Repositories& r) {
        FieldErrors dup;
        if (r.users().usernameTaken(user.username)) dup.add("username", "is already taken");
        if (r.users().emailTaken(user.email, 0)) dup.add("email", "is already taken");
        if (!dup.empty()) throw conflict(dup.items().front().field + " is already taken", dup.items());
        user.id = r.users().insert(user);
        r.operationLogs().append(makeLogEntry(audit, "user.create", std::to_string(user.id), std::nullopt,
                                              userJson(user), user.createdAt));
    });
    return user;
}

User UserService::update(const Principal& who, UserId id, const UserPatch& patch, const AuditContext& audit) {
    who.require(perm::kUserManage);
    validate(patch);
    std::optional<std::string> newHash;
    if (patch.password) newHash = crypto_.hashPassword(*patch.password);
    const Millis now = clock_.now();
    User updated;
    store_.transact([&](Repositories& r) {
        auto current = r.users().findById(id);
        if (!current) throw notFound("user not found");
        User next = *current;
        if (patch.email) next.email = *patch.email;
        if (patch.role) next.role = *parseRole(*patch.role);
        if (patch.permissions) next.permissions = normalisePermissions(*patch.permissions);
        if (patch.status) next.status = *parseUserStatus(*patch.status);
        if (newHash) next.passwordHash = *newHash;
        if (patch.email && r.users().emailTaken(next.email, id))
            throw conflict("email is already taken", {{"email", "is already taken"}});
        const bool wasActiveAdmin = current->role == Role::Admin && current->status == UserStatus::Active;
        const bool staysActiveAdmin = next.role == Role::Admin && next.status == UserStatus::Active;
        if (wasActiveAdmin && !staysActiveAdmin && r.users().countActiveAdmins() <= 1)
            throw conflict("the last active admin cannot be demoted, deactivated or blocked");
        next.updatedAt = now;
        r.users().update(next);
        const bool blocking = next.status == UserStatus::Blocked && current->status != UserStatus::Blocked;
        if (next.status != UserStatus::Active || newHash) r.sessions().removeAllOfUser(id, std::nullopt);
        r.operationLogs().append(makeLogEntry(audit, blocking ? "user.block" : "user.update",
                                              std::to_string(id), userJson(*current), userJson(next), now));
        updated = next;
    });
    return updated;
}

bool UserService::ensureAdmin(std::string_view password) {
    if (auto e = checkPassword(password)) throw validationFailed({{"admin.password", *e}});
    bool created = false;
    const std::string hash = crypto_.hashPassword(password);
    store_.transact([&](Repositories& r) {
        if (r.users().countActiveAdmins() > 0) return;
        if (r.users().usernameTaken("admin")) {
            // An `admin` account exists but is not an active admin: leave it; say so.
            throw conflict("user 'admin' exists but is not an active admin; fix it with mofangctl");
        }
        User user;
        user.username = "admin";
        user.email = "admin@mofang.invalid";
        user.role = Role::Admin;
        user.passwordHash = hash;
        user.createdAt = user.updatedAt = clock_.now();
        user.id = r.users().insert(user);
        AuditContext audit{std::nullopt, "", "mofang bootstrap", std::string("admin.password bootstrap")};
        r.operationLogs().append(makeLogEntry(audit, "user.create", std::to_string(user.id), std::nullopt,
                                              userJson(user), user.createdAt));
        created = true;
    });
    return created;
}

std::vector<OperationLogEntry> OperationLogService::list(const Principal& who,
                                                         const OperationLogQuery& query) {
    who.require(perm::kLogRead);
    std::vector<OperationLogEntry> entries;
    store_.read([&](Repositories& r) { entries = r.operationLogs().list(query); });
    return entries;
}

}  // namespace mofang::domain
