#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/Permissions.hpp"
#include "domain/Time.hpp"

namespace mofang::domain {

enum class UserStatus { Active, Inactive, Blocked };

std::string_view toString(UserStatus status);
std::optional<UserStatus> parseUserStatus(std::string_view s);

struct User {
    UserId id = 0;
    std::string username;
    std::string email;
    std::string passwordHash;  // never rendered
    Role role = Role::Viewer;
    std::vector<std::string> permissions;  // extra grants only
    UserStatus status = UserStatus::Active;
    std::optional<Millis> lastLogin;
    Millis createdAt = 0;
    Millis updatedAt = 0;
};

// The public JSON of a user (API bodies and audit before/after): no password hash.
std::string userJson(const User& user);

inline constexpr std::size_t kMinPasswordLength = 10;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

// Each returns an error message, or nullopt when the value is acceptable.
std::optional<std::string> checkUsername(std::string_view username);
std::optional<std::string> checkEmail(std::string_view email);
std::optional<std::string> checkPassword(std::string_view password);

// Input of user creation, already type-checked by the transport.
struct NewUser {
    std::string username;
    std::string email;
    std::string password;
    std::string role;
    std::vector<std::string> permissions;
    std::string status = "active";
};

// Input of a user update: absent fields stay as they are.
struct UserPatch {
    std::optional<std::string> email;
    std::optional<std::string> role;
    std::optional<std::vector<std::string>> permissions;
    std::optional<std::string> status;
    std::optional<std::string> password;
};

// Validates every field at once; throws validationFailed naming each broken field.
void validate(const NewUser& input);
void validate(const UserPatch& patch);
// Sorted, without duplicates; every entry must be in the catalogue (validated before).
std::vector<std::string> normalisePermissions(std::vector<std::string> grants);

}  // namespace mofang::domain
