#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <climits>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "Support.hpp"
#include "domain/Text.hpp"

namespace bdata = boost::unit_test::data;
using namespace mofang::domain;
using mofang::test::escaped;

namespace {

struct Utf8Case {
    std::string name;
    std::string bytes;
    bool valid;
};
std::ostream& operator<<(std::ostream& os, const Utf8Case& c) {
    return os << c.name << " '" << escaped(c.bytes) << "' -> " << (c.valid ? "valid" : "invalid");
}

const std::vector<Utf8Case> kUtf8 = {
    {"empty", "", true},
    {"ascii", "hello, world", true},
    {"NUL is U+0000", std::string("a\0b", 3), true},
    {"DEL", "\x7F", true},
    {"2-byte e-acute", "\xC3\xA9", true},
    {"smallest 2-byte U+0080", "\xC2\x80", true},
    {"largest 2-byte U+07FF", "\xDF\xBF", true},
    {"smallest 3-byte U+0800", "\xE0\xA0\x80", true},
    {"CJK", "\xE4\xB8\xAD\xE6\x96\x87", true},
    {"last before surrogates U+D7FF", "\xED\x9F\xBF", true},
    {"first after surrogates U+E000", "\xEE\x80\x80", true},
    {"U+FFFF", "\xEF\xBF\xBF", true},
    {"smallest 4-byte U+10000", "\xF0\x90\x80\x80", true},
    {"CJK Extension B U+20000", "\xF0\xA0\x80\x80", true},
    {"emoji U+1F600", "\xF0\x9F\x98\x80", true},
    {"largest U+10FFFF", "\xF4\x8F\xBF\xBF", true},
    {"mixed", "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80z", true},
    // overlongs
    {"overlong NUL C0 80", "\xC0\x80", false},
    {"overlong C1 BF", "\xC1\xBF", false},
    {"overlong 3-byte NUL", "\xE0\x80\x80", false},
    {"overlong 3-byte U+07FF", "\xE0\x9F\xBF", false},
    {"overlong 4-byte NUL", "\xF0\x80\x80\x80", false},
    {"overlong 4-byte U+FFFF", "\xF0\x8F\xBF\xBF", false},
    {"overlong slash", "\xC0\xAF", false},
    // surrogates
    {"surrogate U+D800", "\xED\xA0\x80", false},
    {"surrogate U+DBFF", "\xED\xAF\xBF", false},
    {"surrogate U+DC00", "\xED\xB0\x80", false},
    {"surrogate U+DFFF", "\xED\xBF\xBF", false},
    {"CESU-8 surrogate pair", "\xED\xA0\xBD\xED\xB8\x80", false},
    // above U+10FFFF and impossible bytes
    {"U+110000", "\xF4\x90\x80\x80", false},
    {"F5 lead", "\xF5\x80\x80\x80", false},
    {"5-byte form", "\xF8\x88\x80\x80\x80", false},
    {"6-byte form", "\xFC\x84\x80\x80\x80\x80", false},
    {"FE", "\xFE", false},
    {"FF", "\xFF", false},
    // stray continuation bytes
    {"lone continuation 80", "\x80", false},
    {"lone continuation BF", "a\xBF", false},
    {"extra continuation", "\xC3\xA9\xA9", false},
    // truncated sequences
    {"truncated 2-byte", "\xC3", false},
    {"truncated 3-byte (1 of 2)", "\xE4", false},
    {"truncated 3-byte (2 of 3)", "\xE4\xB8", false},
    {"truncated 4-byte (3 of 4)", "\xF0\x9F\x98", false},
    {"truncated then ASCII",
     "\xE4\xB8"
     "a",
     false},
    {"truncated then space", "\xC3 ", false},
    {"valid then truncated", "ok\xF0\xA0\x80", false},
};

struct CountCase {
    std::string text;
    std::size_t count;
};
std::ostream& operator<<(std::ostream& os, const CountCase& c) {
    return os << "'" << escaped(c.text) << "' -> " << c.count;
}
const std::vector<CountCase> kCounts = {
    {"", 0},
    {"abc", 3},
    {"\xC3\xA9", 1},
    {"密码密码密码密码密码", 10},
    {"\xF0\x9F\x98\x80", 1},
    {"\xF0\xA0\x80\x80"
     "a",
     2},
    {"a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80", 4},
    {std::string("\0\0", 2), 2},
};

struct TrimCase {
    std::string input;
    std::string expected;
};
std::ostream& operator<<(std::ostream& os, const TrimCase& c) {
    return os << "'" << escaped(c.input) << "' -> '" << escaped(c.expected) << "'";
}
const std::vector<TrimCase> kTrims = {
    {"", ""},
    {"   ", ""},
    {"a", "a"},
    {" a ", "a"},
    {"\t\r\n a b \v\f", "a b"},
    {"a  b", "a  b"},
    {"\xE3\x80\x80x\xE3\x80\x80", "\xE3\x80\x80x\xE3\x80\x80"},  // ideographic space is not ASCII whitespace
    {"\xC2\xA0x", "\xC2\xA0x"},                                  // nor is NBSP
};

struct IntCase {
    std::string text;
    long long min;
    long long max;
    std::optional<long long> expected;
};
std::ostream& operator<<(std::ostream& os, const IntCase& c) {
    os << "'" << escaped(c.text) << "' in [" << c.min << ", " << c.max << "] -> ";
    return c.expected ? os << *c.expected : os << "none";
}
const std::vector<IntCase> kIntegers = {
    {"0", 0, 10, 0},
    {"10", 0, 10, 10},
    {"11", 0, 10, std::nullopt},
    {"-1", 0, 10, std::nullopt},
    {"-5", -10, 10, -5},
    {"-11", -10, 10, std::nullopt},
    {"007", 0, 10, 7},
    {"9223372036854775807", 0, LLONG_MAX, LLONG_MAX},
    {"9223372036854775808", 0, LLONG_MAX, std::nullopt},
    {"-9223372036854775808", LLONG_MIN, LLONG_MAX, LLONG_MIN},
    {"-9223372036854775809", LLONG_MIN, LLONG_MAX, std::nullopt},
    {"100000000000000000000", 0, LLONG_MAX, std::nullopt},
    {"", 0, 10, std::nullopt},
    {"-", 0, 10, std::nullopt},
    {"+1", 0, 10, std::nullopt},
    {" 1", 0, 10, std::nullopt},
    {"1 ", 0, 10, std::nullopt},
    {"1a", 0, 10, std::nullopt},
    {"0x10", 0, 100, std::nullopt},
    {"1.5", 0, 10, std::nullopt},
    {"1e3", 0, 10000, std::nullopt},
    {"\xEF\xBC\x91", 0, 10, std::nullopt},  // fullwidth digit one
};

struct EqCase {
    std::string a;
    std::string b;
    bool equal;
};
std::ostream& operator<<(std::ostream& os, const EqCase& c) {
    return os << "'" << escaped(c.a) << "' vs '" << escaped(c.b) << "' -> " << c.equal;
}
const std::vector<EqCase> kEquals = {
    {"", "", true},
    {"secret", "secret", true},
    {"secret", "secreT", false},
    {"secret", "Secret", false},
    {"secret", "secret2", false},
    {"secret", "secre", false},
    {"", "x", false},
    {std::string("a\0b", 3), std::string("a\0c", 3), false},
    {std::string("a\0b", 3), "a", false},
    {"\xFF\x80", "\xFF\x80", true},
};

// Deterministic, varied bytes (many with the high bit set), for the round trips.
std::string bytesOfLength(std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += static_cast<char>((i * 97 + n * 31 + 255) & 0xFF);
    return s;
}

struct B64Case {
    std::string plain;
    std::string encoded;
};
std::ostream& operator<<(std::ostream& os, const B64Case& c) {
    return os << "'" << escaped(c.plain) << "' <-> '" << c.encoded << "'";
}
// RFC 4648 §10 test vectors without padding, plus the two characters that differ from base64.
const std::vector<B64Case> kB64Vectors = {
    {"", ""},
    {"f", "Zg"},
    {"fo", "Zm8"},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg"},
    {"fooba", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy"},
    {"\xFB\xFF", "-_8"},
    {"\xFF\xFF\xFF", "____"},
    {std::string("\0", 1), "AA"},
};

const std::vector<std::string> kBadBase64 = {
    "Zg==",        // padding is not part of the alphabet
    "Zg=",         // likewise
    "Zm+v",        // '+' belongs to standard base64
    "Zm/v",        // '/' too
    "Zm 9",        // space
    "Zm9v\n",      // newline
    "Z",           // length % 4 == 1
    "Zm9vY",       // length % 4 == 1
    "Zm9vYmFyZ",   // length % 4 == 1
    "Zh",          // trailing bits 0001 are not zero
    "Zm9",         // trailing bits 01 are not zero
    "Zm9vYmF",     // trailing bits 01
    "Zm\xC3\xA9",  // non-ASCII
    std::string("Zm\0v", 4),
};

}  // namespace

BOOST_AUTO_TEST_SUITE(text_utf8)

BOOST_DATA_TEST_CASE(is_valid_utf8, bdata::make(kUtf8), c) {
    BOOST_TEST(text::isValidUtf8(c.bytes) == c.valid);
}

BOOST_DATA_TEST_CASE(code_point_count, bdata::make(kCounts), c) {
    BOOST_TEST_REQUIRE(text::isValidUtf8(c.text));
    BOOST_TEST(text::codePointCount(c.text) == c.count);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(text_strings)

BOOST_DATA_TEST_CASE(trim, bdata::make(kTrims), c) {
    BOOST_TEST(text::trim(c.input) == c.expected);
}

BOOST_AUTO_TEST_CASE(ascii_lower_and_iequals) {
    BOOST_TEST(text::asciiLower("AbC-Z09\xC3\x89") == "abc-z09\xC3\x89");  // É is left alone
    BOOST_TEST(text::iequalsAscii("Alice@Example.COM", "alice@example.com"));
    BOOST_TEST(!text::iequalsAscii("alice", "alice2"));
    BOOST_TEST(!text::iequalsAscii("\xC3\x89", "\xC3\xA9"));
}

BOOST_DATA_TEST_CASE(parse_integer, bdata::make(kIntegers), c) {
    const auto value = text::parseInteger(c.text, c.min, c.max);
    BOOST_TEST(value.has_value() == c.expected.has_value());
    if (value && c.expected) BOOST_TEST(*value == *c.expected);
}

BOOST_DATA_TEST_CASE(constant_time_equals, bdata::make(kEquals), c) {
    BOOST_TEST(text::constantTimeEquals(c.a, c.b) == c.equal);
    BOOST_TEST(text::constantTimeEquals(c.b, c.a) == c.equal);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(text_base64url)

BOOST_DATA_TEST_CASE(round_trip_by_length, bdata::xrange(41), length) {
    const std::string plain = bytesOfLength(static_cast<std::size_t>(length));
    const std::string encoded = text::base64UrlEncode(plain);
    BOOST_TEST(encoded.size() == (plain.size() * 4 + 2) / 3);  // no padding
    BOOST_TEST(encoded.find_first_not_of(
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
    const auto decoded = text::base64UrlDecode(encoded);
    BOOST_TEST_REQUIRE(decoded.has_value());
    BOOST_TEST(*decoded == plain);
}

BOOST_DATA_TEST_CASE(known_vectors, bdata::make(kB64Vectors), c) {
    BOOST_TEST(text::base64UrlEncode(c.plain) == c.encoded);
    const auto decoded = text::base64UrlDecode(c.encoded);
    BOOST_TEST_REQUIRE(decoded.has_value());
    BOOST_TEST(*decoded == c.plain);
}

BOOST_DATA_TEST_CASE(rejects_malformed, bdata::make(kBadBase64), input) {
    BOOST_TEST(!text::base64UrlDecode(input).has_value(), escaped(input));
}

BOOST_AUTO_TEST_SUITE_END()
