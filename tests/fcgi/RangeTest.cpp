#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "domain/Errors.hpp"
#include "fcgi/routes/PackageResponse.hpp"

namespace bdata = boost::unit_test::data;
using mofang::domain::DomainError;
using mofang::domain::ErrorKind;
using mofang::fcgi::ByteRange;
using mofang::fcgi::parseRange;

namespace mofang::domain {
inline std::ostream& operator<<(std::ostream& os, ErrorKind kind) {
    return os << toString(kind);
}
}  // namespace mofang::domain

namespace {

constexpr std::uint64_t kGiB = 1024ull * 1024 * 1024;

enum class Outcome { Range, Ignored, Unsatisfiable };

struct RangeCase {
    std::string header;
    std::uint64_t size;
    Outcome outcome;
    std::uint64_t first = 0;
    std::uint64_t last = 0;
};
std::ostream& operator<<(std::ostream& os, const RangeCase& c) {
    os << "'" << c.header << "' of " << c.size << " bytes -> ";
    switch (c.outcome) {
        case Outcome::Range:
            return os << c.first << "-" << c.last;
        case Outcome::Ignored:
            return os << "ignored";
        case Outcome::Unsatisfiable:
            return os << "416";
    }
    return os;
}

RangeCase range(std::string header, std::uint64_t size, std::uint64_t first, std::uint64_t last) {
    return {std::move(header), size, Outcome::Range, first, last};
}
RangeCase ignored(std::string header, std::uint64_t size = 100) {
    return {std::move(header), size, Outcome::Ignored};
}
RangeCase unsatisfiable(std::string header, std::uint64_t size = 100) {
    return {std::move(header), size, Outcome::Unsatisfiable};
}

const std::vector<RangeCase> kCases = {
    // first-last, first-, -suffix
    range("bytes=0-9", 100, 0, 9),
    range("bytes=5-", 100, 5, 99),
    range("bytes=-5", 100, 95, 99),
    range("bytes=0-0", 100, 0, 0),
    range("bytes=99-99", 100, 99, 99),
    range("bytes=0-99", 100, 0, 99),
    range("bytes=0-", 100, 0, 99),
    range("bytes=-100", 100, 0, 99),
    // a last byte beyond the end is clamped; so is a suffix longer than the representation
    range("bytes=90-200", 100, 90, 99),
    range("bytes=0-9999999999999999999", 100, 0, 99),
    range("bytes=-101", 100, 0, 99),
    range("bytes=-9999999999999999999", 100, 0, 99),
    // a representation of one byte
    range("bytes=0-0", 1, 0, 0),
    range("bytes=0-", 1, 0, 0),
    range("bytes=-1", 1, 0, 0),
    range("bytes=-5", 1, 0, 0),
    range("bytes=0-5", 1, 0, 0),
    unsatisfiable("bytes=1-", 1),
    unsatisfiable("bytes=1-1", 1),
    // beyond 4 GiB
    range("bytes=4294967296-", 5 * kGiB, 4 * kGiB, 5 * kGiB - 1),
    range("bytes=-4294967296", 5 * kGiB, kGiB, 5 * kGiB - 1),
    // unsatisfiable: a first byte at or past the end, an empty suffix, an empty representation
    unsatisfiable("bytes=100-"),
    unsatisfiable("bytes=100-100"),
    unsatisfiable("bytes=100-200"),
    unsatisfiable("bytes=9999999999999999999-"),
    unsatisfiable("bytes=-0"),
    unsatisfiable("bytes=-0", 1),
    unsatisfiable("bytes=0-9", 0),
    unsatisfiable("bytes=0-", 0),
    unsatisfiable("bytes=-5", 0),
    // invalid: ignored, the whole representation is sent
    ignored("bytes=9-5"),
    ignored("bytes=1-0"),
    ignored("bytes=0-1,5-9"),
    ignored("bytes=0-9, 20-29"),
    ignored("bytes=0-9,"),
    ignored("items=0-5"),
    ignored("bytes 0-5"),
    ignored("bytes:0-5"),
    ignored("bytes"),
    ignored("bytes="),
    ignored("bytes=-"),
    ignored("bytes=5"),
    ignored("bytes=a-5"),
    ignored("bytes=0-b"),
    ignored("bytes=1-2-3"),
    ignored("bytes=--5"),
    ignored("bytes=+1-2"),
    ignored("bytes=1-+2"),
    ignored("bytes=0x10-"),
    ignored("bytes=1.5-2"),
    ignored(""),
    ignored("garbage"),
    ignored("\xFF\xFE"),
    // whitespace around the value is fine, inside it is not
    range("  bytes=0-9  ", 100, 0, 9),
    range("bytes=0-9 ", 100, 0, 9),
    ignored("bytes= 0-9"),
    ignored("bytes=0 -9"),
    ignored("bytes=0- 9"),
    ignored("bytes =0-9"),
    // the unit is case-insensitive
    range("Bytes=0-9", 100, 0, 9),
    range("BYTES=-5", 100, 95, 99),
    range("bYtEs=5-", 100, 5, 99),
    // more than 19 digits: not a number this parser takes (it would overflow 64 bits)
    ignored("bytes=0-18446744073709551616"),
    ignored("bytes=0-99999999999999999999"),
    ignored("bytes=99999999999999999999-"),
    ignored("bytes=-99999999999999999999"),
    ignored("bytes=00000000000000000001-"),
};

}  // namespace

BOOST_AUTO_TEST_SUITE(parse_range)

BOOST_DATA_TEST_CASE(table, bdata::make(kCases), c) {
    switch (c.outcome) {
        case Outcome::Range: {
            const auto r = parseRange(c.header, c.size);
            BOOST_REQUIRE(r.has_value());
            BOOST_TEST(r->first == c.first);
            BOOST_TEST(r->last == c.last);
            break;
        }
        case Outcome::Ignored: {
            std::optional<ByteRange> r;
            BOOST_REQUIRE_NO_THROW(r = parseRange(c.header, c.size));
            BOOST_TEST(!r.has_value());
            break;
        }
        case Outcome::Unsatisfiable: {
            try {
                const auto r = parseRange(c.header, c.size);
                BOOST_ERROR("no error; got " << (r ? std::to_string(r->first) + "-" + std::to_string(r->last)
                                                   : std::string("nullopt")));
            } catch (const DomainError& e) {
                BOOST_TEST(e.kind() == ErrorKind::RangeNotSatisfiable);
                BOOST_TEST(e.code() == "range_not_satisfiable");
            }
            break;
        }
    }
}

BOOST_AUTO_TEST_CASE(every_satisfiable_range_lies_within_the_representation) {
    // Exhaustive over small sizes and bounds: a returned range is never empty or out of bounds.
    for (std::uint64_t size = 1; size <= 12; ++size) {
        for (std::uint64_t a = 0; a <= 14; ++a) {
            for (std::uint64_t b = 0; b <= 14; ++b) {
                for (const auto& header :
                     {"bytes=" + std::to_string(a) + "-" + std::to_string(b),
                      "bytes=" + std::to_string(a) + "-", "bytes=-" + std::to_string(b)}) {
                    BOOST_TEST_CONTEXT(header << " of " << size) {
                        try {
                            const auto r = parseRange(header, size);
                            if (r) {
                                BOOST_TEST(r->first <= r->last);
                                BOOST_TEST(r->last < size);
                            }
                        } catch (const DomainError& e) {
                            BOOST_TEST(e.kind() == ErrorKind::RangeNotSatisfiable);
                        }
                    }
                }
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
