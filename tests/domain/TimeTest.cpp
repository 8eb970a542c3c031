#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "domain/Time.hpp"

namespace bdata = boost::unit_test::data;
using namespace mofang::domain;

namespace {

constexpr Millis kSpecExample = 1795325050123;  // 2026-11-22T05:24:10.123Z, the SPEC §5 example

struct Instant {
    Millis t;
    std::string text;
};
std::ostream& operator<<(std::ostream& os, const Instant& c) {
    return os << c.t << " <-> " << c.text;
}

// Canonical instants: format(t) == text and parse(text) == t.
const std::vector<Instant> kCanonical = {
    {0, "1970-01-01T00:00:00.000Z"},
    {1, "1970-01-01T00:00:00.001Z"},
    {999, "1970-01-01T00:00:00.999Z"},
    {1000, "1970-01-01T00:00:01.000Z"},
    {86399999, "1970-01-01T23:59:59.999Z"},
    {86400000, "1970-01-02T00:00:00.000Z"},
    {-1, "1969-12-31T23:59:59.999Z"},
    {-1500, "1969-12-31T23:59:58.500Z"},
    {-86400000, "1969-12-31T00:00:00.000Z"},
    {-86400001, "1969-12-30T23:59:59.999Z"},
    {-2203891200000, "1900-03-01T00:00:00.000Z"},
    {-62135596800000, "0001-01-01T00:00:00.000Z"},
    {951782400000, "2000-02-29T00:00:00.000Z"},
    {1709208000000, "2024-02-29T12:00:00.000Z"},
    {kSpecExample, "2026-11-22T05:24:10.123Z"},
    {253402300799999, "9999-12-31T23:59:59.999Z"},
};

struct ParseCase {
    std::string text;
    Millis expected;
};
std::ostream& operator<<(std::ostream& os, const ParseCase& c) {
    return os << c.text << " -> " << c.expected;
}

// Other spellings of an instant that parse accepts.
const std::vector<ParseCase> kAccepted = {
    {"2026-11-22T05:24:10Z", kSpecExample - 123},
    {"2026-11-22T05:24:10.1Z", kSpecExample - 23},
    {"2026-11-22T05:24:10.12Z", kSpecExample - 3},
    {"2026-11-22T05:24:10.123Z", kSpecExample},
    {"2026-11-22T05:24:10.1234Z", kSpecExample},
    {"2026-11-22T05:24:10.12345Z", kSpecExample},
    {"2026-11-22T05:24:10.123456Z", kSpecExample},
    {"2026-11-22T05:24:10.1234567Z", kSpecExample},
    {"2026-11-22T05:24:10.12345678Z", kSpecExample},
    {"2026-11-22T05:24:10.123456789Z", kSpecExample},
    {"2026-11-22T05:24:10.999999999Z", kSpecExample - 123 + 999},  // truncated, not rounded
    {"2026-11-22t05:24:10.123z", kSpecExample},
    {"2026-11-22T13:24:10.123+08:00", kSpecExample},
    {"2026-11-21T23:54:10.123-05:30", kSpecExample},
    {"2026-11-22T05:24:10.123+00:00", kSpecExample},
    {"2026-11-22T05:24:10.123-00:00", kSpecExample},
    {"2026-11-23T04:23:10.123+22:59", kSpecExample},
    {"1970-01-01T00:00:00+01:00", -3600000},
    {"1969-12-31T23:00:00-01:00", 0},
    {"2000-02-29T00:00:00Z", 951782400000},
    {"2026-12-31T23:59:59.999Z", 1798761599999},
};

const std::vector<std::string> kRejected = {
    "",
    "2026-11-22",                 // date only
    "2026-11-22T05:24:10",        // missing zone
    "2026-11-22T05:24:10.123",    // missing zone
    "2026-11-22T05:24Z",          // missing seconds
    "2026-11-22 05:24:10Z",       // space instead of T
    "2026-11-22T05:24:10.Z",      // empty fraction
    "2026-11-22T05:24:10,123Z",   // comma fraction
    "2026-11-22T05:24:10+0800",   // offset without colon
    "2026-11-22T05:24:10+08",     // offset without minutes
    "2026-11-22T05:24:10+24:00",  // offset hour out of range
    "2026-11-22T05:24:10+08:60",  // offset minute out of range
    "2026-11-22T05:24:10ZZ",      // trailing garbage
    "2026-11-22T05:24:10Z ",      // trailing space
    " 2026-11-22T05:24:10Z",      // leading space
    "2026-11-22T05:24:10UTC",
    "2025-02-29T00:00:00Z",  // 2025 is not a leap year
    "1900-02-29T00:00:00Z",  // nor is 1900
    "2026-02-30T00:00:00Z",
    "2026-04-31T00:00:00Z",
    "2026-00-10T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-01-00T00:00:00Z",
    "2026-01-32T00:00:00Z",
    "2026-01-01T24:00:00Z",  // 24:00 is not an hour
    "2026-01-01T23:60:00Z",
    "2026-01-01T23:59:60Z",  // leap seconds are not accepted
    "2026-1-01T00:00:00Z",
    "26-01-01T00:00:00Z",
    "2026/01/01T00:00:00Z",
    "2026-01-01T0:00:00Z",
    "20x6-01-01T00:00:00Z",
    "2026-01-01T00:00:00.12aZ",
};

const std::vector<Millis> kRoundTrip = {
    0,
    1,
    -1,
    999,
    -999,
    1000,
    59999,
    3599999,
    86399999,
    1234567890123,
    -1234567890123,
    kSpecExample,
    951782400000 - 1,
    4102444800000 /* 2100-01-01 */,
    253402300799999,
    -62135596800000,
};

}  // namespace

BOOST_AUTO_TEST_SUITE(time_rfc3339)

BOOST_DATA_TEST_CASE(format_known_values, bdata::make(kCanonical), c) {
    BOOST_TEST(formatRfc3339(c.t) == c.text);
}

BOOST_DATA_TEST_CASE(parse_known_values, bdata::make(kCanonical), c) {
    const auto t = parseRfc3339(c.text);
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(*t == c.t);
}

BOOST_DATA_TEST_CASE(parse_accepts, bdata::make(kAccepted), c) {
    const auto t = parseRfc3339(c.text);
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(*t == c.expected);
}

BOOST_DATA_TEST_CASE(parse_rejects, bdata::make(kRejected), text) {
    BOOST_TEST(!parseRfc3339(text).has_value(), "'" << text << "'");
}

BOOST_DATA_TEST_CASE(round_trip_millis, bdata::make(kRoundTrip), instant) {
    const auto back = parseRfc3339(formatRfc3339(instant));
    BOOST_TEST_REQUIRE(back.has_value(), formatRfc3339(instant));
    BOOST_TEST(*back == instant);
}

BOOST_AUTO_TEST_SUITE_END()
