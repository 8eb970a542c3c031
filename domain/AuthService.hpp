#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/Permissions.hpp"
#include "domain/Ports.hpp"

namespace mofang::domain {

struct AuthPolicy {
    Millis sessionTtl = 7LL * 24 * 3600 * 1000;
    int maxFailures = 5;
    Millis failureWindow = 15LL * 60 * 1000;
};

struct LoginResult {
    User user;
    std::string token;
    std::string csrfToken;
    Millis expiresAt = 0;
};

// The caller of a request, after the session check.
struct Authenticated {
    User user;
    Principal principal;
    std::string tokenHash;
    std::string csrfToken;
    std::optional<std::int64_t> catalogueVersion;  // as the session check read it
};

// The CSRF rule: a state-changing request authenticated by the cookie must carry the session's
// CSRF token in X-CSRF-Token. Throws forbidden("csrf_failed").
void checkCsrf(std::string_view method, bool authenticatedByCookie, std::optional<std::string_view> header,
               std::string_view expected);
bool isStateChanging(std::string_view method);

class AuthService final {
  public:
    AuthService(Store& store, const Crypto& crypto, const Clock& clock, AuthPolicy policy);

    // Wrong login or password → 401 invalid_credentials (same either way); 5 failures for one login
    // in the window → 429 with Retry-After; an inactive/blocked account with the right password → 403.
    LoginResult login(std::string_view login, std::string_view password, AuditContext audit);
    // Throws 401 unauthenticated unless the token names a live session of an active user.
    Authenticated authenticate(std::string_view token) const;
    void logout(const Authenticated& who, AuditContext audit);
    // Wrong current password → 403 invalid_credentials; ends the user's other sessions.
    void changePassword(const Authenticated& who, std::string_view currentPassword,
                        std::string_view newPassword, AuditContext audit);

  private:
    Store& store_;
    const Crypto& crypto_;
    const Clock& clock_;
    AuthPolicy policy_;
    std::string dummyHash_;  // verified against for unknown logins, so both cases cost the same
};

}  // namespace mofang::domain
