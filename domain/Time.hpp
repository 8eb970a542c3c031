#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mofang::domain {

// Instants are milliseconds since the Unix epoch, UTC; that is also how they are stored.
using Millis = std::int64_t;

// RFC 3339 UTC with milliseconds: 2026-11-22T05:24:10.123Z
std::string formatRfc3339(Millis t);
// Accepts RFC 3339 date-times with optional fraction and `Z` or `±hh:mm`; nullopt if malformed.
std::optional<Millis> parseRfc3339(std::string_view s);

}  // namespace mofang::domain
