#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "Support.hpp"
#include "domain/Paging.hpp"
#include "domain/Text.hpp"

namespace bdata = boost::unit_test::data;
using namespace mofang::domain;
using mofang::test::escaped;
using mofang::test::fieldsOf;
using mofang::test::thrownBy;

namespace {

struct LimitCase {
    std::optional<std::string> raw;
    int expected;
};
std::ostream& operator<<(std::ostream& os, const LimitCase& c) {
    return (c.raw ? os << "'" << *c.raw << "'" : os << "absent") << " -> " << c.expected;
}
const std::vector<LimitCase> kLimits = {
    {std::nullopt, 20},
    {"1", 1},
    {"20", 20},
    {"99", 99},
    {"100", 100},
    {"101", 100},
    {"150", 100},
    {"007", 7},
    {"9223372036854775807", 100},
    {"9223372036854775808", 100},
    {"100000000000000000000", 100},
    {std::string(64, '9'), 100},
};

const std::vector<std::string> kBadLimits = {
    "0",   "00",   "-1",  "-100", "-100000000000000000000", "abc", "", " ", " 5", "5 ", "+5", "1.5",
    "1e3", "0x10", "ten", "5abc",
};

struct CursorCase {
    std::string tag;
    std::string payload;
};
std::ostream& operator<<(std::ostream& os, const CursorCase& c) {
    return os << c.tag << " / '" << escaped(c.payload) << "'";
}
const std::vector<CursorCase> kCursors = {
    {"users", "42"},
    {"users", ""},
    {"logs", "1795325050123|17"},
    {"products", "2026-11-22T05:24:10.123Z|9"},
    {"products", "\xE6\x96\x87|\xF0\x9F\x98\x80"},
    {"x", std::string("\0\xFF|", 3)},
    {"model_photos", std::string(300, 'p')},
};

void checkBadCursor(const DomainError& e) {
    BOOST_TEST(e.kind() == ErrorKind::BadRequest);
    BOOST_TEST(e.code() == "bad_request");
    BOOST_TEST(fieldsOf(e) == std::vector<std::string>{"cursor"}, boost::test_tools::per_element());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(paging)

BOOST_DATA_TEST_CASE(page_limit, bdata::make(kLimits), c) {
    const auto raw = c.raw ? std::optional<std::string_view>(*c.raw) : std::nullopt;
    BOOST_TEST(parsePageLimit(raw) == c.expected);
}

BOOST_DATA_TEST_CASE(page_limit_rejects, bdata::make(kBadLimits), raw) {
    const auto e = thrownBy([&] { parsePageLimit(std::string_view(raw)); });
    BOOST_TEST(e.kind() == ErrorKind::BadRequest);
    BOOST_TEST(e.code() == "bad_request");
    BOOST_TEST(fieldsOf(e) == std::vector<std::string>{"limit"}, boost::test_tools::per_element());
}

BOOST_DATA_TEST_CASE(cursor_round_trip, bdata::make(kCursors), c) {
    const auto cursor = encodeCursor(c.tag, c.payload);
    // Opaque and URL-safe: it goes into ?cursor= as it is.
    BOOST_TEST(cursor.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
               std::string::npos);
    BOOST_TEST(decodeCursor(c.tag, cursor) == c.payload);
}

BOOST_DATA_TEST_CASE(id_cursor_round_trip,
                     bdata::make(std::vector<std::int64_t>{0, 1, 42, 1795325050123,
                                                           std::numeric_limits<std::int64_t>::max()}),
                     id) {
    BOOST_TEST(decodeIdCursor("users", encodeIdCursor("users", id)) == id);
}

BOOST_AUTO_TEST_CASE(cursor_of_another_list_is_rejected) {
    checkBadCursor(thrownBy([] { decodeCursor("users", encodeCursor("products", "42")); }));
    checkBadCursor(thrownBy([] { decodeIdCursor("users", encodeIdCursor("logs", 42)); }));
    // A tag that is a prefix of the other one, both ways round.
    checkBadCursor(thrownBy([] { decodeCursor("user", encodeCursor("users", "42")); }));
    checkBadCursor(thrownBy([] { decodeCursor("users", encodeCursor("user", "s|42")); }));
    checkBadCursor(thrownBy([] { decodeCursor("users", encodeCursor("Users", "42")); }));
}

BOOST_DATA_TEST_CASE(garbage_cursor_is_rejected,
                     bdata::make(std::vector<std::string>{
                         "", "!!!!", "a", "abcde", "Zh", "Zm9v====", "dXNlcnN8NDI=", "dXNlcnN8NDI\n",
                         mofang::domain::text::base64UrlEncode("users"),  // no '|'
                         mofang::domain::text::base64UrlEncode("xusers|42"),
                         mofang::domain::text::base64UrlEncode("users|" + std::string(800, '1')),  // too long
                     }),
                     cursor) {
    checkBadCursor(thrownBy([&] { decodeCursor("users", cursor); }));
}

BOOST_DATA_TEST_CASE(id_cursor_with_a_non_id_payload_is_rejected,
                     bdata::make(std::vector<std::string>{"", "abc", "-1", "1.5", " 7", "7 ", "+7",
                                                          "9223372036854775808", "42|x"}),
                     payload) {
    checkBadCursor(thrownBy([&] { decodeIdCursor("users", encodeCursor("users", payload)); }));
}

BOOST_AUTO_TEST_SUITE_END()
