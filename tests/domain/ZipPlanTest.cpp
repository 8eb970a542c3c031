#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "Support.hpp"
#include "domain/Unicode.hpp"
#include "domain/ZipPlan.hpp"

namespace bdata = boost::unit_test::data;
using namespace mofang::domain;
using mofang::test::escaped;

namespace {

const std::string kMain = "\xE4\xB8\xBB\xE5\x9B\xBE";                // 主图
const std::string kSku = "SKU\xE5\x9B\xBE";                          // SKU图
const std::string kDetail = "\xE8\xAF\xA6\xE6\x83\x85\xE5\x9B\xBE";  // 详情图
const std::string kTu = "\xE5\x9B\xBE";                              // 图 (3 bytes)
const std::string kEmoji = "\xF0\x9F\x98\x80";                       // 😀 (4 bytes)
constexpr std::int64_t kMtime = 1795325051999;                       // 2026-11-22T05:24:11.999Z

std::string repeat(std::string_view s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
}

// An entry whose blob key is its content, so that materialise() can find the bytes.
PackageEntryInput entry(std::string moduleType, std::string subType, std::string filename,
                        const std::string& content = "", std::int64_t mtime = kMtime) {
    PackageEntryInput e;
    e.moduleType = std::move(moduleType);
    e.subType = std::move(subType);
    e.filename = std::move(filename);
    e.size = content.size();
    e.crc32 = zipCrc32(content);
    e.sha256 = "sha-of-" + content;  // stands in for the real digest (domain has no SHA-256)
    e.mtimeMillis = mtime;
    e.blobKey = content;
    return e;
}

PackageInput package(std::vector<PackageEntryInput> entries, std::string spu = "SPU1") {
    PackageInput p;
    p.spuCode = std::move(spu);
    p.entries = std::move(entries);
    return p;
}

std::vector<std::string> namesOf(const ZipPlan& plan) {
    std::vector<std::string> names;
    for (const auto& e : plan.entries()) names.push_back(e.name);
    return names;
}

std::vector<std::string> escapedAll(const std::vector<std::string>& v) {
    std::vector<std::string> out;
    for (const auto& s : v) out.push_back(escaped(s));
    return out;
}

// The bytes of [begin, end), file bytes taken from `contents` (by blob key; by default the key is
// the content itself). Checks that the pieces are non-empty and contiguous.
std::string materialise(const ZipPlan& plan, std::uint64_t begin, std::uint64_t end,
                        const std::map<std::string, std::string>* contents = nullptr) {
    std::string out;
    auto cursor = plan.cursor(begin, end);
    std::uint64_t expected = std::min(begin, plan.size());
    while (auto piece = cursor.next()) {
        if (piece->length == 0 || piece->archiveOffset != expected) throw std::logic_error("bad piece");
        expected += piece->length;
        if (piece->kind == ZipPiece::Kind::Header) {
            if (piece->header.size() != piece->length) throw std::logic_error("bad header piece");
            out += piece->header;
        } else {
            const std::string key(piece->blobKey);
            const std::string& bytes = contents != nullptr ? contents->at(key) : key;
            out += bytes.substr(piece->fileOffset, piece->length);
        }
    }
    return out;
}

std::string materialise(const ZipPlan& plan) {
    return materialise(plan, 0, plan.size());
}

// ---- an independent reader of what the planner writes (APPNOTE 4.3) ----------------------------

std::uint64_t le(const std::string& s, std::uint64_t at, int bytes) {
    if (at + static_cast<std::uint64_t>(bytes) > s.size()) throw std::out_of_range("read past the end");
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<std::uint64_t>(i)]);
    return v;
}

struct ParsedEntry {
    std::uint16_t madeBy = 0, needed = 0, flags = 0, method = 0, time = 0, date = 0;
    std::uint32_t crc = 0, externalAttributes = 0;
    std::uint32_t size32 = 0, compressed32 = 0, offset32 = 0;
    std::uint64_t size = 0, compressed = 0, offset = 0;
    std::string name;
    std::vector<std::uint16_t> extraIds;
    std::uint8_t unicodePathVersion = 0;
    std::uint32_t unicodePathCrc = 0;
    std::string unicodePathName;
    // The local header
    std::uint16_t localNeeded = 0, localFlags = 0;
    std::vector<std::uint16_t> localExtraIds;
    bool localZip64 = false;
    std::uint64_t dataOffset = 0;
};

struct ParsedZip {
    bool zip64End = false;
    std::uint16_t count16 = 0;
    std::uint32_t centralSize32 = 0, centralOffset32 = 0;
    std::uint64_t count = 0, centralSize = 0, centralOffset = 0;
    std::vector<ParsedEntry> entries;
};

void fail(const std::string& what) {
    throw std::runtime_error(what);
}

// Extra fields of a header: id -> data, in order.
std::vector<std::pair<std::uint16_t, std::string>> extras(const std::string& s, std::uint64_t at,
                                                          std::uint64_t size) {
    std::vector<std::pair<std::uint16_t, std::string>> out;
    const std::uint64_t end = at + size;
    while (at < end) {
        const auto id = static_cast<std::uint16_t>(le(s, at, 2));
        const auto len = le(s, at + 2, 2);
        if (at + 4 + len > end) fail("extra field overruns");
        out.emplace_back(id, s.substr(at + 4, len));
        at += 4 + len;
    }
    return out;
}

// Parses the archive from its end as a seeking reader does and checks every local header and
// every file's CRC-32 against the central directory. When `data` is false, files are not read.
ParsedZip parse(const std::string& s, bool data = true) {
    ParsedZip z;
    const std::uint64_t endPos = s.size() - 22;
    if (le(s, endPos, 4) != 0x06054B50) fail("no end of central directory record");
    if (le(s, endPos + 4, 4) != 0) fail("disk numbers");
    z.count16 = static_cast<std::uint16_t>(le(s, endPos + 8, 2));
    if (le(s, endPos + 10, 2) != z.count16) fail("entry counts differ");
    z.centralSize32 = static_cast<std::uint32_t>(le(s, endPos + 12, 4));
    z.centralOffset32 = static_cast<std::uint32_t>(le(s, endPos + 16, 4));
    if (le(s, endPos + 20, 2) != 0) fail("comment");
    std::uint64_t centralEnd = endPos;
    if (endPos >= 20 && le(s, endPos - 20, 4) == 0x07064B50) {
        z.zip64End = true;
        const std::uint64_t loc = endPos - 20;
        if (le(s, loc + 4, 4) != 0 || le(s, loc + 16, 4) != 1) fail("locator disks");
        const std::uint64_t rec = le(s, loc + 8, 8);
        if (rec + 56 != loc) fail("ZIP64 end record not right before the locator");
        if (le(s, rec, 4) != 0x06064B50) fail("ZIP64 end record signature");
        if (le(s, rec + 4, 8) != 44) fail("ZIP64 end record size");
        if (le(s, rec + 12, 2) != 0x033F || le(s, rec + 14, 2) != 45) fail("ZIP64 end record versions");
        if (le(s, rec + 16, 4) != 0 || le(s, rec + 20, 4) != 0) fail("ZIP64 end record disks");
        z.count = le(s, rec + 24, 8);
        if (le(s, rec + 32, 8) != z.count) fail("ZIP64 counts differ");
        z.centralSize = le(s, rec + 40, 8);
        z.centralOffset = le(s, rec + 48, 8);
        centralEnd = rec;
        // Classic fields either hold the value or say -1.
        if (z.count16 != 0xFFFF && z.count16 != z.count) fail("classic count");
        if (z.centralSize32 != 0xFFFFFFFF && z.centralSize32 != z.centralSize) fail("classic size");
        if (z.centralOffset32 != 0xFFFFFFFF && z.centralOffset32 != z.centralOffset) fail("classic offset");
    } else {
        z.count = z.count16;
        z.centralSize = z.centralSize32;
        z.centralOffset = z.centralOffset32;
    }
    if (z.centralOffset + z.centralSize != centralEnd)
        fail("central directory does not end at the end records");

    std::uint64_t at = z.centralOffset;
    std::uint64_t expectedLocal = 0;
    for (std::uint64_t i = 0; i < z.count; ++i) {
        ParsedEntry e;
        if (le(s, at, 4) != 0x02014B50) fail("central signature");
        e.madeBy = static_cast<std::uint16_t>(le(s, at + 4, 2));
        e.needed = static_cast<std::uint16_t>(le(s, at + 6, 2));
        e.flags = static_cast<std::uint16_t>(le(s, at + 8, 2));
        e.method = static_cast<std::uint16_t>(le(s, at + 10, 2));
        e.time = static_cast<std::uint16_t>(le(s, at + 12, 2));
        e.date = static_cast<std::uint16_t>(le(s, at + 14, 2));
        e.crc = static_cast<std::uint32_t>(le(s, at + 16, 4));
        e.compressed32 = static_cast<std::uint32_t>(le(s, at + 20, 4));
        e.size32 = static_cast<std::uint32_t>(le(s, at + 24, 4));
        const auto nameLen = le(s, at + 28, 2);
        const auto extraLen = le(s, at + 30, 2);
        if (le(s, at + 32, 2) != 0 || le(s, at + 34, 2) != 0 || le(s, at + 36, 2) != 0)
            fail("comment/disk/internal");
        e.externalAttributes = static_cast<std::uint32_t>(le(s, at + 38, 4));
        e.offset32 = static_cast<std::uint32_t>(le(s, at + 42, 4));
        e.name = s.substr(at + 46, nameLen);
        e.size = e.size32;
        e.compressed = e.compressed32;
        e.offset = e.offset32;
        for (const auto& [id, body] : extras(s, at + 46 + nameLen, extraLen)) {
            e.extraIds.push_back(id);
            if (id == 0x0001) {
                std::uint64_t p = 0;
                if (e.size32 == 0xFFFFFFFF) e.size = le(body, (p += 8) - 8, 8);
                if (e.compressed32 == 0xFFFFFFFF) e.compressed = le(body, (p += 8) - 8, 8);
                if (e.offset32 == 0xFFFFFFFF) e.offset = le(body, (p += 8) - 8, 8);
                if (p != body.size()) fail("central ZIP64 extra has other fields than the -1 ones");
            } else if (id == 0x7075) {
                e.unicodePathVersion = static_cast<std::uint8_t>(body.at(0));
                e.unicodePathCrc = static_cast<std::uint32_t>(le(body, 1, 4));
                e.unicodePathName = body.substr(5);
            }
        }
        at += 46 + nameLen + extraLen;

        // Local header: the same facts, sizes from its own ZIP64 extra when it says -1.
        const std::uint64_t lh = e.offset;
        if (lh != expectedLocal) fail("local headers are not back to back");
        if (le(s, lh, 4) != 0x04034B50) fail("local signature");
        e.localNeeded = static_cast<std::uint16_t>(le(s, lh + 4, 2));
        e.localFlags = static_cast<std::uint16_t>(le(s, lh + 6, 2));
        if (le(s, lh + 8, 2) != e.method || le(s, lh + 10, 2) != e.time || le(s, lh + 12, 2) != e.date ||
            le(s, lh + 14, 4) != e.crc)
            fail("local header differs from the central record");
        const auto lCompressed32 = le(s, lh + 18, 4);
        const auto lSize32 = le(s, lh + 22, 4);
        const auto lNameLen = le(s, lh + 26, 2);
        const auto lExtraLen = le(s, lh + 28, 2);
        if (s.substr(lh + 30, lNameLen) != e.name) fail("local name differs");
        std::uint64_t lSize = lSize32, lCompressed = lCompressed32;
        for (const auto& [id, body] : extras(s, lh + 30 + lNameLen, lExtraLen)) {
            e.localExtraIds.push_back(id);
            if (id == 0x0001) {
                // APPNOTE 4.5.3: in a local header both sizes, always.
                if (body.size() != 16 || lSize32 != 0xFFFFFFFF || lCompressed32 != 0xFFFFFFFF)
                    fail("local ZIP64 extra");
                lSize = le(body, 0, 8);
                lCompressed = le(body, 8, 8);
                e.localZip64 = true;
            }
        }
        if (lSize != e.size || lCompressed != e.compressed) fail("local sizes differ");
        e.dataOffset = lh + 30 + lNameLen + lExtraLen;
        if (data) {
            if (zipCrc32(s.substr(e.dataOffset, e.size)) != e.crc) fail("CRC-32 mismatch: " + e.name);
        }
        expectedLocal = e.dataOffset + e.size;
        z.entries.push_back(std::move(e));
    }
    if (at != centralEnd) fail("central directory size");
    if (expectedLocal != z.centralOffset) fail("data does not end at the central directory");
    return z;
}

// The three small files of the range tests: sizes 0, 1 and 5.
PackageInput smallPackage() {
    return package({entry("main", "", "empty.jpg", ""), entry("main", "", "one.jpg", "x"),
                    entry("sku", "red", "five.png", "hello")});
}

}  // namespace

// ---- names -------------------------------------------------------------------------------------

namespace {

struct NameCase {
    std::string name;
    std::string spu;
    std::string moduleType;
    std::string subType;
    std::string filename;
    std::string expected;
};
std::ostream& operator<<(std::ostream& os, const NameCase& c) {
    return os << c.name << ": '" << escaped(c.filename) << "' -> '" << escaped(c.expected) << "'";
}

const std::vector<NameCase> kNames = {
    {"main", "SPU1", "main", "", "a.jpg", "SPU1/" + kMain + "/01-a.jpg"},
    {"sku", "SPU1", "sku", "", "a.jpg", "SPU1/" + kSku + "/01-a.jpg"},
    {"detail", "SPU1", "detail", "", "a.jpg", "SPU1/" + kDetail + "/01-a.jpg"},
    {"sub type", "SPU1", "sku", "red", "a.jpg", "SPU1/" + kSku + "/red/01-a.jpg"},
    {"Chinese", "SPU1", "main", kMain, kMain + "-1.jpg",
     "SPU1/" + kMain + "/" + kMain + "/01-" + kMain + "-1.jpg"},
    {"emoji", "SPU1", "main", kEmoji, kEmoji + ".webp",
     "SPU1/" + kMain + "/" + kEmoji + "/01-" + kEmoji + ".webp"},
    {"NFD file name", "SPU1", "main", "", "e\xCC\x81.jpg", "SPU1/" + kMain + "/01-\xC3\xA9.jpg"},
    {"NFD sub type", "SPU1", "main", "A\xCC\x8A", "a.jpg", "SPU1/" + kMain + "/\xC3\x85/01-a.jpg"},
    {"traversal in file name", "SPU1", "main", "", "../x.jpg", "SPU1/" + kMain + "/01-.._x.jpg"},
    {"backslashes in file name", "SPU1", "main", "", "..\\..\\x.jpg", "SPU1/" + kMain + "/01-.._.._x.jpg"},
    {"absolute file name", "SPU1", "main", "", "/etc/passwd", "SPU1/" + kMain + "/01-_etc_passwd"},
    {"sub type ..", "SPU1", "main", "..", "a.jpg", "SPU1/" + kMain + "/_/01-a.jpg"},
    {"sub type .", "SPU1", "main", ".", "a.jpg", "SPU1/" + kMain + "/_/01-a.jpg"},
    {"sub type traversal", "SPU1", "main", "../../etc", "a.jpg", "SPU1/" + kMain + "/.._.._etc/01-a.jpg"},
    {"sub type absolute", "SPU1", "main", "/abs", "a.jpg", "SPU1/" + kMain + "/_abs/01-a.jpg"},
    {"sub type backslash", "SPU1", "main", "C:\\x", "a.jpg", "SPU1/" + kMain + "/C__x/01-a.jpg"},
    {"spu traversal", "../SPU", "main", "", "a.jpg", ".._SPU/" + kMain + "/01-a.jpg"},
    {"spu empty", "", "main", "", "a.jpg", "_/" + kMain + "/01-a.jpg"},
    {"spu device", "NUL", "main", "", "a.jpg", "_NUL/" + kMain + "/01-a.jpg"},
    {"sub type CON", "SPU1", "main", "CON", "a.jpg", "SPU1/" + kMain + "/_CON/01-a.jpg"},
    {"sub type con lower case", "SPU1", "main", "con", "a.jpg", "SPU1/" + kMain + "/_con/01-a.jpg"},
    {"sub type aux.jpg", "SPU1", "main", "aux.jpg", "a.jpg", "SPU1/" + kMain + "/_aux.jpg/01-a.jpg"},
    {"sub type AUX.tar.gz", "SPU1", "main", "AUX.tar.gz", "a.jpg", "SPU1/" + kMain + "/_AUX.tar.gz/01-a.jpg"},
    {"sub type Com1", "SPU1", "main", "Com1", "a.jpg", "SPU1/" + kMain + "/_Com1/01-a.jpg"},
    {"sub type LPT9.txt", "SPU1", "main", "LPT9.txt", "a.jpg", "SPU1/" + kMain + "/_LPT9.txt/01-a.jpg"},
    {"sub type COM superscript", "SPU1", "main", "COM\xC2\xB9", "a.jpg",
     "SPU1/" + kMain + "/_COM\xC2\xB9/01-a.jpg"},
    {"sub type 'nul .x'", "SPU1", "main", "nul .x", "a.jpg", "SPU1/" + kMain + "/_nul .x/01-a.jpg"},
    {"sub type COM10 is no device", "SPU1", "main", "COM10", "a.jpg", "SPU1/" + kMain + "/COM10/01-a.jpg"},
    {"sub type CONSOLE is no device", "SPU1", "main", "CONSOLE", "a.jpg",
     "SPU1/" + kMain + "/CONSOLE/01-a.jpg"},
    {"file CON (after the rank, no device)", "SPU1", "main", "", "CON", "SPU1/" + kMain + "/01-CON"},
    {"file aux.jpg", "SPU1", "main", "", "aux.jpg", "SPU1/" + kMain + "/01-aux.jpg"},
    {"trailing dots", "SPU1", "main", "", "a.jpg...", "SPU1/" + kMain + "/01-a.jpg"},
    {"trailing dots and spaces", "SPU1", "main", "", "a.jpg . .", "SPU1/" + kMain + "/01-a.jpg"},
    {"sub type trailing dots", "SPU1", "main", "red...", "a.jpg", "SPU1/" + kMain + "/red/01-a.jpg"},
    {"sub type leading spaces", "SPU1", "main", "  red", "a.jpg", "SPU1/" + kMain + "/red/01-a.jpg"},
    {"sub type inner dots kept", "SPU1", "main", ".red.v1", "a.jpg", "SPU1/" + kMain + "/.red.v1/01-a.jpg"},
    {"reserved punctuation", "SPU1", "main", "a<b>c:d\"e|f?g*h", "x.jpg",
     "SPU1/" + kMain + "/a_b_c_d_e_f_g_h/01-x.jpg"},
    {"control characters", "SPU1", "main",
     "a\x01"
     "b\x7F"
     "c\xC2\x85"
     "d",
     "x\ty.jpg", "SPU1/" + kMain + "/a_b_c_d/01-x_y.jpg"},
    {"U+00A0 is no control", "SPU1", "main", "",
     "a\xC2\xA0"
     "b.jpg",
     "SPU1/" + kMain +
         "/01-a\xC2\xA0"
         "b.jpg"},
    {"ill-formed UTF-8", "SPU1", "main", "", "a\xFF.jpg", "SPU1/" + kMain + "/01-a\xEF\xBF\xBD.jpg"},
    {"empty file name", "SPU1", "main", "", "", "SPU1/" + kMain + "/01-"},
    // 300 × 图 = 900 bytes: "01-" + 82 × 图 + ".jpg" = 253 bytes (one more would be 256)
    {"long file name keeps its extension", "SPU1", "main", "", repeat(kTu, 300) + ".jpg",
     "SPU1/" + kMain + "/01-" + repeat(kTu, 82) + ".jpg"},
    {"long sub type", "SPU1", "main", repeat("a", 300), "x.jpg",
     "SPU1/" + kMain + "/" + repeat("a", 255) + "/01-x.jpg"},
    {"long sub type cut at a character", "SPU1", "main", repeat(kEmoji, 70), "x.jpg",
     "SPU1/" + kMain + "/" + repeat(kEmoji, 63) + "/01-x.jpg"},
    {"long extension is not kept", "SPU1", "main", "", "a." + repeat("b", 300),
     "SPU1/" + kMain + "/01-a." + repeat("b", 250)},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(ZipPlanNames)

BOOST_DATA_TEST_CASE(OneEntry, bdata::make(kNames), c) {
    const ZipPlan plan(package({entry(c.moduleType, c.subType, c.filename)}, c.spu));
    BOOST_REQUIRE(plan.entries().size() == 1U);
    const std::string& name = plan.entries()[0].name;
    BOOST_TEST(escaped(name) == escaped(c.expected));
    BOOST_TEST(unicode::toNfc(name) == name);
}

BOOST_AUTO_TEST_CASE(EveryPartIsAtMost255Bytes) {
    const ZipPlan plan(
        package({entry("main", repeat(kTu, 200), repeat(kTu, 200) + ".jpg")}, repeat("S", 400)));
    const std::string& name = plan.entries()[0].name;
    std::size_t start = 0;
    for (std::size_t slash = name.find('/');; slash = name.find('/', start)) {
        const std::string part =
            name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        BOOST_TEST(part.size() <= 255U);
        BOOST_TEST(!part.empty());
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    BOOST_TEST(name.ends_with(".jpg"));
}

BOOST_AUTO_TEST_CASE(RanksCountPerModuleInInputOrder) {
    const ZipPlan plan(
        package({entry("main", "", "a.jpg"), entry("main", "", "b.jpg"), entry("sku", "red", "c.jpg"),
                 entry("sku", "blue", "d.jpg"), entry("sku", "red", "e.jpg"), entry("main", "", "f.jpg")}));
    const std::vector<std::string> expected = {
        "SPU1/" + kMain + "/01-a.jpg",     "SPU1/" + kMain + "/02-b.jpg",    "SPU1/" + kSku + "/red/01-c.jpg",
        "SPU1/" + kSku + "/blue/01-d.jpg", "SPU1/" + kSku + "/red/02-e.jpg", "SPU1/" + kMain + "/03-f.jpg"};
    BOOST_TEST(escapedAll(namesOf(plan)) == escapedAll(expected), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(RanksGrowPastTwoDigits) {
    std::vector<PackageEntryInput> entries;
    for (int i = 1; i <= 101; ++i) entries.push_back(entry("detail", "", "p.jpg"));
    const ZipPlan plan(package(std::move(entries)));
    const auto names = namesOf(plan);
    BOOST_TEST(names[0] == "SPU1/" + kDetail + "/01-p.jpg");
    BOOST_TEST(names[8] == "SPU1/" + kDetail + "/09-p.jpg");
    BOOST_TEST(names[9] == "SPU1/" + kDetail + "/10-p.jpg");
    BOOST_TEST(names[98] == "SPU1/" + kDetail + "/99-p.jpg");
    BOOST_TEST(names[99] == "SPU1/" + kDetail + "/100-p.jpg");
    BOOST_TEST(names[100] == "SPU1/" + kDetail + "/101-p.jpg");
}

BOOST_AUTO_TEST_CASE(PreviewsGetJpgExtensions) {
    PackageInput in =
        package({entry("main", "", "a.png"), entry("main", "", "noext"), entry("main", "", "a.tar.gz"),
                 entry("main", "", "b.JPG"), entry("main", "", "c.webp..")});
    in.previews = true;
    const ZipPlan plan(std::move(in));
    const std::vector<std::string> expected = {
        "SPU1/" + kMain + "/01-a.jpg", "SPU1/" + kMain + "/02-noext.jpg", "SPU1/" + kMain + "/03-a.tar.jpg",
        "SPU1/" + kMain + "/04-b.jpg", "SPU1/" + kMain + "/05-c.jpg"};
    BOOST_TEST(escapedAll(namesOf(plan)) == escapedAll(expected), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(CollisionsAreCaseInsensitive) {
    // "S" and "s" are one directory on Windows and macOS: the second 01-a.jpg needs a suffix.
    const ZipPlan plan(
        package({entry("main", "S", "a.jpg"), entry("main", "s", "A.JPG"), entry("main", "S.", "a.jpg")}));
    const std::vector<std::string> expected = {"SPU1/" + kMain + "/S/01-a.jpg",
                                               "SPU1/" + kMain + "/s/01-A (2).JPG",
                                               "SPU1/" + kMain + "/S/01-a (3).jpg"};
    BOOST_TEST(escapedAll(namesOf(plan)) == escapedAll(expected), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(SuffixedNamesDoNotCollideWithExistingOnes) {
    const ZipPlan plan(package(
        {entry("main", "S", "a (2).jpg"), entry("main", "s", "a.jpg"), entry("main", "S.", "a.jpg")}));
    const std::vector<std::string> expected = {"SPU1/" + kMain + "/S/01-a (2).jpg",
                                               "SPU1/" + kMain + "/s/01-a.jpg",
                                               "SPU1/" + kMain + "/S/01-a (3).jpg"};
    BOOST_TEST(escapedAll(namesOf(plan)) == escapedAll(expected), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(CollisionsAfterSanitising) {
    // "a/b", "a\b" and "a_b" all become the directory "a_b".
    const ZipPlan plan(
        package({entry("sku", "a/b", "x.jpg"), entry("sku", "a\\b", "x.jpg"), entry("sku", "a_b", "x.jpg")}));
    const std::vector<std::string> expected = {"SPU1/" + kSku + "/a_b/01-x.jpg",
                                               "SPU1/" + kSku + "/a_b/01-x (2).jpg",
                                               "SPU1/" + kSku + "/a_b/01-x (3).jpg"};
    BOOST_TEST(escapedAll(namesOf(plan)) == escapedAll(expected), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(CollisionsAfterNfcAndUnicodeCaseFolding) {
    // Ä precomposed, a + combining diaeresis (NFD, lower case): the same directory once folded.
    const ZipPlan plan(package({entry("main", "\xC3\x84", "x.jpg"), entry("main", "a\xCC\x88", "x.jpg"),
                                entry("main", "\xCE\xA3", "y.jpg"), entry("main", "\xCF\x82", "y.jpg")}));
    const std::vector<std::string> expected = {
        "SPU1/" + kMain + "/\xC3\x84/01-x.jpg", "SPU1/" + kMain + "/\xC3\xA4/01-x (2).jpg",
        "SPU1/" + kMain + "/\xCE\xA3/01-y.jpg", "SPU1/" + kMain + "/\xCF\x82/01-y (2).jpg"};
    BOOST_TEST(escapedAll(namesOf(plan)) == escapedAll(expected), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(FileNamesDoNotCollideWithDirectories) {
    // The sub type "01-x.jpg" is a directory where the first main image would be a file.
    const ZipPlan plan(package({entry("main", "", "x.jpg"), entry("main", "01-X.jpg", "y.jpg")}));
    const std::vector<std::string> expected = {"SPU1/" + kMain + "/01-x (2).jpg",
                                               "SPU1/" + kMain + "/01-X.jpg/01-y.jpg"};
    BOOST_TEST(escapedAll(namesOf(plan)) == escapedAll(expected), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(SuffixesStayWithin255Bytes) {
    const std::string longName = repeat("n", 300) + ".jpg";
    const ZipPlan plan(package({entry("main", "A", longName), entry("main", "a", longName)}));
    const auto names = namesOf(plan);
    const std::string dir = "SPU1/" + kMain + "/";
    BOOST_TEST(names[0] == dir + "A/01-" + repeat("n", 248) + ".jpg");
    BOOST_TEST(names[1] == dir + "a/01-" + repeat("n", 244) + " (2).jpg");
}

BOOST_AUTO_TEST_CASE(ManyCollisionsCountUp) {
    std::vector<PackageEntryInput> entries;
    for (int i = 0; i < 12; ++i) entries.push_back(entry("main", i % 2 == 0 ? "X" : "x", "p.jpg"));
    const ZipPlan plan(package(std::move(entries)));
    std::set<std::string> folded;
    for (const auto& n : namesOf(plan)) folded.insert(unicode::foldCase(n));
    BOOST_TEST(folded.size() == 12U);
    BOOST_TEST(plan.entries()[2].name == "SPU1/" + kMain + "/X/02-p.jpg");
    BOOST_TEST(plan.entries()[3].name == "SPU1/" + kMain + "/x/02-p (2).jpg");
}

BOOST_AUTO_TEST_CASE(UnknownModuleTypeIsABug) {
    BOOST_CHECK_THROW(ZipPlan(package({entry("gallery", "", "a.jpg")})), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(LimitsOutOfRangeAreABug) {
    BOOST_CHECK_THROW(ZipPlan(package({}), ZipLimits{0x100000000ULL, 0xFFFF}), std::invalid_argument);
    BOOST_CHECK_THROW(ZipPlan(package({}), ZipLimits{0, 0xFFFF}), std::invalid_argument);
    BOOST_CHECK_THROW(ZipPlan(package({}), ZipLimits{0xFFFFFFFF, 0x10000}), std::invalid_argument);
    BOOST_CHECK_THROW(ZipPlan(package({}), ZipLimits{0xFFFFFFFF, 0}), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- times, CRC --------------------------------------------------------------------------------

namespace {

struct TimeCase {
    std::int64_t millis;
    std::uint16_t date;
    std::uint16_t time;
};
std::ostream& operator<<(std::ostream& os, const TimeCase& c) {
    return os << c.millis;
}

constexpr std::uint16_t dosDate(int y, int m, int d) {
    return static_cast<std::uint16_t>(((y - 1980) << 9) | (m << 5) | d);
}
constexpr std::uint16_t dosTime(int h, int m, int s) {
    return static_cast<std::uint16_t>((h << 11) | (m << 5) | (s / 2));
}

const std::vector<TimeCase> kTimes = {
    {kMtime, dosDate(2026, 11, 22), dosTime(5, 24, 10)},          // 05:24:11.999 → 10 s (even, down)
    {1795325050123, dosDate(2026, 11, 22), dosTime(5, 24, 10)},   // 05:24:10.123
    {315532800000, dosDate(1980, 1, 1), dosTime(0, 0, 0)},        // the first DOS instant
    {0, dosDate(1980, 1, 1), dosTime(0, 0, 0)},                   // 1970: clamped
    {-1, dosDate(1980, 1, 1), dosTime(0, 0, 0)},                  // before 1970: clamped
    {INT64_MIN, dosDate(1980, 1, 1), dosTime(0, 0, 0)},           // no overflow
    {951825599000, dosDate(2000, 2, 29), dosTime(11, 59, 59)},    // leap day, UTC
    {4354819198000, dosDate(2107, 12, 31), dosTime(23, 59, 58)},  // the last DOS instant
    {4354819199999, dosDate(2107, 12, 31), dosTime(23, 59, 58)},  // clamped
    {INT64_MAX, dosDate(2107, 12, 31), dosTime(23, 59, 58)},      // no overflow
};

}  // namespace

BOOST_AUTO_TEST_SUITE(ZipPlanTimes)

BOOST_DATA_TEST_CASE(DosTimesAreUtc, bdata::make(kTimes), c) {
    const ZipPlan plan(package({entry("main", "", "a.jpg", "", c.millis)}));
    BOOST_TEST(plan.entries()[0].dosDate == c.date);
    BOOST_TEST(plan.entries()[0].dosTime == c.time);
    const auto z = parse(materialise(plan));
    BOOST_TEST(z.entries[0].date == c.date);
    BOOST_TEST(z.entries[0].time == c.time);
}

BOOST_AUTO_TEST_CASE(Crc32KnownAnswers) {
    BOOST_TEST(zipCrc32("") == 0U);
    BOOST_TEST(zipCrc32("123456789") == 0xCBF43926U);
    BOOST_TEST(zipCrc32("The quick brown fox jumps over the lazy dog") == 0x414FA339U);
    BOOST_TEST(zipCrc32("56789", zipCrc32("1234")) == 0xCBF43926U);  // continues
}

BOOST_AUTO_TEST_SUITE_END()

// ---- layout and bytes --------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(ZipPlanLayout)

BOOST_AUTO_TEST_CASE(EmptyArchiveIsOneEndRecord) {
    const ZipPlan plan(package({}));
    BOOST_TEST(plan.size() == 22U);
    BOOST_TEST(!plan.zip64End());
    const std::string bytes = materialise(plan);
    BOOST_TEST(bytes == std::string("PK\x05\x06", 4) + std::string(18, '\0'));
}

BOOST_AUTO_TEST_CASE(OffsetsAddUp) {
    const ZipPlan plan(smallPackage());
    const std::string bytes = materialise(plan);
    BOOST_TEST(bytes.size() == plan.size());
    std::uint64_t expected = 0;
    for (std::size_t i = 0; i < plan.entries().size(); ++i) {
        const auto& e = plan.entries()[i];
        const std::string header = plan.localHeader(i);
        BOOST_TEST(e.localHeaderOffset == expected);
        BOOST_TEST(bytes.substr(e.localHeaderOffset, header.size()) == header);
        BOOST_TEST(e.dataOffset == e.localHeaderOffset + header.size());
        BOOST_TEST(bytes.substr(e.dataOffset, e.size) == e.blobKey);
        expected = e.dataOffset + e.size;
    }
    BOOST_TEST(plan.centralDirectoryOffset() == expected);
    for (std::size_t i = 0; i < plan.entries().size(); ++i) {
        const auto& e = plan.entries()[i];
        const std::string record = plan.centralRecord(i);
        BOOST_TEST(e.centralOffset == expected);
        BOOST_TEST(bytes.substr(e.centralOffset, record.size()) == record);
        expected += record.size();
    }
    BOOST_TEST(plan.centralDirectorySize() == expected - plan.centralDirectoryOffset());
    BOOST_TEST(bytes.substr(expected) == plan.endRecords());
    BOOST_TEST(plan.size() == expected + plan.endRecords().size());
}

BOOST_AUTO_TEST_CASE(RecordsFollowTheSpec) {
    const ZipPlan plan(package({entry("main", "", kMain + ".jpg", "hello"), entry("sku", "", "b.png", "")}));
    const auto z = parse(materialise(plan));
    BOOST_TEST(!z.zip64End);
    BOOST_TEST(z.count == 2U);
    BOOST_REQUIRE(z.entries.size() == 2U);
    for (std::size_t i = 0; i < 2; ++i) {
        const auto& e = z.entries[i];
        const auto& planned = plan.entries()[i];
        BOOST_TEST(e.name == planned.name);
        BOOST_TEST(e.madeBy == 0x033F);  // Unix, APPNOTE 6.3
        BOOST_TEST(e.needed == 20);
        BOOST_TEST(e.localNeeded == 20);
        BOOST_TEST(e.flags == 0x0800);  // UTF-8, no data descriptor
        BOOST_TEST(e.localFlags == 0x0800);
        BOOST_TEST(e.method == 0);
        BOOST_TEST(e.externalAttributes == 0x81A40000U);  // 0100644 << 16
        BOOST_TEST(e.crc == planned.crc32);
        BOOST_TEST(e.size == planned.size);
        BOOST_TEST(e.compressed == planned.size);
        BOOST_TEST(e.offset == planned.localHeaderOffset);
        BOOST_TEST(e.dataOffset == planned.dataOffset);
        BOOST_TEST(e.extraIds == std::vector<std::uint16_t>{0x7075});
        BOOST_TEST(e.localExtraIds == std::vector<std::uint16_t>{0x7075});
        BOOST_TEST(e.unicodePathVersion == 1);
        BOOST_TEST(e.unicodePathCrc == zipCrc32(e.name));
        BOOST_TEST(e.unicodePathName == e.name);
    }
}

BOOST_AUTO_TEST_CASE(SameInputSameBytes) {
    const std::string a = materialise(ZipPlan(smallPackage()));
    const std::string b = materialise(ZipPlan(smallPackage()));
    BOOST_TEST(a == b);
    BOOST_TEST(ZipPlan(smallPackage()).manifest() == ZipPlan(smallPackage()).manifest());
}

BOOST_AUTO_TEST_CASE(ManifestChangesExactlyWithTheBytes) {
    const ZipPlan base(smallPackage());
    const auto variant = [](auto&& change, ZipLimits limits = {}) {
        PackageInput in = smallPackage();
        change(in);
        return ZipPlan(std::move(in), limits);
    };
    // Same bytes: another blob key for the same content, an mtime within the same two seconds.
    const ZipPlan otherKey = variant([](PackageInput& in) { in.entries[1].blobKey = "elsewhere"; });
    BOOST_TEST(otherKey.manifest() == base.manifest());
    const ZipPlan sameDosTime = variant([](PackageInput& in) { in.entries[1].mtimeMillis -= 999; });
    BOOST_TEST(sameDosTime.manifest() == base.manifest());
    BOOST_TEST(materialise(sameDosTime) == materialise(base));
    // Other bytes: each of these changes the manifest.
    const std::vector<ZipPlan> others = [&] {
        std::vector<ZipPlan> v;
        v.push_back(variant([](PackageInput& in) { in.entries[1].sha256 = "other"; }));
        v.push_back(variant([](PackageInput& in) { in.entries[1].crc32 ^= 1; }));
        v.push_back(variant([](PackageInput& in) { in.entries[1].mtimeMillis += 2000; }));
        v.push_back(variant([](PackageInput& in) { in.entries[1].filename = "two.jpg"; }));
        v.push_back(variant([](PackageInput& in) { in.spuCode = "SPU2"; }));
        v.push_back(variant([](PackageInput& in) { in.previews = true; }));
        v.push_back(variant([](PackageInput& in) { std::swap(in.entries[0], in.entries[1]); }));
        v.push_back(variant([](PackageInput&) {}, ZipLimits{10, 2}));
        return v;
    }();
    for (const auto& other : others) BOOST_TEST(other.manifest() != base.manifest());
    BOOST_TEST(base.manifest().starts_with("mofang-zip/1\n"));
}

BOOST_AUTO_TEST_SUITE_END()

// ---- range mapping -----------------------------------------------------------------------------

namespace {

struct Archive {
    std::string name;
    ZipLimits limits;
};
std::ostream& operator<<(std::ostream& os, const Archive& a) {
    return os << a.name;
}
const std::vector<Archive> kArchives = {
    {"classic", ZipLimits{}}, {"ZIP64 forced", ZipLimits{10, 2}}, {"ZIP64 max32=1", ZipLimits{1, 1}}};

}  // namespace

BOOST_AUTO_TEST_SUITE(ZipPlanRanges)

// Every [b, e) of a small archive, through every header and data boundary, gives the same bytes
// as the whole archive's slice.
BOOST_DATA_TEST_CASE(EveryRangeMatchesTheWholeArchive, bdata::make(kArchives), archive) {
    const ZipPlan plan(smallPackage(), archive.limits);
    const std::string whole = materialise(plan);
    BOOST_REQUIRE(whole.size() == plan.size());
    parse(whole);
    std::size_t mismatches = 0;
    for (std::uint64_t b = 0; b <= whole.size(); ++b)
        for (std::uint64_t e = b; e <= whole.size(); ++e)
            if (materialise(plan, b, e) != whole.substr(b, e - b)) ++mismatches;
    BOOST_TEST(mismatches == 0U);
}

BOOST_AUTO_TEST_CASE(PiecesAreHeadersOrFileSlices) {
    const ZipPlan plan(smallPackage());
    std::vector<std::pair<ZipPiece::Kind, std::uint64_t>> kinds;
    auto cursor = plan.cursor();
    while (auto p = cursor.next()) kinds.emplace_back(p->kind, p->length);
    using K = ZipPiece::Kind;
    // header, (no data), header, 1 byte, header, 5 bytes, the central directory, the end record
    BOOST_REQUIRE(kinds.size() == 7U);
    BOOST_TEST((kinds[0].first == K::Header && kinds[1].first == K::Header));
    BOOST_TEST((kinds[2].first == K::File && kinds[2].second == 1U));
    BOOST_TEST((kinds[3].first == K::Header && kinds[4].first == K::File && kinds[4].second == 5U));
    BOOST_TEST((kinds[5].first == K::Header && kinds[5].second == plan.centralDirectorySize()));
    BOOST_TEST((kinds[6].first == K::Header && kinds[6].second == 22U));
}

BOOST_AUTO_TEST_CASE(FileSliceNamesItsEntryAndOffset) {
    const ZipPlan plan(smallPackage());
    const auto& e = plan.entries()[2];
    auto cursor = plan.cursor(e.dataOffset + 1, e.dataOffset + 4);
    const auto piece = cursor.next();
    BOOST_REQUIRE(piece.has_value());
    BOOST_TEST((piece->kind == ZipPiece::Kind::File));
    BOOST_TEST(piece->entry == 2U);
    BOOST_TEST(piece->blobKey == "hello");
    BOOST_TEST(piece->fileOffset == 1U);
    BOOST_TEST(piece->length == 3U);
    BOOST_TEST(!cursor.next().has_value());
}

BOOST_AUTO_TEST_CASE(RangesAreClamped) {
    const ZipPlan plan(smallPackage());
    BOOST_TEST(materialise(plan, 0, plan.size() + 100) == materialise(plan));
    BOOST_TEST(materialise(plan, plan.size(), plan.size() + 5).empty());
    BOOST_TEST(materialise(plan, plan.size() + 5, plan.size() + 9).empty());
    BOOST_TEST(materialise(plan, 7, 7).empty());
    BOOST_TEST(materialise(plan, 9, 3).empty());
}

BOOST_AUTO_TEST_SUITE_END()

// ---- ZIP64 -------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(ZipPlanZip64)

BOOST_AUTO_TEST_CASE(ForcedByInjectedLimits) {
    // max32 = 10: the 12-byte file and every offset from 10 on need ZIP64; max16 = 2: 3 entries do.
    const ZipPlan plan(package({entry("main", "", "a.jpg", "hello"),
                                entry("main", "", "b.jpg", "hello world!"), entry("main", "", "c.jpg", "")}),
                       ZipLimits{10, 2});
    BOOST_TEST(plan.zip64End());
    const auto z = parse(materialise(plan));
    BOOST_TEST(z.zip64End);
    BOOST_TEST(z.count16 == 0xFFFF);
    BOOST_TEST(z.centralSize32 == 0xFFFFFFFFU);
    BOOST_TEST(z.centralOffset32 == 0xFFFFFFFFU);
    BOOST_TEST(z.count == 3U);
    BOOST_TEST(z.centralOffset == plan.centralDirectoryOffset());
    BOOST_TEST(z.centralSize == plan.centralDirectorySize());
    BOOST_REQUIRE(z.entries.size() == 3U);
    // a: offset 0, 5 bytes: classic.
    BOOST_TEST(z.entries[0].extraIds == std::vector<std::uint16_t>{0x7075});
    BOOST_TEST(z.entries[0].needed == 20);
    BOOST_TEST(!z.entries[0].localZip64);
    // b: 12 bytes at an offset ≥ 10: sizes and offset in ZIP64, in the local header too (sizes).
    BOOST_TEST((z.entries[1].extraIds == std::vector<std::uint16_t>{0x0001, 0x7075}));
    BOOST_TEST((z.entries[1].localExtraIds == std::vector<std::uint16_t>{0x0001, 0x7075}));
    BOOST_TEST(z.entries[1].size32 == 0xFFFFFFFFU);
    BOOST_TEST(z.entries[1].offset32 == 0xFFFFFFFFU);
    BOOST_TEST(z.entries[1].size == 12U);
    BOOST_TEST(z.entries[1].needed == 45);
    BOOST_TEST(z.entries[1].localNeeded == 45);
    BOOST_TEST(z.entries[1].localZip64);
    // c: empty at an offset ≥ 10: only the offset in the central ZIP64 extra.
    BOOST_TEST((z.entries[2].extraIds == std::vector<std::uint16_t>{0x0001, 0x7075}));
    BOOST_TEST(z.entries[2].size32 == 0U);
    BOOST_TEST(z.entries[2].offset32 == 0xFFFFFFFFU);
    BOOST_TEST(z.entries[2].offset == plan.entries()[2].localHeaderOffset);
    BOOST_TEST(z.entries[2].needed == 45);
    BOOST_TEST(z.entries[2].localNeeded == 45);
    BOOST_TEST(!z.entries[2].localZip64);
}

BOOST_AUTO_TEST_CASE(CountAloneNeedsZip64End) {
    const ZipPlan plan(package({entry("main", "", "a.jpg", "x"), entry("main", "", "b.jpg", "y")}),
                       ZipLimits{0xFFFFFFFF, 2});
    const auto z = parse(materialise(plan));
    BOOST_TEST(z.zip64End);
    BOOST_TEST(z.count16 == 0xFFFF);
    BOOST_TEST(z.centralSize32 == plan.centralDirectorySize());  // these still fit
    BOOST_TEST(z.centralOffset32 == plan.centralDirectoryOffset());
    BOOST_TEST(z.entries[1].extraIds == std::vector<std::uint16_t>{0x7075});
}

BOOST_AUTO_TEST_CASE(OneBelowTheLimitsStaysClassic) {
    // 9 < max32 at offset 0: the entry is classic; the central directory's offset is not.
    const ZipPlan plan(package({entry("main", "", "a.jpg", "123456789")}), ZipLimits{10, 2});
    const auto z = parse(materialise(plan));
    BOOST_TEST(z.entries[0].extraIds == std::vector<std::uint16_t>{0x7075});
    BOOST_TEST(z.entries[0].size32 == 9U);
    BOOST_TEST(z.entries[0].needed == 20);
    BOOST_TEST(z.zip64End);
    BOOST_TEST(z.count16 == 1U);
    BOOST_TEST(z.centralOffset32 == 0xFFFFFFFFU);
    BOOST_TEST(z.centralSize32 == 0xFFFFFFFFU);
}

BOOST_AUTO_TEST_CASE(RealFilesOver4GiB) {
    // Nothing is read: only the plan, its headers, and ranges around the big file.
    constexpr std::uint64_t kBig = 5ULL << 30;
    PackageEntryInput big = entry("main", "", "big.jpg");
    big.size = kBig;
    big.crc32 = 0x12345678;
    big.blobKey = "big";
    const ZipPlan plan(
        package({entry("main", "", "a.jpg", "hello"), big, entry("main", "", "c.jpg", "abc")}));
    const auto& es = plan.entries();
    BOOST_TEST(es[2].localHeaderOffset > 0xFFFFFFFFULL);
    BOOST_TEST(plan.zip64End());  // the central directory starts beyond 4 GiB

    // The whole archive without the big file's bytes: everything but [dataOffset, +kBig).
    std::map<std::string, std::string> contents = {{"hello", "hello"}, {"abc", "abc"}, {"", ""}};
    std::string head = materialise(plan, 0, es[1].dataOffset, &contents);
    std::string tail = materialise(plan, es[1].dataOffset + kBig, plan.size(), &contents);
    BOOST_TEST(head.size() == es[1].dataOffset);
    BOOST_TEST(tail.size() == plan.size() - es[1].dataOffset - kBig);

    const std::string local = plan.localHeader(1);
    BOOST_TEST(le(local, 18, 4) == 0xFFFFFFFFU);
    BOOST_TEST(le(local, 22, 4) == 0xFFFFFFFFU);
    BOOST_TEST(le(local, 4, 2) == 45U);
    const std::string central = plan.centralRecord(2);
    BOOST_TEST(le(central, 42, 4) == 0xFFFFFFFFU);
    BOOST_TEST(le(central, 6, 2) == 45U);
    const std::string centralBig = plan.centralRecord(1);
    BOOST_TEST(le(centralBig, 24, 4) == 0xFFFFFFFFU);
    BOOST_TEST(le(centralBig, 42, 4) == es[1].localHeaderOffset);  // still fits

    // A range across the end of the big file: its last bytes, then the next local header.
    auto cursor = plan.cursor(es[1].dataOffset + kBig - 10, es[2].dataOffset + 1);
    const auto p1 = cursor.next();
    const auto p2 = cursor.next();
    const auto p3 = cursor.next();
    BOOST_REQUIRE((p1 && p2 && p3));
    BOOST_TEST((p1->kind == ZipPiece::Kind::File && p1->fileOffset == kBig - 10 && p1->length == 10U));
    BOOST_TEST((p2->kind == ZipPiece::Kind::Header && p2->header == plan.localHeader(2)));
    BOOST_TEST((p3->kind == ZipPiece::Kind::File && p3->entry == 2U && p3->length == 1U));
    BOOST_TEST(!cursor.next().has_value());
}

BOOST_AUTO_TEST_SUITE_END()

// ---- 70,000 entries ----------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(ZipPlanLarge)

BOOST_AUTO_TEST_CASE(SeventyThousandEntries) {
    constexpr std::size_t kCount = 70000;
    const auto started = std::chrono::steady_clock::now();
    std::vector<PackageEntryInput> entries;
    entries.reserve(kCount);
    const char* types[] = {"main", "sku", "detail"};
    for (std::size_t i = 0; i < kCount; ++i) {
        PackageEntryInput e;
        e.moduleType = types[i % 3];
        e.subType = i % 3 == 1 ? "color-" + std::to_string(i % 7) : "";
        e.filename = kTu + std::to_string(i) + ".jpg";
        e.size = 100 + i % 50;
        e.crc32 = static_cast<std::uint32_t>(i * 2654435761U);
        e.sha256 = std::string(64, 'a');
        e.mtimeMillis = kMtime;
        e.blobKey = std::string(64, 'b');
        entries.push_back(std::move(e));
    }
    const ZipPlan plan(package(std::move(entries)));
    BOOST_TEST(plan.entries().size() == kCount);
    BOOST_TEST(plan.zip64End());  // 70,000 ≥ 65,535 entries

    // Walk the whole archive: pieces are contiguous and bounded, headers generated on the way.
    std::string archive;
    archive.reserve(plan.size());
    std::size_t largestHeader = 0;
    std::uint64_t total = 0;
    auto cursor = plan.cursor();
    while (auto p = cursor.next()) {
        BOOST_REQUIRE(p->archiveOffset == total);
        total += p->length;
        if (p->kind == ZipPiece::Kind::Header) {
            largestHeader = std::max(largestHeader, p->header.size());
            archive += p->header;
        } else {
            archive.append(p->length, '\0');
        }
    }
    const auto elapsed = std::chrono::steady_clock::now() - started;
    BOOST_TEST(total == plan.size());
    BOOST_TEST(largestHeader <= 64U * 1024 + 1024);

    const auto z = parse(archive, false);
    BOOST_TEST(z.zip64End);
    BOOST_TEST(z.count16 == 0xFFFF);
    BOOST_TEST(z.count == kCount);
    BOOST_TEST(z.centralSize32 == plan.centralDirectorySize());
    BOOST_REQUIRE(z.entries.size() == kCount);
    for (std::size_t i = 0; i < kCount; i += 997) {
        BOOST_TEST(z.entries[i].name == plan.entries()[i].name);
        BOOST_TEST(z.entries[i].offset == plan.entries()[i].localHeaderOffset);
        BOOST_TEST(z.entries[i].crc == plan.entries()[i].crc32);
    }
    // 69,999 is the 23,334th main image.
    BOOST_TEST(plan.entries().back().name == "SPU1/" + kMain + "/23334-" + kTu + "69999.jpg");

    // A range in the middle of the central directory seeks straight there.
    const auto& mid = plan.entries()[kCount / 2];
    const std::string record = plan.centralRecord(kCount / 2);
    BOOST_TEST(materialise(plan, mid.centralOffset, mid.centralOffset + record.size()) == record);

    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
    BOOST_TEST_MESSAGE("70,000 entries: planned and walked in " << ms << " ms, " << plan.size() << " bytes");
    BOOST_TEST(ms < 5000);  // ~0.4 s in a release build, ~2 s with sanitizers: generous for loaded machines
}

BOOST_AUTO_TEST_SUITE_END()
