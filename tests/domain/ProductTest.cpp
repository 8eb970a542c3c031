#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "Support.hpp"
#include "domain/Errors.hpp"
#include "domain/Paging.hpp"
#include "domain/Product.hpp"
#include "domain/Text.hpp"

namespace mofang::domain {
inline std::ostream& operator<<(std::ostream& os, ProductSort sort) {
    return os << (sort == ProductSort::NameAsc ? "NameAsc" : "CreatedDesc");
}
}  // namespace mofang::domain

namespace bdata = boost::unit_test::data;
using namespace mofang::domain;
using mofang::test::escaped;
using mofang::test::fieldsOf;
using mofang::test::thrownBy;

namespace {

using Strings = std::vector<std::string>;

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();

std::string repeat(std::string_view s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

// "v0", "v1", ... "v{n-1}": n distinct valid tags.
Strings tags(int n) {
    Strings out;
    for (int i = 0; i < n; ++i) out.push_back("v" + std::to_string(i));
    return out;
}

const std::string kZhong = "\xE4\xB8\xAD";      // 中 (3 bytes)
const std::string kEmoji = "\xF0\x9F\x98\x80";  // 😀 (4 bytes)

// Checks that `e` is a 422 naming exactly `fields`, in order, each with a message.
void checkValidation(const DomainError& e, const Strings& fields) {
    BOOST_TEST(e.kind() == ErrorKind::Validation);
    BOOST_TEST(e.code() == "validation_failed");
    BOOST_TEST(fieldsOf(e) == fields, boost::test_tools::per_element());
    for (const auto& d : e.details()) BOOST_TEST(!d.message.empty(), d.field);
    if (!fields.empty()) BOOST_TEST(std::string(e.what()).rfind(fields.front() + ": ", 0) == 0u, e.what());
}

void checkBadCursor(const DomainError& e) {
    BOOST_TEST(e.kind() == ErrorKind::BadRequest);
    BOOST_TEST(e.code() == "bad_request");
    BOOST_TEST(fieldsOf(e) == Strings{"cursor"}, boost::test_tools::per_element());
}

ProductInput validInput() {
    ProductInput in;
    in.name = "Summer Dress";
    in.spuCode = "SPU-001";
    in.gender = "female";
    in.ageRange = "adult";
    in.scenarios = Strings{"daily", "beach"};
    in.styles = Strings{"casual"};
    return in;
}

template <class F>
ProductInput changed(F&& change) {
    ProductInput in = validInput();
    change(in);
    return in;
}

// ---- create: required fields and several broken fields at once

struct CreateCase {
    std::string name;
    ProductInput input;
    Strings fields;  // expected, in order
};
std::ostream& operator<<(std::ostream& os, const CreateCase& c) {
    return os << c.name;
}

const std::vector<CreateCase> kCreateFailures = {
    {"name missing", changed([](ProductInput& in) { in.name.reset(); }), {"name"}},
    {"spuCode missing", changed([](ProductInput& in) { in.spuCode.reset(); }), {"spuCode"}},
    {"gender missing", changed([](ProductInput& in) { in.gender.reset(); }), {"gender"}},
    {"ageRange missing", changed([](ProductInput& in) { in.ageRange.reset(); }), {"ageRange"}},
    {"scenarios missing", changed([](ProductInput& in) { in.scenarios.reset(); }), {"scenarios"}},
    {"styles missing", changed([](ProductInput& in) { in.styles.reset(); }), {"styles"}},
    {"everything missing", ProductInput{}, {"name", "spuCode", "gender", "ageRange", "scenarios", "styles"}},
    {"every field broken",
     changed([](ProductInput& in) {
         in.name = " x ";
         in.spuCode = "-bad";
         in.gender = "Female";
         in.ageRange = "baby";
         in.scenarios = Strings{"", "daily", "daily"};
         in.styles = Strings{};
         in.threeDDesigner = std::string(65, 'd');
         in.graphicDesigner = std::string(65, 'g');
     }),
     {"name", "spuCode", "gender", "ageRange", "scenarios[0]", "scenarios[2]", "styles",
      "designers.threeDDesigner", "designers.graphicDesigner"}},
    {"missing and broken together",
     changed([](ProductInput& in) {
         in.name.reset();
         in.spuCode = "a";
         in.styles.reset();
     }),
     {"name", "spuCode", "styles"}},
};

// ---- name: trimmed, then 2–100 code points

struct NameCase {
    std::string label;
    std::string raw;
    std::optional<std::string> stored;  // nullopt: invalid
};
std::ostream& operator<<(std::ostream& os, const NameCase& c) {
    return os << c.label << " '" << escaped(c.raw) << "'";
}

const std::vector<NameCase> kNames = {
    {"2 characters", "ab", "ab"},
    {"100 characters", std::string(100, 'n'), std::string(100, 'n')},
    {"100 Chinese characters (300 bytes)", repeat(kZhong, 100), repeat(kZhong, 100)},
    {"2 Chinese characters (6 bytes)", repeat(kZhong, 2), repeat(kZhong, 2)},
    {"100 emoji (400 bytes)", repeat(kEmoji, 100), repeat(kEmoji, 100)},
    {"trimmed", "  ab  ", "ab"},
    {"trimmed tabs and newlines", "\t\nab \r\n", "ab"},
    {"inner spaces kept", " a  b ", "a  b"},
    {"100 after trimming", "   " + std::string(100, 'n') + "   ", std::string(100, 'n')},
    {"1 character", "a", std::nullopt},
    {"1 Chinese character (3 bytes)", kZhong, std::nullopt},
    {"1 after trimming", "  a  ", std::nullopt},
    {"101 characters", std::string(101, 'n'), std::nullopt},
    {"101 Chinese characters", repeat(kZhong, 101), std::nullopt},
    {"empty", "", std::nullopt},
    {"blank", "    ", std::nullopt},
    {"invalid UTF-8", "ab\xFF\xFE", std::nullopt},
    {"truncated sequence", "ab\xE4\xB8", std::nullopt},
};

// ---- spuCode: ^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$

struct SpuCase {
    std::string input;
    bool valid;
};
std::ostream& operator<<(std::ostream& os, const SpuCase& c) {
    return os << "'" << escaped(c.input) << "' -> " << (c.valid ? "valid" : "invalid");
}

const std::vector<SpuCase> kSpuCodes = {
    {"A1", true},
    {"a.b-c_d", true},
    {"SPU-2026.001_x", true},
    {"0-", true},
    {"Z" + std::string(63, '9'), true},  // 64
    {"a" + std::string(63, '.'), true},
    {"-a", false},
    {".a", false},
    {"_a", false},
    {"a", false},
    {"1", false},
    {"Z" + std::string(64, '9'), false},  // 65
    {"a b", false},
    {" ab", false},
    {"ab ", false},
    {"a/b", false},
    {"a+b", false},
    {"a#b", false},
    {"\xE4\xB8\xAD\xE6\x96\x87", false},  // 中文
    {"ab\xC3\xA9", false},                // abé
    {"", false},
    {"ab\n", false},
    {std::string("ab\0c", 4), false},
};

// ---- gender / ageRange enums

struct EnumCase {
    std::string input;
    bool valid;
};
std::ostream& operator<<(std::ostream& os, const EnumCase& c) {
    return os << "'" << escaped(c.input) << "' -> " << (c.valid ? "valid" : "invalid");
}

const std::vector<EnumCase> kGenders = {
    {"male", true},   {"female", true}, {"unisex", true}, {"Male", false},  {"FEMALE", false},
    {"other", false}, {"", false},      {" male", false}, {"male ", false}, {"kids", false},
};

const std::vector<EnumCase> kAgeRanges = {
    {"adult", true},  {"youth", true}, {"kids", true},    {"Adult", false}, {"kid", false},
    {"child", false}, {"", false},     {"adult ", false}, {"male", false},  {"25-30", false},
};

// ---- scenarios / styles: 1–20 distinct non-empty strings of ≤ 32 characters

struct TagCase {
    std::string name;
    Strings values;
    Strings fieldSuffixes;  // "" is the field itself, "[i]" one value; empty: valid
    Strings stored;         // when valid
};
std::ostream& operator<<(std::ostream& os, const TagCase& c) {
    return os << c.name;
}

Strings withAt(Strings values, std::size_t i, std::string v) {
    values[i] = std::move(v);
    return values;
}

const std::vector<TagCase> kTags = {
    {"one value", {"daily"}, {}, {"daily"}},
    {"20 values", tags(20), {}, tags(20)},
    {"values trimmed", {"  daily ", "\tbeach\n"}, {}, {"daily", "beach"}},
    {"32 characters", {std::string(32, 't')}, {}, {std::string(32, 't')}},
    {"32 Chinese characters (96 bytes)", {repeat(kZhong, 32)}, {}, {repeat(kZhong, 32)}},
    {"32 after trimming", {" " + std::string(32, 't') + " "}, {}, {std::string(32, 't')}},
    {"case differs: distinct", {"Daily", "daily"}, {}, {"Daily", "daily"}},
    {"empty array", {}, {""}, {}},
    {"21 values", tags(21), {""}, {}},
    {"21 values, one of them empty", withAt(tags(21), 3, ""), {"", "[3]"}, {}},
    {"an empty string", {"daily", ""}, {"[1]"}, {}},
    {"a blank string", {"daily", "   "}, {"[1]"}, {}},
    {"33 characters", {std::string(33, 't')}, {"[0]"}, {}},
    {"33 Chinese characters", {repeat(kZhong, 33)}, {"[0]"}, {}},
    {"duplicate", {"a", "b", "a"}, {"[2]"}, {}},
    {"duplicate after trimming", {"daily", " daily "}, {"[1]"}, {}},
    {"three times the same", {"x", "x", "x"}, {"[1]", "[2]"}, {}},
    {"control character", {"da\x01ily"}, {"[0]"}, {}},
    {"tab inside", {"da\tily"}, {"[0]"}, {}},
    {"newline inside", {"ok", "a\nb"}, {"[1]"}, {}},
    {"NUL inside", {std::string("a\0b", 3)}, {"[0]"}, {}},
    {"invalid UTF-8", {"ok", "\xC3"}, {"[1]"}, {}},
    {"several broken values", {"", std::string(33, 't'), "ok", "ok"}, {"[0]", "[1]", "[3]"}, {}},
};
const Strings kTagFields = {"scenarios", "styles"};

// ---- designers: trimmed, ≤ 64 characters, optional

struct DesignerCase {
    std::string label;
    std::string raw;
    std::optional<std::string> stored;  // nullopt: invalid
};
std::ostream& operator<<(std::ostream& os, const DesignerCase& c) {
    return os << c.label;
}

const std::vector<DesignerCase> kDesigners = {
    {"empty", "", ""},
    {"name", "Zhang San", "Zhang San"},
    {"trimmed", "  Zhang San  ", "Zhang San"},
    {"64 characters", std::string(64, 'd'), std::string(64, 'd')},
    {"64 Chinese characters", repeat(kZhong, 64), repeat(kZhong, 64)},
    {"65 characters", std::string(65, 'd'), std::nullopt},
    {"65 Chinese characters", repeat(kZhong, 65), std::nullopt},
    {"invalid UTF-8", "Zhang\xFF", std::nullopt},
};
const Strings kDesignerFields = {"threeDDesigner", "graphicDesigner"};

// ---- patch (base given)

Product baseProduct() {
    Product p;
    p.id = 7;
    p.name = "Base Name";
    p.spuCode = "BASE-1";
    p.gender = "male";
    p.ageRange = "youth";
    p.scenarios = {"school"};
    p.styles = {"sport", "street"};
    p.threeDDesigner = "Li";
    p.graphicDesigner = "Wang";
    p.createdBy = 3;
    p.createdAt = 1795325050123;
    p.updatedAt = 1795325060123;
    return p;
}

struct PatchCase {
    std::string name;
    ProductInput patch;
    Product expected;  // base with the patch applied, when valid
    Strings fields;    // empty: valid
};
std::ostream& operator<<(std::ostream& os, const PatchCase& c) {
    return os << c.name;
}

template <class F>
ProductInput patchOf(F&& change) {
    ProductInput in;
    change(in);
    return in;
}
template <class F>
Product baseWith(F&& change) {
    Product p = baseProduct();
    change(p);
    return p;
}

const std::vector<PatchCase> kPatches = {
    {"empty patch", ProductInput{}, baseProduct(), {}},
    {"name only, trimmed",
     patchOf([](ProductInput& in) { in.name = "  New Name "; }),
     baseWith([](Product& p) { p.name = "New Name"; }),
     {}},
    {"spuCode only",
     patchOf([](ProductInput& in) { in.spuCode = "base-2"; }),
     baseWith([](Product& p) { p.spuCode = "base-2"; }),
     {}},
    {"gender only",
     patchOf([](ProductInput& in) { in.gender = "unisex"; }),
     baseWith([](Product& p) { p.gender = "unisex"; }),
     {}},
    {"ageRange only",
     patchOf([](ProductInput& in) { in.ageRange = "kids"; }),
     baseWith([](Product& p) { p.ageRange = "kids"; }),
     {}},
    {"scenarios replaced",
     patchOf([](ProductInput& in) {
         in.scenarios = Strings{" party ", "daily"};
     }),
     baseWith([](Product& p) {
         p.scenarios = {"party", "daily"};
     }),
     {}},
    {"styles replaced",
     patchOf([](ProductInput& in) { in.styles = Strings{"formal"}; }),
     baseWith([](Product& p) { p.styles = {"formal"}; }),
     {}},
    {"threeDDesigner only",
     patchOf([](ProductInput& in) { in.threeDDesigner = " Zhao "; }),
     baseWith([](Product& p) { p.threeDDesigner = "Zhao"; }),
     {}},
    {"graphicDesigner cleared",
     patchOf([](ProductInput& in) { in.graphicDesigner = ""; }),
     baseWith([](Product& p) { p.graphicDesigner = ""; }),
     {}},
    {"invalid name", patchOf([](ProductInput& in) { in.name = "x"; }), baseProduct(), {"name"}},
    {"blank name", patchOf([](ProductInput& in) { in.name = "   "; }), baseProduct(), {"name"}},
    {"invalid spuCode", patchOf([](ProductInput& in) { in.spuCode = "-x"; }), baseProduct(), {"spuCode"}},
    {"empty spuCode", patchOf([](ProductInput& in) { in.spuCode = ""; }), baseProduct(), {"spuCode"}},
    {"unknown gender", patchOf([](ProductInput& in) { in.gender = "other"; }), baseProduct(), {"gender"}},
    {"unknown ageRange",
     patchOf([](ProductInput& in) { in.ageRange = "senior"; }),
     baseProduct(),
     {"ageRange"}},
    {"empty scenarios",
     patchOf([](ProductInput& in) { in.scenarios = Strings{}; }),
     baseProduct(),
     {"scenarios"}},
    {"duplicate style",
     patchOf([](ProductInput& in) {
         in.styles = Strings{"a", "a"};
     }),
     baseProduct(),
     {"styles[1]"}},
    {"long designer",
     patchOf([](ProductInput& in) { in.threeDDesigner = std::string(65, 'd'); }),
     baseProduct(),
     {"designers.threeDDesigner"}},
    {"valid and invalid fields together",
     patchOf([](ProductInput& in) {
         in.name = "Fine Name";
         in.gender = "x";
         in.styles = tags(21);
     }),
     baseProduct(),
     {"gender", "styles"}},
};

// ---- modules

MaterialModule baseModule() {
    MaterialModule m;
    m.id = 11;
    m.productId = 7;
    m.type = "detail";
    m.subType = "front";
    m.order = 5;
    m.createdAt = 1795325050123;
    m.updatedAt = 1795325050123;
    return m;
}

struct ModuleCase {
    std::string name;
    ModuleInput input;
    std::optional<MaterialModule> base;
    Strings fields;  // empty: valid
    std::string type;
    std::string subType;
    int order = 0;
};
std::ostream& operator<<(std::ostream& os, const ModuleCase& c) {
    return os << c.name;
}

ModuleInput moduleInput(std::optional<std::string> type, std::optional<std::string> subType = std::nullopt,
                        std::optional<std::int64_t> order = std::nullopt) {
    return ModuleInput{std::move(type), std::move(subType), order};
}

const std::vector<ModuleCase> kModules = {
    // create
    {"main, defaults", moduleInput("main"), std::nullopt, {}, "main", "", 0},
    {"sku", moduleInput("sku", "red", 3), std::nullopt, {}, "sku", "red", 3},
    {"detail", moduleInput("detail"), std::nullopt, {}, "detail", "", 0},
    {"type missing", moduleInput(std::nullopt, "red", 1), std::nullopt, {"type"}, "", "", 0},
    {"type in capitals", moduleInput("Main"), std::nullopt, {"type"}, "", "", 0},
    {"unknown type", moduleInput("cover"), std::nullopt, {"type"}, "", "", 0},
    {"empty type", moduleInput(""), std::nullopt, {"type"}, "", "", 0},
    {"type with a space", moduleInput(" main"), std::nullopt, {"type"}, "", "", 0},
    {"subType trimmed", moduleInput("sku", "  red  "), std::nullopt, {}, "sku", "red", 0},
    {"blank subType is none", moduleInput("sku", "   "), std::nullopt, {}, "sku", "", 0},
    {"subType 64 characters",
     moduleInput("sku", std::string(64, 's')),
     std::nullopt,
     {},
     "sku",
     std::string(64, 's'),
     0},
    {"subType 64 Chinese characters",
     moduleInput("sku", repeat(kZhong, 64)),
     std::nullopt,
     {},
     "sku",
     repeat(kZhong, 64),
     0},
    {"subType 65 characters", moduleInput("sku", std::string(65, 's')), std::nullopt, {"subType"}, "", "", 0},
    {"subType 65 Chinese characters",
     moduleInput("sku", repeat(kZhong, 65)),
     std::nullopt,
     {"subType"},
     "",
     "",
     0},
    {"subType invalid UTF-8", moduleInput("sku", "r\xFF"), std::nullopt, {"subType"}, "", "", 0},
    {"order 0", moduleInput("main", std::nullopt, 0), std::nullopt, {}, "main", "", 0},
    {"order 1000000", moduleInput("main", std::nullopt, 1000000), std::nullopt, {}, "main", "", 1000000},
    {"order -1", moduleInput("main", std::nullopt, -1), std::nullopt, {"order"}, "", "", 0},
    {"order 1000001", moduleInput("main", std::nullopt, 1000001), std::nullopt, {"order"}, "", "", 0},
    {"order 2^31", moduleInput("main", std::nullopt, 2147483648LL), std::nullopt, {"order"}, "", "", 0},
    {"order INT64_MAX", moduleInput("main", std::nullopt, kInt64Max), std::nullopt, {"order"}, "", "", 0},
    {"order INT64_MIN", moduleInput("main", std::nullopt, kInt64Min), std::nullopt, {"order"}, "", "", 0},
    {"every field broken",
     moduleInput("x", std::string(65, 's'), -5),
     std::nullopt,
     {"type", "subType", "order"},
     "",
     "",
     0},
    // patch (base detail/front/5)
    {"patch: empty", moduleInput(std::nullopt), baseModule(), {}, "detail", "front", 5},
    {"patch: order only", moduleInput(std::nullopt, std::nullopt, 9), baseModule(), {}, "detail", "front", 9},
    {"patch: type only", moduleInput("sku"), baseModule(), {}, "sku", "front", 5},
    {"patch: subType cleared", moduleInput(std::nullopt, ""), baseModule(), {}, "detail", "", 5},
    {"patch: subType trimmed", moduleInput(std::nullopt, " back "), baseModule(), {}, "detail", "back", 5},
    {"patch: unknown type", moduleInput("hero"), baseModule(), {"type"}, "", "", 0},
    {"patch: order too big",
     moduleInput(std::nullopt, std::nullopt, 1000001),
     baseModule(),
     {"order"},
     "",
     "",
     0},
};

// ---- cursors

struct CursorCase {
    std::string name;
    ProductCursor cursor;
};
std::ostream& operator<<(std::ostream& os, const CursorCase& c) {
    return os << c.name;
}

ProductCursor createdCursor(Millis createdAt, ProductId id) {
    return ProductCursor{ProductSort::CreatedDesc, createdAt, "", id};
}
ProductCursor nameCursor(std::string name, ProductId id) {
    return ProductCursor{ProductSort::NameAsc, 0, std::move(name), id};
}

const std::vector<CursorCase> kCursors = {
    {"created: typical", createdCursor(1795325050123, 42)},
    {"created: epoch", createdCursor(0, 1)},
    {"created: before the epoch", createdCursor(-86400000, 5)},
    {"created: largest id", createdCursor(1795325050123, kInt64Max)},
    {"created: extreme times", createdCursor(kInt64Min, kInt64Max)},
    {"name: plain", nameCursor("Summer Dress", 42)},
    {"name: with a bar", nameCursor("a|b", 7)},
    {"name: bars only", nameCursor("||", 8)},
    {"name: bar first and last", nameCursor("|x|", 9)},
    {"name: looks like a cursor", nameCursor("pc|1|2", 10)},
    {"name: Chinese",
     nameCursor("\xE5\xA4\x8F\xE6\x97\xA5\xE8\xBF\x9E\xE8\xA1\xA3\xE8\xA3\x99", 11)},  // 夏日连衣裙
    {"name: Chinese with a bar", nameCursor(kZhong + "|" + kZhong, 12)},
    {"name: 100 Chinese characters, largest id", nameCursor(repeat(kZhong, 100), kInt64Max)},
    {"name: spaces and quotes", nameCursor("  \"quoted\" name ", 13)},
};

struct GarbageCase {
    std::string name;
    std::string text;
};
std::ostream& operator<<(std::ostream& os, const GarbageCase& c) {
    return os << c.name;
}

std::string b64(std::string_view plain) {
    return text::base64UrlEncode(plain);
}

const std::vector<GarbageCase> kGarbage = {
    {"empty", ""},
    {"not base64", "!!!"},
    {"base64 with padding", b64("pc|1|2") + "=="},
    {"not base64url (+ and /)", "cGN8MTcw+/"},
    {"impossible length", "abcde"},
    {"plain text", b64("hello")},
    {"tag only", b64("pc")},
    {"tag and bar only", b64("pc|")},
    {"created: one part", b64("pc|123")},
    {"created: time not a number", b64("pc|abc|1")},
    {"created: id not a number", b64("pc|1|x")},
    {"created: id 0", b64("pc|1|0")},
    {"created: negative id", b64("pc|1|-3")},
    {"created: three parts", b64("pc|1|2|3")},
    {"created: empty parts", b64("pc||")},
    {"created: plus sign", b64("pc|+1|2")},
    {"created: time overflows", b64("pc|99999999999999999999|2")},
    {"name: id not a number", b64("pn|x|name")},
    {"name: id 0", b64("pn|0|name")},
    {"name: no bar", b64("pn|42")},
    {"name: invalid UTF-8", b64("pn|1|\xFF")},
    {"unknown tag", b64("px|1|2")},
    {"tag in capitals", b64("PC|1|2")},
    {"another list's id cursor", encodeIdCursor("u", 5)},
    {"longer than 512", std::string(600, 'A')},
};

// ---- filters

struct FilterCase {
    std::string name;
    ProductFilter filter;
    Strings fields;  // empty: valid
};
std::ostream& operator<<(std::ostream& os, const FilterCase& c) {
    return os << c.name;
}

template <class F>
ProductFilter filterOf(F&& change) {
    ProductFilter f;
    change(f);
    return f;
}

const std::vector<FilterCase> kFilters = {
    {"no filter", ProductFilter{}, {}},
    {"every gender", filterOf([](ProductFilter& f) { f.gender = "unisex"; }), {}},
    {"every ageRange", filterOf([](ProductFilter& f) { f.ageRange = "kids"; }), {}},
    {"20 styles and scenarios",
     filterOf([](ProductFilter& f) {
         f.styles = tags(20);
         f.scenarios = tags(20);
     }),
     {}},
    {"designer and q",
     filterOf([](ProductFilter& f) {
         f.designer = "Zhang";
         f.q = "50%_off'";
     }),
     {}},
    {"q 100 characters", filterOf([](ProductFilter& f) { f.q = repeat(kZhong, 100); }), {}},
    {"unknown gender", filterOf([](ProductFilter& f) { f.gender = "other"; }), {"gender"}},
    {"gender in capitals", filterOf([](ProductFilter& f) { f.gender = "Male"; }), {"gender"}},
    {"empty gender", filterOf([](ProductFilter& f) { f.gender = ""; }), {"gender"}},
    {"unknown ageRange", filterOf([](ProductFilter& f) { f.ageRange = "baby"; }), {"ageRange"}},
    {"21 styles", filterOf([](ProductFilter& f) { f.styles = tags(21); }), {"style"}},
    {"21 scenarios", filterOf([](ProductFilter& f) { f.scenarios = tags(21); }), {"scenario"}},
    {"q 101 characters", filterOf([](ProductFilter& f) { f.q = std::string(101, 'q'); }), {"q"}},
    {"everything broken",
     filterOf([](ProductFilter& f) {
         f.gender = "x";
         f.ageRange = "y";
         f.scenarios = tags(21);
         f.styles = tags(25);
         f.q = std::string(200, 'q');
     }),
     {"gender", "ageRange", "scenario", "style", "q"}},
};

// ---- JSON samples

Product sampleProduct() {
    Product p;
    p.id = 42;
    p.name = "Summer \"Breeze\" \xE5\xA4\x8F";  // Summer "Breeze" 夏
    p.spuCode = "SPU-001";
    p.gender = "female";
    p.ageRange = "adult";
    p.scenarios = {"daily", "beach"};
    p.styles = {"casual"};
    p.threeDDesigner = "Zhang San";
    p.graphicDesigner = "";
    p.createdBy = 3;
    p.createdAt = 1795325050123;  // 2026-11-22T05:24:10.123Z
    p.updatedAt = 1795325060123;  // 2026-11-22T05:24:20.123Z
    return p;
}

const std::string kSampleProductJson =
    R"({"id":"42","name":"Summer \"Breeze\" )"
    "\xE5\xA4\x8F"
    R"(","spuCode":"SPU-001","gender":"female","ageRange":"adult",)"
    R"("scenarios":["daily","beach"],"styles":["casual"],)"
    R"("designers":{"threeDDesigner":"Zhang San","graphicDesigner":""},)"
    R"("createdAt":"2026-11-22T05:24:10.123Z","updatedAt":"2026-11-22T05:24:20.123Z","createdBy":"3"})";

MaterialModule sampleModule() {
    MaterialModule m;
    m.id = 5;
    m.productId = 42;
    m.type = "sku";
    m.subType = "red";
    m.order = 2;
    m.createdAt = 0;
    m.updatedAt = 1795325050123;
    return m;
}

const std::string kSampleModuleJson =
    R"({"id":"5","productId":"42","type":"sku","subType":"red","order":2,)"
    R"("createdAt":"1970-01-01T00:00:00.000Z","updatedAt":"2026-11-22T05:24:10.123Z","materials":[]})";

// ---- cache keys (productFilterKey / productQueryKey)

struct FilterKeyCase {
    std::string name;
    ProductFilter a, b;
    bool same;  // equal keys expected; otherwise different ones
};
std::ostream& operator<<(std::ostream& os, const FilterKeyCase& c) {
    return os << c.name << (c.same ? " (same key)" : " (different keys)");
}

const std::vector<FilterKeyCase> kFilterKeys = {
    {"no filter", ProductFilter{}, ProductFilter{}, true},
    {"style values reordered", filterOf([](ProductFilter& f) {
         f.styles = {"casual", "street"};
     }),
     filterOf([](ProductFilter& f) {
         f.styles = {"street", "casual"};
     }),
     true},
    {"style values repeated", filterOf([](ProductFilter& f) {
         f.styles = {"casual", "casual", "street"};
     }),
     filterOf([](ProductFilter& f) {
         f.styles = {"street", "casual", "street"};
     }),
     true},
    {"scenario values reordered and repeated", filterOf([](ProductFilter& f) {
         f.scenarios = {kZhong, "beach", kEmoji, "beach"};
     }),
     filterOf([](ProductFilter& f) {
         f.scenarios = {kEmoji, kZhong, "beach"};
     }),
     true},
    {"every field, equal", filterOf([](ProductFilter& f) {
         f.gender = "female";
         f.ageRange = "adult";
         f.scenarios = {"daily"};
         f.styles = {"casual"};
         f.designer = "Zhang San";
         f.q = "dress";
     }),
     filterOf([](ProductFilter& f) {
         f.q = "dress";
         f.designer = "Zhang San";
         f.styles = {"casual"};
         f.scenarios = {"daily"};
         f.ageRange = "adult";
         f.gender = "female";
     }),
     true},

    {"gender vs ageRange with one value", filterOf([](ProductFilter& f) { f.gender = "adult"; }),
     filterOf([](ProductFilter& f) { f.ageRange = "adult"; }), false},
    {"designer vs q with one value", filterOf([](ProductFilter& f) { f.designer = "Ann"; }),
     filterOf([](ProductFilter& f) { f.q = "Ann"; }), false},
    {"scenario vs style with one value", filterOf([](ProductFilter& f) { f.scenarios = {"x"}; }),
     filterOf([](ProductFilter& f) { f.styles = {"x"}; }), false},
    {"gender differs", filterOf([](ProductFilter& f) { f.gender = "male"; }),
     filterOf([](ProductFilter& f) { f.gender = "female"; }), false},
    {"gender absent vs given", ProductFilter{}, filterOf([](ProductFilter& f) { f.gender = "male"; }), false},
    {"ageRange differs", filterOf([](ProductFilter& f) { f.ageRange = "kids"; }),
     filterOf([](ProductFilter& f) { f.ageRange = "youth"; }), false},
    {"designer differs in case", filterOf([](ProductFilter& f) { f.designer = "Ann"; }),
     filterOf([](ProductFilter& f) { f.designer = "ann"; }), false},
    {"q differs", filterOf([](ProductFilter& f) { f.q = "dress"; }),
     filterOf([](ProductFilter& f) { f.q = "dresses"; }), false},
    {"one style more", filterOf([](ProductFilter& f) { f.styles = {"a"}; }), filterOf([](ProductFilter& f) {
         f.styles = {"a", "b"};
     }),
     false},
    {"style values split differently", filterOf([](ProductFilter& f) { f.styles = {"ab"}; }),
     filterOf([](ProductFilter& f) {
         f.styles = {"a", "b"};
     }),
     false},
    {"a style value with a comma vs two values", filterOf([](ProductFilter& f) { f.styles = {"a,b"}; }),
     filterOf([](ProductFilter& f) {
         f.styles = {"a", "b"};
     }),
     false},
    {"no style vs the empty style", ProductFilter{}, filterOf([](ProductFilter& f) { f.styles = {""}; }),
     false},
    // Values that spell the key's own separators: a key without length prefixes (or counts)
    // would be the same for both sides.
    {"designer|q boundary moved", filterOf([](ProductFilter& f) {
         f.designer = "ab";
         f.q = "c";
     }),
     filterOf([](ProductFilter& f) {
         f.designer = "a";
         f.q = "bc";
     }),
     false},
    {"a value that looks like a length prefix", filterOf([](ProductFilter& f) { f.designer = "1:a"; }),
     filterOf([](ProductFilter& f) {
         f.designer = "";
         f.q = "a";
     }),
     false},
    {"'1:a' in q vs 'a' in designer and q absent", filterOf([](ProductFilter& f) { f.q = "1:a"; }),
     filterOf([](ProductFilter& f) { f.designer = "a"; }), false},
    {"'-' vs absent", filterOf([](ProductFilter& f) { f.designer = "-"; }), ProductFilter{}, false},
    {"'-' in gender vs ageRange absent", filterOf([](ProductFilter& f) { f.gender = "-"; }),
     filterOf([](ProductFilter& f) { f.ageRange = "-"; }), false},
    {"style values that spell a count", filterOf([](ProductFilter& f) { f.styles = {"1[1:a"}; }),
     filterOf([](ProductFilter& f) {
         f.styles = {"1[", "1:a"};
     }),
     false},
    {"scenario list spills into styles", filterOf([](ProductFilter& f) {
         f.scenarios = {"a", "b"};
         f.styles = {};
     }),
     filterOf([](ProductFilter& f) {
         f.scenarios = {"a"};
         f.styles = {"b"};
     }),
     false},
    {"multibyte values of equal byte length", filterOf([](ProductFilter& f) { f.q = kZhong + "a"; }),
     filterOf([](ProductFilter& f) { f.q = "a" + kZhong; }), false},
};

ProductQuery queryOf(const std::function<void(ProductQuery&)>& change) {
    ProductQuery q;
    q.filter.gender = "female";
    change(q);
    return q;
}

struct QueryKeyCase {
    std::string name;
    ProductQuery a, b;
    bool same;
};
std::ostream& operator<<(std::ostream& os, const QueryKeyCase& c) {
    return os << c.name << (c.same ? " (same key)" : " (different keys)");
}

const std::vector<QueryKeyCase> kQueryKeys = {
    {"defaults", ProductQuery{}, ProductQuery{}, true},
    {"equal cursors", queryOf([](ProductQuery& q) { q.after = createdCursor(1795325050123, 42); }),
     queryOf([](ProductQuery& q) { q.after = createdCursor(1795325050123, 42); }), true},
    {"style values reordered and repeated", queryOf([](ProductQuery& q) {
         q.filter.styles = {"b", "a", "b"};
     }),
     queryOf([](ProductQuery& q) {
         q.filter.styles = {"a", "b"};
     }),
     true},
    // The name cursor carries no time: two cursors of one position are one page.
    {"name cursors of one position", queryOf([](ProductQuery& q) {
         q.sort = ProductSort::NameAsc;
         q.after = ProductCursor{ProductSort::NameAsc, 1, "x", 2};
     }),
     queryOf([](ProductQuery& q) {
         q.sort = ProductSort::NameAsc;
         q.after = ProductCursor{ProductSort::NameAsc, 9, "x", 2};
     }),
     true},

    {"sort", queryOf([](ProductQuery& q) { q.sort = ProductSort::CreatedDesc; }),
     queryOf([](ProductQuery& q) { q.sort = ProductSort::NameAsc; }), false},
    {"limit 21 vs 22", queryOf([](ProductQuery& q) { q.limit = 21; }),
     queryOf([](ProductQuery& q) { q.limit = 22; }), false},
    {"limit 2 vs 21", queryOf([](ProductQuery& q) { q.limit = 2; }),
     queryOf([](ProductQuery& q) { q.limit = 21; }), false},
    {"limit 1 vs 11 with one cursor", queryOf([](ProductQuery& q) {
         q.limit = 1;
         q.after = createdCursor(5, 1);
     }),
     queryOf([](ProductQuery& q) {
         q.limit = 11;
         q.after = createdCursor(5, 1);
     }),
     false},
    {"cursor absent vs present", ProductQuery{}, queryOf([](ProductQuery& q) {
         q.filter = {};
         q.after = createdCursor(1795325050123, 42);
     }),
     false},
    {"cursors at another id", queryOf([](ProductQuery& q) { q.after = createdCursor(1795325050123, 42); }),
     queryOf([](ProductQuery& q) { q.after = createdCursor(1795325050123, 43); }), false},
    {"cursors at another time", queryOf([](ProductQuery& q) { q.after = createdCursor(1, 42); }),
     queryOf([](ProductQuery& q) { q.after = createdCursor(2, 42); }), false},
    {"name cursors at another name", queryOf([](ProductQuery& q) {
         q.sort = ProductSort::NameAsc;
         q.after = nameCursor("a", 2);
     }),
     queryOf([](ProductQuery& q) {
         q.sort = ProductSort::NameAsc;
         q.after = nameCursor("b", 2);
     }),
     false},
    {"filter differs, the rest equal", queryOf([](ProductQuery& q) { q.filter.designer = "Ann"; }),
     queryOf([](ProductQuery& q) { q.filter.q = "Ann"; }), false},
    {"q ending in what looks like the sort part", queryOf([](ProductQuery& q) { q.filter.q = "x|n21"; }),
     queryOf([](ProductQuery& q) {
         q.filter.q = "x";
         q.sort = ProductSort::NameAsc;
     }),
     false},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(product_build_create)

BOOST_AUTO_TEST_CASE(valid_input_builds_the_product) {
    ProductInput in = validInput();
    in.threeDDesigner = "Zhang San";
    const Product p = buildProduct(in, std::nullopt);
    BOOST_TEST(p.id == 0);
    BOOST_TEST(p.name == "Summer Dress");
    BOOST_TEST(p.spuCode == "SPU-001");
    BOOST_TEST(p.gender == "female");
    BOOST_TEST(p.ageRange == "adult");
    BOOST_TEST(p.scenarios == (Strings{"daily", "beach"}), boost::test_tools::per_element());
    BOOST_TEST(p.styles == Strings{"casual"}, boost::test_tools::per_element());
    BOOST_TEST(p.threeDDesigner == "Zhang San");
    BOOST_TEST(p.graphicDesigner == "");  // optional, absent → ""
    BOOST_TEST(!p.deleted);
}

BOOST_DATA_TEST_CASE(missing_or_broken_fields_are_each_named, bdata::make(kCreateFailures), c) {
    checkValidation(thrownBy([&] { buildProduct(c.input, std::nullopt); }), c.fields);
}

BOOST_DATA_TEST_CASE(name_is_trimmed_then_2_to_100_code_points, bdata::make(kNames), c) {
    const ProductInput in = changed([&](ProductInput& i) { i.name = c.raw; });
    if (c.stored) {
        BOOST_TEST(buildProduct(in, std::nullopt).name == *c.stored);
    } else {
        checkValidation(thrownBy([&] { buildProduct(in, std::nullopt); }), {"name"});
    }
}

BOOST_DATA_TEST_CASE(spu_code_pattern, bdata::make(kSpuCodes), c) {
    const ProductInput in = changed([&](ProductInput& i) { i.spuCode = c.input; });
    if (c.valid) {
        BOOST_TEST(buildProduct(in, std::nullopt).spuCode == c.input);  // stored as given
    } else {
        checkValidation(thrownBy([&] { buildProduct(in, std::nullopt); }), {"spuCode"});
    }
}

BOOST_DATA_TEST_CASE(gender_enum, bdata::make(kGenders), c) {
    const ProductInput in = changed([&](ProductInput& i) { i.gender = c.input; });
    if (c.valid) {
        BOOST_TEST(buildProduct(in, std::nullopt).gender == c.input);
    } else {
        checkValidation(thrownBy([&] { buildProduct(in, std::nullopt); }), {"gender"});
    }
}

BOOST_DATA_TEST_CASE(age_range_enum, bdata::make(kAgeRanges), c) {
    const ProductInput in = changed([&](ProductInput& i) { i.ageRange = c.input; });
    if (c.valid) {
        BOOST_TEST(buildProduct(in, std::nullopt).ageRange == c.input);
    } else {
        checkValidation(thrownBy([&] { buildProduct(in, std::nullopt); }), {"ageRange"});
    }
}

BOOST_DATA_TEST_CASE(scenarios_and_styles, bdata::make(kTags) * bdata::make(kTagFields), c, field) {
    const ProductInput in = changed([&](ProductInput& i) {
        if (field == "scenarios")
            i.scenarios = c.values;
        else
            i.styles = c.values;
    });
    if (c.fieldSuffixes.empty()) {
        const Product p = buildProduct(in, std::nullopt);
        BOOST_TEST((field == "scenarios" ? p.scenarios : p.styles) == c.stored,
                   boost::test_tools::per_element());
        return;
    }
    Strings fields;
    for (const auto& suffix : c.fieldSuffixes) fields.push_back(field + suffix);
    checkValidation(thrownBy([&] { buildProduct(in, std::nullopt); }), fields);
}

BOOST_DATA_TEST_CASE(designers_are_optional_trimmed_and_at_most_64_characters,
                     bdata::make(kDesigners) * bdata::make(kDesignerFields), c, field) {
    const bool threeD = field == "threeDDesigner";
    const ProductInput in = changed([&](ProductInput& i) {
        if (threeD)
            i.threeDDesigner = c.raw;
        else
            i.graphicDesigner = c.raw;
    });
    if (c.stored) {
        const Product p = buildProduct(in, std::nullopt);
        BOOST_TEST((threeD ? p.threeDDesigner : p.graphicDesigner) == *c.stored);
        BOOST_TEST((threeD ? p.graphicDesigner : p.threeDDesigner) == "");
    } else {
        checkValidation(thrownBy([&] { buildProduct(in, std::nullopt); }), {"designers." + field});
    }
}

// checkTags (domain/Product.cpp) rejects only bytes below 0x20 as "control characters"; DEL
// (U+007F) and the C1 controls (U+0080–U+009F, e.g. U+0085 NEL) are control characters too
// (Unicode Cc; Json.cpp escapes DEL as one) but are accepted and stored.
BOOST_AUTO_TEST_CASE(tags_with_del_or_c1_controls_are_rejected) {
    for (const std::string& bad : Strings{"da\x7Fily", "da\xC2\x85ily"}) {
        const ProductInput in = changed([&](ProductInput& i) { i.scenarios = Strings{bad}; });
        Strings fields;
        try {
            buildProduct(in, std::nullopt);
        } catch (const DomainError& e) {
            fields = fieldsOf(e);
        }
        BOOST_TEST(fields == Strings{"scenarios[0]"}, boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(product_build_patch)

BOOST_DATA_TEST_CASE(only_present_fields_change, bdata::make(kPatches), c) {
    const Product base = baseProduct();
    if (!c.fields.empty()) {
        checkValidation(thrownBy([&] { buildProduct(c.patch, base); }), c.fields);
        return;
    }
    const Product p = buildProduct(c.patch, base);
    // productJson covers every field but `deleted`; id, createdBy and times come from the base.
    BOOST_TEST(productJson(p) == productJson(c.expected));
    BOOST_TEST(p.deleted == base.deleted);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(module_build)

BOOST_DATA_TEST_CASE(type_sub_type_and_order, bdata::make(kModules), c) {
    if (!c.fields.empty()) {
        checkValidation(thrownBy([&] { buildModule(c.input, c.base); }), c.fields);
        return;
    }
    const MaterialModule m = buildModule(c.input, c.base);
    BOOST_TEST(m.type == c.type);
    BOOST_TEST(m.subType == c.subType);
    BOOST_TEST(m.order == c.order);
    if (c.base) {
        BOOST_TEST(m.id == c.base->id);
        BOOST_TEST(m.productId == c.base->productId);
        BOOST_TEST(m.createdAt == c.base->createdAt);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(product_cursor)

BOOST_DATA_TEST_CASE(round_trip, bdata::make(kCursors), c) {
    const std::string text = encodeProductCursor(c.cursor);
    BOOST_TEST(!text.empty());
    BOOST_TEST(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
               std::string::npos);  // URL-safe as it is
    const ProductCursor back = decodeProductCursor(text, c.cursor.sort);
    BOOST_TEST(back.sort == c.cursor.sort);
    BOOST_TEST(back.id == c.cursor.id);
    if (c.cursor.sort == ProductSort::NameAsc) {
        BOOST_TEST(back.name == c.cursor.name);
    } else {
        BOOST_TEST(back.createdAt == c.cursor.createdAt);
    }
}

BOOST_DATA_TEST_CASE(a_cursor_of_the_other_sort_is_a_bad_request, bdata::make(kCursors), c) {
    const ProductSort other =
        c.cursor.sort == ProductSort::NameAsc ? ProductSort::CreatedDesc : ProductSort::NameAsc;
    const std::string text = encodeProductCursor(c.cursor);
    checkBadCursor(thrownBy([&] { decodeProductCursor(text, other); }));
}

BOOST_DATA_TEST_CASE(garbage_is_a_bad_request,
                     bdata::make(kGarbage) * bdata::make({ProductSort::CreatedDesc, ProductSort::NameAsc}), c,
                     sort) {
    checkBadCursor(thrownBy([&] { decodeProductCursor(c.text, sort); }));
}

// A valid name is up to 100 code points, i.e. up to 400 bytes of UTF-8; the base64 cursor of
// such a name is ~540 characters, above the 512 that decodeCursor accepts (domain/Paging.cpp),
// so paging by name past such a product fails with 400 on the next request.
BOOST_AUTO_TEST_CASE(cursor_of_a_100_emoji_name_round_trips) {
    Product p = buildProduct(changed([](ProductInput& i) { i.name = repeat(kEmoji, 100); }), std::nullopt);
    p.id = 1;
    BOOST_TEST_REQUIRE(p.name == repeat(kEmoji, 100));  // a valid product name
    const std::string text = encodeProductCursor(cursorAfter(p, ProductSort::NameAsc));
    ProductCursor back;
    BOOST_CHECK_NO_THROW(back = decodeProductCursor(text, ProductSort::NameAsc));
}

BOOST_AUTO_TEST_CASE(cursor_after_takes_the_sort_key_and_id_of_the_last_row) {
    const Product last = sampleProduct();
    for (const auto sort : {ProductSort::CreatedDesc, ProductSort::NameAsc}) {
        const ProductCursor c = cursorAfter(last, sort);
        BOOST_TEST(c.sort == sort);
        BOOST_TEST(c.id == 42);
        BOOST_TEST(c.createdAt == last.createdAt);
        BOOST_TEST(c.name == last.name);
        const ProductCursor back = decodeProductCursor(encodeProductCursor(c), sort);
        BOOST_TEST(back.id == 42);
        if (sort == ProductSort::NameAsc)
            BOOST_TEST(back.name == last.name);
        else
            BOOST_TEST(back.createdAt == last.createdAt);
    }
}

BOOST_AUTO_TEST_CASE(cursors_of_different_positions_differ) {
    BOOST_TEST(encodeProductCursor(createdCursor(1, 2)) != encodeProductCursor(createdCursor(1, 3)));
    BOOST_TEST(encodeProductCursor(createdCursor(1, 2)) != encodeProductCursor(createdCursor(2, 2)));
    BOOST_TEST(encodeProductCursor(nameCursor("a", 2)) != encodeProductCursor(nameCursor("b", 2)));
    // The created cursor ignores the name and the name cursor ignores the time.
    BOOST_TEST(encodeProductCursor(ProductCursor{ProductSort::CreatedDesc, 1, "x", 2}) ==
               encodeProductCursor(ProductCursor{ProductSort::CreatedDesc, 1, "y", 2}));
    BOOST_TEST(encodeProductCursor(ProductCursor{ProductSort::NameAsc, 1, "x", 2}) ==
               encodeProductCursor(ProductCursor{ProductSort::NameAsc, 9, "x", 2}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(product_filter)

BOOST_DATA_TEST_CASE(validate_filter, bdata::make(kFilters), c) {
    if (c.fields.empty()) {
        BOOST_CHECK_NO_THROW(validateFilter(c.filter));
        return;
    }
    checkValidation(thrownBy([&] { validateFilter(c.filter); }), c.fields);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(product_json)

BOOST_AUTO_TEST_CASE(product_json_exact) {
    BOOST_TEST(productJson(sampleProduct()) == kSampleProductJson);
}

BOOST_AUTO_TEST_CASE(product_json_embeds_modules_last) {
    const std::string modules = "[" + moduleJson(sampleModule()) + "]";
    const std::string expected =
        kSampleProductJson.substr(0, kSampleProductJson.size() - 1) + R"(,"modules":)" + modules + "}";
    BOOST_TEST(productJson(sampleProduct(), modules) == expected);
    BOOST_TEST(productJson(sampleProduct(), std::string("[]")) ==
               kSampleProductJson.substr(0, kSampleProductJson.size() - 1) + R"(,"modules":[]})");
}

BOOST_AUTO_TEST_CASE(product_json_ids_are_strings_even_when_large) {
    Product p = sampleProduct();
    p.id = kInt64Max;
    p.createdBy = 9007199254740993;  // above 2^53: would lose precision as a JSON number
    const std::string json = productJson(p);
    BOOST_TEST(json.rfind(R"({"id":"9223372036854775807",)", 0) == 0u, json);
    BOOST_TEST(json.find(R"("createdBy":"9007199254740993")") != std::string::npos, json);
}

BOOST_AUTO_TEST_CASE(module_json_exact) {
    BOOST_TEST(moduleJson(sampleModule()) == kSampleModuleJson);
    MaterialModule none = sampleModule();
    none.subType = "";
    BOOST_TEST(moduleJson(none).find(R"("subType":"",)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(module_json_embeds_materials) {
    const std::string materials = R"([{"id":"1","filename":"a.jpg"},{"id":"2","filename":"b.png"}])";
    const std::string expected =
        kSampleModuleJson.substr(0, kSampleModuleJson.size() - std::string(R"("materials":[]})").size()) +
        R"("materials":)" + materials + "}";
    BOOST_TEST(moduleJson(sampleModule(), materials) == expected);
}

BOOST_AUTO_TEST_CASE(facets_json_always_has_the_four_kinds) {
    BOOST_TEST(facetsJson(ProductFacets{}) == R"({"gender":{},"ageRange":{},"scenario":{},"style":{}})");
    ProductFacets f;
    f.counts["style"] = {{"sport", 1}, {"casual", 3}};
    f.counts["gender"] = {{"female", 12}, {"male", 0}};
    f.counts["scenario"] = {{"\xE6\x88\xB7\xE5\xA4\x96", 5}};  // 户外
    f.counts["bogus"] = {{"x", 1}};                            // not a kind: left out
    BOOST_TEST(facetsJson(f) == R"({"gender":{"female":12,"male":0},"ageRange":{},"scenario":{")"
                                "\xE6\x88\xB7\xE5\xA4\x96"
                                R"(":5},"style":{"casual":3,"sport":1}})");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(product_cache_keys)

BOOST_DATA_TEST_CASE(filter_keys, bdata::make(kFilterKeys), c) {
    const std::string a = productFilterKey(c.a), b = productFilterKey(c.b);
    BOOST_TEST((a == b) == c.same, "'" << escaped(a) << "' vs '" << escaped(b) << "'");
    // The query key carries the filter key: the same verdict with everything else equal.
    ProductQuery qa, qb;
    qa.filter = c.a;
    qb.filter = c.b;
    BOOST_TEST((productQueryKey(qa) == productQueryKey(qb)) == c.same);
}

BOOST_DATA_TEST_CASE(query_keys, bdata::make(kQueryKeys), c) {
    const std::string a = productQueryKey(c.a), b = productQueryKey(c.b);
    BOOST_TEST((a == b) == c.same, "'" << escaped(a) << "' vs '" << escaped(b) << "'");
}

// Every filter over a small alphabet of awkward values (absent, empty, separators of the key
// itself): two filters share a key exactly when they are the same filter up to the order and
// repetition of scenario and style values.
BOOST_AUTO_TEST_CASE(filter_keys_are_one_to_one_over_awkward_values) {
    const std::vector<std::optional<std::string>> singles = {std::nullopt, "", "a", "1:a", "-", "0["};
    const std::vector<Strings> lists = {{}, {"a"}, {"1:a"}, {"a", "1:a"}, {""}, {"1[", "a"}};
    std::map<std::string, std::string> canonicalOfKey;  // key -> the filter it came from
    std::size_t filters = 0;
    for (const auto& gender : singles)
        for (const auto& designer : singles)
            for (const auto& q : singles)
                for (const auto& scenarios : lists)
                    for (const auto& styles : lists) {
                        ProductFilter f;
                        f.gender = gender;
                        f.ageRange = q;  // reuses the alphabet; ageRange and q vary together
                        f.designer = designer;
                        f.q = q;
                        f.scenarios = scenarios;
                        f.styles = styles;
                        const std::string key = productFilterKey(f);
                        std::string canonical;
                        for (const auto& v : {gender, designer, q})
                            canonical += v ? "<" + *v + ">" : "<absent>";
                        for (const auto* list : {&scenarios, &styles}) {
                            canonical += "[";
                            for (const auto& v : std::set<std::string>(list->begin(), list->end()))
                                canonical += "<" + v + ">";
                            canonical += "]";
                        }
                        const auto [at, inserted] = canonicalOfKey.emplace(key, canonical);
                        BOOST_TEST_REQUIRE(at->second == canonical,
                                           "one key for two filters: " << escaped(canonical) << " and "
                                                                       << escaped(at->second));
                        ++filters;

                        // The same filter with its tag values reversed and repeated: the same key.
                        ProductFilter shuffled = f;
                        std::reverse(shuffled.scenarios.begin(), shuffled.scenarios.end());
                        shuffled.styles.insert(shuffled.styles.end(), styles.rbegin(), styles.rend());
                        BOOST_TEST_REQUIRE(productFilterKey(shuffled) == key, escaped(canonical));
                    }
    BOOST_TEST(canonicalOfKey.size() == filters);
}

BOOST_AUTO_TEST_CASE(query_keys_tell_limits_and_cursors_apart) {
    // limit × cursor (absent, or a created cursor at small ids): every combination its own key.
    std::set<std::string> keys;
    int queries = 0;
    for (const auto sort : {ProductSort::CreatedDesc, ProductSort::NameAsc})
        for (const int limit : {1, 2, 11, 12, 21, 101, 121})
            for (int cursor = 0; cursor <= 12; ++cursor) {
                ProductQuery q;
                q.sort = sort;
                q.limit = limit;
                if (cursor > 0)
                    q.after = sort == ProductSort::NameAsc ? nameCursor(std::to_string(cursor), cursor)
                                                           : createdCursor(cursor, cursor);
                keys.insert(productQueryKey(q));
                ++queries;
            }
    BOOST_TEST(keys.size() == static_cast<std::size_t>(queries));
}

BOOST_AUTO_TEST_SUITE_END()
