#pragma once

#include <Poco/Data/RecordSet.h>

#include <cstdint>
#include <optional>
#include <string>

#include "domain/User.hpp"

namespace mofang::persistence {

// How a `users` row becomes a domain::User; shared by the user and session repositories.
domain::User userFromColumns(std::int64_t id, std::string username, std::string email,
                             std::string passwordHash, const std::string& role,
                             const std::string& permissions, const std::string& status,
                             std::optional<std::int64_t> lastLogin, std::int64_t createdAt,
                             std::int64_t updatedAt);
// The columns userColumns() lists, starting at `firstCol` of `row`.
domain::User readUser(const Poco::Data::RecordSet& rs, std::size_t row, std::size_t firstCol);
// "u.id, u.username, ..." for a SELECT over `users u`.
const char* userColumns();

}  // namespace mofang::persistence
