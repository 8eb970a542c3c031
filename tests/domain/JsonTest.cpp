#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "Support.hpp"
#include "domain/Json.hpp"
#include "domain/Text.hpp"

namespace bdata = boost::unit_test::data;
using namespace mofang::domain;
using mofang::test::escaped;

namespace {

struct EscapeCase {
    std::string input;
    std::string expected;  // the JSON string literal, quotes included
};
std::ostream& operator<<(std::ostream& os, const EscapeCase& c) {
    return os << "'" << escaped(c.input) << "' -> " << escaped(c.expected);
}

const std::vector<EscapeCase> kEscapes = {
    {"", R"("")"},
    {"plain", R"("plain")"},
    {"say \"hi\"", R"("say \"hi\"")"},
    {"C:\\dir\\file", R"("C:\\dir\\file")"},
    {"a/b", R"("a/b")"},  // '/' needs no escape
    {"\n\r\t\b\f", R"("\n\r\t\b\f")"},
    {std::string("\0", 1), R"("\u0000")"},
    {"\x01", R"("\u0001")"},
    {"\x1F", R"("\u001f")"},
    {"\x0B", R"("\u000b")"},
    {"\x1B[31m", R"("\u001b[31m")"},
    {"\x7F", R"("\u007f")"},
    {" ~", R"(" ~")"},
    {"\xE2\x80\xA8", R"("\u2028")"},  // LINE SEPARATOR
    {"\xE2\x80\xA9", R"("\u2029")"},  // PARAGRAPH SEPARATOR
    {"a\xE2\x80\xA8"
     "b",
     R"("a\u2028b")"},
    {"\xE2\x80\xA6", "\"\xE2\x80\xA6\""},  // U+2026 … passes through
    {"\xE2\x80\xAA", "\"\xE2\x80\xAA\""},  // U+202A passes through
    {"密码", "\"密码\""},
    {"\xF0\x9F\x98\x80", "\"\xF0\x9F\x98\x80\""},
    {"</script>", R"("</script>")"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(json_writer)

BOOST_DATA_TEST_CASE(string_escaping, bdata::make(kEscapes), c) {
    std::string out;
    appendJsonString(out, c.input);
    BOOST_TEST(out == c.expected);
    // The writer uses the same escaping for keys and values.
    JsonWriter w;
    w.beginObject().field(c.input, c.input).endObject();
    BOOST_TEST(w.str() == "{" + c.expected + ":" + c.expected + "}");
}

BOOST_AUTO_TEST_CASE(append_json_string_appends) {
    std::string out = "x=";
    appendJsonString(out, "y");
    BOOST_TEST(out == R"(x="y")");
}

BOOST_AUTO_TEST_CASE(empty_containers) {
    BOOST_TEST(JsonWriter().beginObject().endObject().str() == "{}");
    BOOST_TEST(JsonWriter().beginArray().endArray().str() == "[]");
    BOOST_TEST(JsonWriter().stringArray({}).str() == "[]");
}

BOOST_AUTO_TEST_CASE(nested_objects_and_arrays) {
    JsonWriter w;
    w.beginObject()
        .field("a", 1)
        .key("b")
        .beginArray()
        .value(true)
        .null()
        .value("x")
        .beginObject()
        .endObject()
        .beginArray()
        .endArray()
        .beginObject()
        .field("deep", false)
        .key("list")
        .stringArray({"p", "q"})
        .endObject()
        .endArray()
        .field("c", std::int64_t{-9007199254740993})
        .key("d")
        .beginObject()
        .key("e")
        .beginObject()
        .endObject()
        .endObject()
        .endObject();
    BOOST_TEST(w.str() ==
               R"({"a":1,"b":[true,null,"x",{},[],{"deep":false,"list":["p","q"]}],"c":-9007199254740993,)"
               R"("d":{"e":{}}})");
}

BOOST_AUTO_TEST_CASE(top_level_array_of_objects) {
    JsonWriter w;
    w.beginArray();
    for (int i = 0; i < 3; ++i) w.beginObject().field("i", i).endObject();
    w.endArray();
    BOOST_TEST(w.str() == R"([{"i":0},{"i":1},{"i":2}])");
}

BOOST_AUTO_TEST_CASE(scalar_values) {
    JsonWriter w;
    w.beginArray()
        .value(0)
        .value(-1)
        .value(std::numeric_limits<std::int64_t>::max())
        .value(std::numeric_limits<std::int64_t>::min())
        .value(true)
        .value(false)
        .value(std::string("s"))
        .value(std::string_view("v"))
        .value("c")
        .endArray();
    BOOST_TEST(w.str() == R"([0,-1,9223372036854775807,-9223372036854775808,true,false,"s","v","c"])");
}

BOOST_AUTO_TEST_CASE(string_array_escapes_items) {
    BOOST_TEST(JsonWriter().stringArray({"a", "b\"c", "\n"}).str() == R"(["a","b\"c","\n"])");
}

BOOST_AUTO_TEST_CASE(raw_inserts_serialised_json_as_one_value) {
    JsonWriter w;
    w.beginObject()
        .key("before")
        .raw(R"({"x":1,"y":[true]})")
        .key("after")
        .raw("null")
        .key("list")
        .beginArray()
        .raw("1")
        .raw("[2]")
        .raw(R"("three")")
        .endArray()
        .field("tail", "t")
        .endObject();
    BOOST_TEST(w.str() == R"({"before":{"x":1,"y":[true]},"after":null,"list":[1,[2],"three"],"tail":"t"})");
}

BOOST_AUTO_TEST_CASE(non_finite_doubles_become_null) {
    JsonWriter w;
    w.beginArray()
        .value(std::numeric_limits<double>::quiet_NaN())
        .value(std::numeric_limits<double>::infinity())
        .value(-std::numeric_limits<double>::infinity())
        .endArray();
    BOOST_TEST(w.str() == "[null,null,null]");
    JsonWriter obj;
    obj.beginObject().field("ratio", std::numeric_limits<double>::quiet_NaN()).endObject();
    BOOST_TEST(obj.str() == R"({"ratio":null})");
}

BOOST_AUTO_TEST_CASE(finite_doubles) {
    JsonWriter w;
    w.beginArray().value(1.5).value(-2.25).value(0.0).value(1e300).endArray();
    BOOST_TEST(w.str() == "[1.5,-2.25,0,1.0000000000000001e+300]");
    // Whatever the digits, a double survives the trip through its text.
    for (const double d : {0.1, 1.0 / 3.0, 123456.789, -5e-324}) {
        JsonWriter one;
        one.value(d);
        BOOST_TEST(std::strtod(one.str().c_str(), nullptr) == d, one.str());
    }
}

BOOST_AUTO_TEST_CASE(take_moves_the_text_out) {
    JsonWriter w;
    w.beginObject().field("k", "v").endObject();
    BOOST_TEST(w.take() == R"({"k":"v"})");
}

BOOST_AUTO_TEST_SUITE_END()

// Output is always valid UTF-8: each malformed byte becomes U+FFFD, well-formed text passes.
BOOST_AUTO_TEST_CASE(malformed_utf8_becomes_replacement_characters) {
    const auto quoted = [](std::string_view s) {
        std::string out;
        mofang::domain::appendJsonString(out, s);
        return out;
    };
    BOOST_TEST(quoted("a\xFF" "b") == "\"a\\ufffdb\"");
    BOOST_TEST(quoted("\xE0\x80\x80") == "\"\\ufffd\\ufffd\\ufffd\"");          // overlong
    BOOST_TEST(quoted("\xED\xA0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");          // surrogate
    BOOST_TEST(quoted("\xF4\x90\x80\x80") == "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // > U+10FFFF
    BOOST_TEST(quoted("\xE4\xB8") == "\"\\ufffd\\ufffd\"");                      // truncated
    BOOST_TEST(quoted("中文😀\xF0\xA0\x80\x80") == "\"中文😀\xF0\xA0\x80\x80\"");  // CJK Ext. B kept
    BOOST_TEST(mofang::domain::text::isValidUtf8(quoted("x\xC0\xAF\xF5\x80y")));
}
