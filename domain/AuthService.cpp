#include "domain/AuthService.hpp"

#include "domain/Errors.hpp"
#include "domain/Json.hpp"
#include "domain/Text.hpp"

namespace mofang::domain {
namespace {

constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kMaxTokenLength = 256;

DomainError invalidCredentials() {
    return {ErrorKind::Unauthenticated, "invalid_credentials", "invalid login or password"};
}

std::string loginAttemptJson(std::string_view login, std::string_view outcome) {
    JsonWriter w;
    w.beginObject().field("login", login).field("outcome", outcome).endObject();
    return w.take();
}

}  // namespace

bool isStateChanging(std::string_view method) {
    return !(method == "GET" || method == "HEAD" || method == "OPTIONS");
}

void checkCsrf(std::string_view method, bool authenticatedByCookie, std::optional<std::string_view> header,
               std::string_view expected) {
    if (!authenticatedByCookie || !isStateChanging(method)) return;
    if (!header || expected.empty() || !text::constantTimeEquals(*header, expected))
        throw forbidden("missing or wrong X-CSRF-Token", "csrf_failed");
}

AuthService::AuthService(Store& store, const Crypto& crypto, const Clock& clock, AuthPolicy policy)
    : store_(store),
      crypto_(crypto),
      clock_(clock),
      policy_(policy),
      dummyHash_(crypto.hashPassword("dummy password")) {}

LoginResult AuthService::login(std::string_view loginRaw, std::string_view password, AuditContext audit) {
    const std::string login = text::trim(loginRaw);
    FieldErrors errors;
    if (login.empty() || login.size() > 254 || !text::isValidUtf8(login)) errors.add("login", "is required");
    if (password.empty() || password.size() > kMaxPasswordBytes) errors.add("password", "is required");
    errors.throwIfAny();

    const std::string key = text::asciiLower(login);
    const Millis now = clock_.now();
    std::optional<User> user;
    std::vector<Millis> failures;
    store_.read([&](Repositories& r) {
        failures = r.loginFailures().since(key, now - policy_.failureWindow);
        if (static_cast<int>(failures.size()) < policy_.maxFailures) user = r.users().findByLogin(login);
    });
    if (static_cast<int>(failures.size()) >= policy_.maxFailures) {
        // Blocked until the count inside the window drops below the limit again.
        const Millis freeAt = failures[failures.size() - policy_.maxFailures] + policy_.failureWindow;
        const int retryAfter = static_cast<int>(std::max<Millis>(1, (freeAt - now + 999) / 1000));
        throw DomainError(ErrorKind::RateLimited, "too_many_attempts",
                          "too many failed logins; try again later", {}, retryAfter);
    }

    const bool passwordOk = crypto_.verifyPassword(user ? user->passwordHash : dummyHash_, password);
    if (!user || !passwordOk) {
        store_.transact([&](Repositories& r) {
            r.loginFailures().record(key, now);
            r.operationLogs().append(makeLogEntry(audit, "auth.login_failed",
                                                  user ? std::to_string(user->id) : "", std::nullopt,
                                                  loginAttemptJson(login, "invalid_credentials"), now));
        });
        throw invalidCredentials();
    }
    if (user->status != UserStatus::Active) {
        const bool blocked = user->status == UserStatus::Blocked;
        throw forbidden(blocked ? "this account is blocked" : "this account is not active",
                        blocked ? "account_blocked" : "account_inactive");
    }

    LoginResult result;
    result.token = crypto_.randomToken(kTokenBytes);
    result.csrfToken = crypto_.randomToken(kTokenBytes);
    result.expiresAt = now + policy_.sessionTtl;
    SessionRecord session{crypto_.sha256Hex(result.token),
                          result.csrfToken,
                          user->id,
                          now,
                          result.expiresAt,
                          audit.ip,
                          text::isValidUtf8(audit.userAgent) ? text::truncateUtf8(audit.userAgent, 512) : ""};
    audit.actorId = user->id;
    store_.transact([&](Repositories& r) {
        r.sessions().removeExpired(now);
        r.sessions().insert(session);
        auto fresh = r.users().findById(user->id);
        if (!fresh) throw invalidCredentials();
        fresh->lastLogin = now;
        r.users().update(*fresh);
        r.loginFailures().clear(key);
        r.operationLogs().append(makeLogEntry(audit, "auth.login", std::to_string(fresh->id), std::nullopt,
                                              loginAttemptJson(login, "ok"), now));
        result.user = *fresh;
    });
    return result;
}

Authenticated AuthService::authenticate(std::string_view token) const {
    if (token.empty() || token.size() > kMaxTokenLength) throw unauthenticated();
    const std::string hash = crypto_.sha256Hex(token);
    auto found = store_.findActiveSession(hash, clock_.now());
    if (!found || found->user.status != UserStatus::Active) throw unauthenticated();
    Principal principal(found->user.id, found->user.role, found->user.permissions);
    return {std::move(found->user), std::move(principal), hash, std::move(found->session.csrfToken),
            found->catalogueVersion};
}

void AuthService::logout(const Authenticated& who, AuditContext audit) {
    audit.actorId = who.user.id;
    const Millis now = clock_.now();
    store_.transact([&](Repositories& r) {
        r.sessions().remove(who.tokenHash);
        r.operationLogs().append(
            makeLogEntry(audit, "auth.logout", std::to_string(who.user.id), std::nullopt, std::nullopt, now));
    });
}

void AuthService::changePassword(const Authenticated& who, std::string_view currentPassword,
                                 std::string_view newPassword, AuditContext audit) {
    FieldErrors errors;
    if (currentPassword.empty()) errors.add("currentPassword", "is required");
    if (auto e = checkPassword(newPassword)) errors.add("newPassword", *e);
    errors.throwIfAny();
    if (!crypto_.verifyPassword(who.user.passwordHash, currentPassword))
        throw DomainError(ErrorKind::Forbidden, "invalid_credentials", "the current password is wrong");
    const std::string hash = crypto_.hashPassword(newPassword);
    audit.actorId = who.user.id;
    const Millis now = clock_.now();
    store_.transact([&](Repositories& r) {
        auto user = r.users().findById(who.user.id);
        if (!user) throw unauthenticated();
        user->passwordHash = hash;
        user->updatedAt = now;
        r.users().update(*user);
        r.sessions().removeAllOfUser(user->id, who.tokenHash);
        r.operationLogs().append(makeLogEntry(audit, "auth.password_change", std::to_string(user->id),
                                              std::nullopt, std::nullopt, now));
    });
}

}  // namespace mofang::domain
