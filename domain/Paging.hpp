#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mofang::domain {

inline constexpr int kDefaultPageLimit = 20;
inline constexpr int kMaxPageLimit = 100;

// `?limit=`: absent → 20, above 100 → 100; 0, negative or not a number → bad request (400).
int parsePageLimit(std::optional<std::string_view> raw);
inline int parsePageLimit(const std::optional<std::string>& raw) {
    return parsePageLimit(raw ? std::optional<std::string_view>(*raw) : std::nullopt);
}

// Keyset cursors are opaque to clients: base64url of a tagged payload, so a cursor of one list
// is rejected by another and a tampered one is a 400, never a database error.
std::string encodeCursor(std::string_view tag, std::string_view payload);
// Throws bad request when the cursor is malformed or of another list.
std::string decodeCursor(std::string_view tag, std::string_view cursor);
// The common case: the payload is a row id.
std::string encodeIdCursor(std::string_view tag, std::int64_t id);
std::int64_t decodeIdCursor(std::string_view tag, std::string_view cursor);

}  // namespace mofang::domain
