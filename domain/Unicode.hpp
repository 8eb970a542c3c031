#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mofang::domain::unicode {

// Unicode Normalization Form C (UAX #15): canonical decomposition, canonical ordering, canonical
// composition (with the composition exclusions; Hangul algorithmically). Ill-formed UTF-8 becomes
// U+FFFD, one per maximal ill-formed subpart. ASCII input is returned as is, without work.
std::string toNfc(std::string_view utf8);
// Normalization Form D (decomposition and ordering only); ill-formed UTF-8 as for toNfc.
std::string toNfd(std::string_view utf8);
// Simple case folding, code point by code point: the full folding when it is one code point,
// else the simple lowercase mapping, else the code point itself (so "ß" stays, "ẞ" → "ß",
// "K" → "k"). For comparing names case-insensitively after toNfc; ill-formed UTF-8 as for toNfc.
std::string foldCase(std::string_view utf8);
// Canonical combining class of a code point (0 for starters and for non-characters).
std::uint8_t combiningClass(char32_t cp);
// The version of the Unicode data the tables were generated from, e.g. "14.0.0".
std::string_view dataVersion();

}  // namespace mofang::domain::unicode
