#include "domain/User.hpp"

#include <algorithm>

#include "domain/Errors.hpp"
#include "domain/Json.hpp"
#include "domain/Text.hpp"

namespace mofang::domain {

std::string_view toString(UserStatus status) {
    switch (status) {
        case UserStatus::Active:
            return "active";
        case UserStatus::Inactive:
            return "inactive";
        case UserStatus::Blocked:
            return "blocked";
    }
    return "active";
}

std::optional<UserStatus> parseUserStatus(std::string_view s) {
    if (s == "active") return UserStatus::Active;
    if (s == "inactive") return UserStatus::Inactive;
    if (s == "blocked") return UserStatus::Blocked;
    return std::nullopt;
}

std::string userJson(const User& user) {
    JsonWriter w;
    w.beginObject()
        .field("id", std::to_string(user.id))
        .field("username", user.username)
        .field("email", user.email)
        .field("role", toString(user.role))
        .key("permissions")
        .stringArray(user.permissions)
        .field("status", toString(user.status))
        .key("lastLogin");
    if (user.lastLogin)
        w.value(formatRfc3339(*user.lastLogin));
    else
        w.null();
    w.field("createdAt", formatRfc3339(user.createdAt))
        .field("updatedAt", formatRfc3339(user.updatedAt))
        .endObject();
    return w.take();
}

std::optional<std::string> checkUsername(std::string_view username) {
    if (username.size() < 3 || username.size() > 32) return "must be 3 to 32 characters";
    for (const char c : username) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                        c == '_' || c == '.' || c == '-';
        if (!ok) return "may contain only letters, digits, '_', '.' and '-'";
    }
    return std::nullopt;
}

std::optional<std::string> checkEmail(std::string_view email) {
    // Pragmatic check: one '@', a non-empty local part, a dotted domain of sane characters.
    // ASCII only (internationalised domains in their xn-- form): so that "the same email" means
    // the same thing on every database (MariaDB's collations equate accents and emoji).
    if (email.size() > 254) return "is not a valid email address";
    for (const char c : email)
        if (static_cast<unsigned char>(c) >= 0x80) return "must be ASCII (use the xn-- form of a domain)";
    const auto at = email.find('@');
    if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos)
        return "is not a valid email address";
    const auto local = email.substr(0, at);
    const auto domain = email.substr(at + 1);
    if (local.size() > 64 || domain.size() < 3) return "is not a valid email address";
    for (const char c : local) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || c == '(' || c == ')' || c == '<' || c == '>' || c == ',' || c == ';' || c == ':' ||
            c == '\\' || c == '"' || c == '[' || c == ']')
            return "is not a valid email address";
    }
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
        return "is not a valid email address";
    if (domain.find('.') == std::string_view::npos || domain.front() == '.' || domain.back() == '.' ||
        domain.find("..") != std::string_view::npos || domain.front() == '-')
        return "is not a valid email address";
    for (const char c : domain) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '.';
        if (!ok) return "is not a valid email address";
    }
    return std::nullopt;
}

std::optional<std::string> checkPassword(std::string_view password) {
    if (!text::isValidUtf8(password)) return "must be valid UTF-8";
    if (text::codePointCount(password) < kMinPasswordLength)
        return "must be at least " + std::to_string(kMinPasswordLength) + " characters";
    if (password.size() > kMaxPasswordBytes)
        return "must be at most " + std::to_string(kMaxPasswordBytes) + " bytes";
    return std::nullopt;
}

namespace {

void checkGrants(const std::vector<std::string>& grants, FieldErrors& errors) {
    for (std::size_t i = 0; i < grants.size(); ++i)
        if (!isKnownPermission(grants[i]))
            errors.add("permissions[" + std::to_string(i) + "]", "unknown permission '" + grants[i] + "'");
}

}  // namespace

void validate(const NewUser& input) {
    FieldErrors errors;
    if (auto e = checkUsername(input.username)) errors.add("username", *e);
    if (auto e = checkEmail(input.email)) errors.add("email", *e);
    if (auto e = checkPassword(input.password)) errors.add("password", *e);
    if (!parseRole(input.role)) errors.add("role", "must be one of viewer, uploader, admin");
    if (!parseUserStatus(input.status)) errors.add("status", "must be one of active, inactive, blocked");
    checkGrants(input.permissions, errors);
    errors.throwIfAny();
}

void validate(const UserPatch& patch) {
    FieldErrors errors;
    if (patch.email)
        if (auto e = checkEmail(*patch.email)) errors.add("email", *e);
    if (patch.password)
        if (auto e = checkPassword(*patch.password)) errors.add("password", *e);
    if (patch.role && !parseRole(*patch.role)) errors.add("role", "must be one of viewer, uploader, admin");
    if (patch.status && !parseUserStatus(*patch.status))
        errors.add("status", "must be one of active, inactive, blocked");
    if (patch.permissions) checkGrants(*patch.permissions, errors);
    errors.throwIfAny();
}

std::vector<std::string> normalisePermissions(std::vector<std::string> grants) {
    std::sort(grants.begin(), grants.end());
    grants.erase(std::unique(grants.begin(), grants.end()), grants.end());
    return grants;
}

}  // namespace mofang::domain
