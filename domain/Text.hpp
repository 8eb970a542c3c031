#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mofang::domain::text {

// True iff `s` is well-formed UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF).
bool isValidUtf8(std::string_view s);
// True iff `s` (valid UTF-8) holds a C0 control, DEL or a C1 control (U+0080–U+009F).
bool hasControlCharacters(std::string_view s);
// Number of Unicode code points; `s` must be valid UTF-8.
std::size_t codePointCount(std::string_view s);
// At most `maxBytes` bytes of `s`, cut at a code point boundary (s must be valid UTF-8).
std::string truncateUtf8(std::string_view s, std::size_t maxBytes);
// Appends the UTF-8 encoding of code point `cp` (at most U+10FFFF) to `out`.
void appendUtf8(std::string& out, char32_t cp);
// Without leading and trailing ASCII whitespace.
std::string trim(std::string_view s);
std::string asciiLower(std::string_view s);
bool iequalsAscii(std::string_view a, std::string_view b);
// Decimal integer in [min, max], whole string; nullopt otherwise.
std::optional<long long> parseInteger(std::string_view s, long long min, long long max);
// Constant-time comparison, for secrets.
bool constantTimeEquals(std::string_view a, std::string_view b);

std::string base64UrlEncode(std::string_view bytes);
std::optional<std::string> base64UrlDecode(std::string_view text);

}  // namespace mofang::domain::text
