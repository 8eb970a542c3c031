#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "Support.hpp"
#include "domain/Unicode.hpp"

namespace bdata = boost::unit_test::data;
using namespace mofang::domain;
using mofang::test::escaped;

namespace {

// Expected values come from Python's unicodedata (the data the tables were generated from):
//   unicodedata.normalize("NFC" / "NFD", bytes.decode("utf-8", "replace"))
struct NormCase {
    std::string name;
    std::string input;
    std::string nfc;
    std::string nfd;
};
std::ostream& operator<<(std::ostream& os, const NormCase& c) {
    return os << c.name << ": '" << escaped(c.input) << "'";
}

const std::vector<NormCase> kNormCases = {
    {"e + acute", "e\xCC\x81", "\xC3\xA9", "e\xCC\x81"},
    {"L V jamo", "\xE1\x84\x80\xE1\x85\xA1", "\xEA\xB0\x80", "\xE1\x84\x80\xE1\x85\xA1"},
    {"L V T jamo", "\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8", "\xEA\xB0\x81",
     "\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8"},
    {"LV syllable + T", "\xEA\xB0\x80\xE1\x86\xA8", "\xEA\xB0\x81", "\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8"},
    {"TBase is no trailing consonant", "\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA7", "\xEA\xB0\x80\xE1\x86\xA7",
     "\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA7"},
    {"LVT syllable + T stays", "\xEA\xB0\x81\xE1\x86\xA8", "\xEA\xB0\x81\xE1\x86\xA8",
     "\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8\xE1\x86\xA8"},
    {"marks out of order", "a\xCC\x81\xCC\xA3", "\xE1\xBA\xA1\xCC\x81", "a\xCC\xA3\xCC\x81"},
    {"marks in order", "a\xCC\xA3\xCC\x81", "\xE1\xBA\xA1\xCC\x81", "a\xCC\xA3\xCC\x81"},
    {"marks reordered, no composite", "q\xCC\x87\xCC\xA3", "q\xCC\xA3\xCC\x87", "q\xCC\xA3\xCC\x87"},
    {"three marks", "e\xCC\xA3\xCC\x82\xCC\x81", "\xE1\xBB\x87\xCC\x81", "e\xCC\xA3\xCC\x82\xCC\x81"},
    {"blocked by equal class", "a\xCC\x85\xCC\x81", "a\xCC\x85\xCC\x81", "a\xCC\x85\xCC\x81"},
    {"non-starter first",
     "\xCC\x81"
     "e",
     "\xCC\x81"
     "e",
     "\xCC\x81"
     "e"},
    {"singleton angstrom", "\xE2\x84\xAB", "\xC3\x85", "A\xCC\x8A"},
    {"singleton ohm", "\xE2\x84\xA6", "\xCE\xA9", "\xCE\xA9"},
    {"singleton kelvin", "\xE2\x84\xAA", "K", "K"},
    {"singleton CJK compatibility", "\xEF\xA4\x80", "\xE8\xB1\x88", "\xE8\xB1\x88"},
    {"singleton combining grave tone", "\xCD\x80", "\xCC\x80", "\xCC\x80"},
    {"exclusion Devanagari QA", "\xE0\xA5\x98", "\xE0\xA4\x95\xE0\xA4\xBC", "\xE0\xA4\x95\xE0\xA4\xBC"},
    {"exclusion Hebrew", "\xEF\xAC\x9D", "\xD7\x99\xD6\xB4", "\xD7\x99\xD6\xB4"},
    {"exclusion FORKING", "\xE2\xAB\x9C", "\xE2\xAB\x9D\xCC\xB8", "\xE2\xAB\x9D\xCC\xB8"},
    {"exclusion musical symbol", "\xF0\x9D\x85\x9E", "\xF0\x9D\x85\x97\xF0\x9D\x85\xA5",
     "\xF0\x9D\x85\x97\xF0\x9D\x85\xA5"},
    {"non-starter decomposition", "\xCD\x84", "\xCC\x88\xCC\x81", "\xCC\x88\xCC\x81"},
    {"non-starter decomposition Tibetan", "\xE0\xBD\xB3", "\xE0\xBD\xB1\xE0\xBD\xB2",
     "\xE0\xBD\xB1\xE0\xBD\xB2"},
    {"starter + starter composite", "\xE0\xAD\x87\xE0\xAC\xBE", "\xE0\xAD\x8B", "\xE0\xAD\x87\xE0\xAC\xBE"},
    {"Vietnamese NFD", "Tie\xCC\x82\xCC\x81ng Vie\xCC\xA3\xCC\x82t", "Ti\xE1\xBA\xBFng Vi\xE1\xBB\x87t",
     "Tie\xCC\x82\xCC\x81ng Vie\xCC\xA3\xCC\x82t"},
    {"precomposed stays", "\xC3\xA9\xE1\xBB\x87\xEA\xB0\x81", "\xC3\xA9\xE1\xBB\x87\xEA\xB0\x81",
     "e\xCC\x81"
     "e\xCC\xA3\xCC\x82\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8"},
    {"Chinese", "\xE4\xB8\xBB\xE5\x9B\xBE-01.jpg", "\xE4\xB8\xBB\xE5\x9B\xBE-01.jpg",
     "\xE4\xB8\xBB\xE5\x9B\xBE-01.jpg"},
    {"emoji", "\xF0\x9F\x98\x80\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA9",
     "\xF0\x9F\x98\x80\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA9",
     "\xF0\x9F\x98\x80\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA9"},
    {"ASCII", "plain name.jpg", "plain name.jpg", "plain name.jpg"},
    {"Greek with ypogegrammeni", "\xCE\xB1\xCC\x93\xCC\x80\xCD\x85", "\xE1\xBE\x82",
     "\xCE\xB1\xCC\x93\xCC\x80\xCD\x85"},
    {"A ring NFD with macron", "A\xCC\x8A\xCC\x84", "\xC3\x85\xCC\x84", "A\xCC\x8A\xCC\x84"},
};

// Ill-formed UTF-8: each maximal ill-formed subpart becomes one U+FFFD, as Python's "replace".
const std::vector<NormCase> kIllFormed = {
    {"stray continuation",
     "a\x80"
     "b",
     "a\xEF\xBF\xBD"
     "b",
     "a\xEF\xBF\xBD"
     "b"},
    {"invalid byte",
     "a\xFF"
     "b",
     "a\xEF\xBF\xBD"
     "b",
     "a\xEF\xBF\xBD"
     "b"},
    {"overlong", "\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD", "\xEF\xBF\xBD\xEF\xBF\xBD"},
    {"E0 overlong", "\xE0\x80\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD",
     "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
    {"surrogate", "\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD",
     "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
    {"truncated emoji", "x\xF0\x9F\x98", "x\xEF\xBF\xBD", "x\xEF\xBF\xBD"},
    {"above U+10FFFF", "\xF4\x90\x80\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD",
     "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
    {"truncated then e+acute",
     "\xE4\xB8"
     "e\xCC\x81",
     "\xEF\xBF\xBD\xC3\xA9",
     "\xEF\xBF\xBD"
     "e\xCC\x81"},
};

struct FoldCase {
    std::string name;
    std::string input;
    std::string folded;
};
std::ostream& operator<<(std::ostream& os, const FoldCase& c) {
    return os << c.name << ": '" << escaped(c.input) << "'";
}

const std::vector<FoldCase> kFoldCases = {
    {"ASCII", "ABC xyz.JPG", "abc xyz.jpg"},
    {"sharp s",
     "Stra\xC3\x9F"
     "e",
     "stra\xC3\x9F"
     "e"},
    {"capital sharp s", "\xE1\xBA\x9E", "\xC3\x9F"},
    {"sigma", "\xCE\xA3\xCF\x83\xCF\x82", "\xCF\x83\xCF\x83\xCF\x83"},
    {"dotted I", "\xC4\xB0", "\xC4\xB0"},
    {"fullwidth", "\xEF\xBC\xA1\xEF\xBC\xA2", "\xEF\xBD\x81\xEF\xBD\x82"},
    {"Cyrillic", "\xD0\x96\xD0\xB0", "\xD0\xB6\xD0\xB0"},
    {"Chinese", "\xE4\xB8\xBB\xE5\x9B\xBE", "\xE4\xB8\xBB\xE5\x9B\xBE"},
    {"Cherokee", "\xE1\x8E\xA0\xEA\xAD\xB0", "\xE1\x8E\xA0\xE1\x8E\xA0"},
    {"Deseret", "\xF0\x90\x90\x80", "\xF0\x90\x90\xA8"},
    {"A ring", "\xC3\x85", "\xC3\xA5"},
};

void encodeUtf8(char32_t cp, std::string& out) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

struct Fnv1a64 {
    std::uint64_t value = 0xCBF29CE484222325ULL;
    void add(std::string_view bytes) {
        for (const char c : bytes) {
            value ^= static_cast<unsigned char>(c);
            value *= 0x100000001B3ULL;
        }
        value ^= 0;  // the separator NUL
        value *= 0x100000001B3ULL;
    }
};

// The inputs of scripts/lib/gen-unicode-tables --digests: for every code point below U+30000
// but surrogates, the character, its NFD, and the character followed by acute (ccc 230) and dot
// below (ccc 220), out of canonical order.
template <class F>
void forEachDigestInput(F&& f) {
    for (char32_t cp = 0; cp < 0x30000; ++cp) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        std::string c;
        encodeUtf8(cp, c);
        f(c);
        f(unicode::toNfd(c));
        f(c + "\xCC\x81\xCC\xA3");
    }
}

// Printed by `scripts/lib/gen-unicode-tables --digests` with the Python that generated
// domain/UnicodeData.inc (Unicode 14.0.0): FNV-1a 64 over each output followed by a NUL.
constexpr std::uint64_t kNfcDigest = 0xF0A03CE75F2FD6AAULL;
constexpr std::uint64_t kNfdDigest = 0x663BE2B76320529FULL;
constexpr std::uint64_t kFoldDigest = 0xCF087DEE41C92289ULL;

}  // namespace

BOOST_AUTO_TEST_SUITE(Unicode)

BOOST_DATA_TEST_CASE(NfcMatchesPython, bdata::make(kNormCases), c) {
    BOOST_TEST(escaped(unicode::toNfc(c.input)) == escaped(c.nfc));
}

BOOST_DATA_TEST_CASE(NfdMatchesPython, bdata::make(kNormCases), c) {
    BOOST_TEST(escaped(unicode::toNfd(c.input)) == escaped(c.nfd));
}

BOOST_DATA_TEST_CASE(NfcIsIdempotentAndNfdComposesBack, bdata::make(kNormCases), c) {
    BOOST_TEST(escaped(unicode::toNfc(c.nfc)) == escaped(c.nfc));
    BOOST_TEST(escaped(unicode::toNfc(c.nfd)) == escaped(c.nfc));
    BOOST_TEST(escaped(unicode::toNfd(c.nfc)) == escaped(c.nfd));
}

BOOST_DATA_TEST_CASE(IllFormedUtf8BecomesReplacementCharacters, bdata::make(kIllFormed), c) {
    BOOST_TEST(escaped(unicode::toNfc(c.input)) == escaped(c.nfc));
    BOOST_TEST(escaped(unicode::toNfd(c.input)) == escaped(c.nfd));
}

BOOST_DATA_TEST_CASE(FoldCaseMatchesPython, bdata::make(kFoldCases), c) {
    BOOST_TEST(escaped(unicode::foldCase(c.input)) == escaped(c.folded));
}

BOOST_AUTO_TEST_CASE(AsciiIsReturnedUnchanged) {
    const std::string ascii = "Plain ASCII 0123 ~!@#$%^&*()_+";
    BOOST_TEST(unicode::toNfc(ascii) == ascii);
    BOOST_TEST(unicode::toNfd(ascii) == ascii);
    BOOST_TEST(unicode::toNfc("") == "");
    BOOST_TEST(unicode::foldCase("") == "");
}

BOOST_AUTO_TEST_CASE(CombiningClasses) {
    BOOST_TEST(unicode::combiningClass(U'A') == 0);
    BOOST_TEST(unicode::combiningClass(0x0301) == 230);
    BOOST_TEST(unicode::combiningClass(0x0323) == 220);
    BOOST_TEST(unicode::combiningClass(0x0345) == 240);
    BOOST_TEST(unicode::combiningClass(0x0334) == 1);
    BOOST_TEST(unicode::combiningClass(0x1D165) == 216);
    BOOST_TEST(unicode::combiningClass(0x4E3B) == 0);
    BOOST_TEST(unicode::combiningClass(0x10FFFF) == 0);
}

BOOST_AUTO_TEST_CASE(EveryHangulSyllableRoundTrips) {
    for (char32_t s = 0xAC00; s <= 0xD7A3; ++s) {
        std::string syllable;
        encodeUtf8(s, syllable);
        const std::string jamo = unicode::toNfd(syllable);
        BOOST_REQUIRE(jamo.size() == ((s - 0xAC00) % 28 == 0 ? 6U : 9U));
        BOOST_REQUIRE(unicode::toNfc(jamo) == syllable);
    }
}

// Exhaustive against Python: every code point below U+30000 (all the characters that
// decompose or compose live there), alone, decomposed, and with marks out of order.
BOOST_AUTO_TEST_CASE(NfcMatchesPythonForEveryCodePoint) {
    Fnv1a64 digest;
    forEachDigestInput([&](const std::string& s) { digest.add(unicode::toNfc(s)); });
    BOOST_TEST(digest.value == kNfcDigest);
}

BOOST_AUTO_TEST_CASE(NfdMatchesPythonForEveryCodePoint) {
    Fnv1a64 digest;
    forEachDigestInput([&](const std::string& s) { digest.add(unicode::toNfd(s)); });
    BOOST_TEST(digest.value == kNfdDigest);
}

BOOST_AUTO_TEST_CASE(FoldCaseMatchesPythonForEveryCodePoint) {
    Fnv1a64 digest;
    for (char32_t cp = 0; cp < 0x30000; ++cp) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        std::string c;
        encodeUtf8(cp, c);
        digest.add(unicode::foldCase(c));
    }
    BOOST_TEST(digest.value == kFoldDigest);
}

BOOST_AUTO_TEST_CASE(DataVersionIsRecorded) {
    BOOST_TEST(unicode::dataVersion() == "14.0.0");
}

BOOST_AUTO_TEST_SUITE_END()
