#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "Support.hpp"
#include "domain/Errors.hpp"
#include "domain/FileName.hpp"
#include "domain/Text.hpp"

namespace bdata = boost::unit_test::data;
using namespace mofang::domain;
using mofang::test::escaped;
using mofang::test::fieldsOf;
using mofang::test::thrownBy;

namespace {

using Strings = std::vector<std::string>;

std::string repeat(std::string_view s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
}

const std::string kTu = "\xE5\x9B\xBE";               // 图 (3 bytes)
const std::string kEmoji = "\xF0\x9F\x98\x80";        // 😀 (4 bytes)
const std::string kMainImage = "\xE4\xB8\xBB" + kTu;  // 主图

struct NameCase {
    std::string name;
    std::string input;
    std::string extension;
    std::string expected;
};
std::ostream& operator<<(std::ostream& os, const NameCase& c) {
    return os << c.name << ": '" << escaped(c.input) << "' (" << c.extension << ") -> '"
              << escaped(c.expected) << "'";
}

const std::vector<NameCase> kNames = {
    // kept as sent (but C1 controls)
    {"Chinese name", kMainImage + "-01.jpg", ".jpg", kMainImage + "-01.jpg"},
    {"plain", "photo.png", ".png", "photo.png"},
    {"inner spaces and dots", "my photo v1.2.gif", ".gif", "my photo v1.2.gif"},
    {"C1 control replaced", "a\xC2\x85"
                            "b.jpg",
     ".jpg", "a_b.jpg"},
    {"U+00A0 kept (not a control)", "a\xC2\xA0"
                                    "b.jpg",
     ".jpg", "a\xC2\xA0"
             "b.jpg"},
    {"emoji", kEmoji + ".webp", ".webp", kEmoji + ".webp"},
    // the last path component only
    {"relative traversal", "../../x.png", ".png", "x.png"},
    {"absolute path", "/etc/passwd", ".jpg", "passwd.jpg"},
    {"Windows path", "C:\\Users\\a\\b.jpg", ".jpg", "b.jpg"},
    {"mixed separators", "a/b\\c/d.gif", ".gif", "d.gif"},
    {"UNC path", "\\\\server\\share\\e.png", ".png", "e.png"},
    {"directory only", "dir/", ".jpg", "file.jpg"},
    {"path ending in ..", "a/..", ".jpg", "file.jpg"},
    // replaced characters
    {"reserved characters", "a<b>c:d\"e|f?g*h.png", ".png", "a_b_c_d_e_f_g_h.png"},
    {"drive letter without a separator", "C:b.jpg", ".jpg", "C_b.jpg"},
    {"C0 controls and DEL",
     "a\x01"
     "b\x1F"
     "c\x7F.jpg",
     ".jpg", "a_b_c_.jpg"},
    {"NUL", std::string("a\0b.jpg", 7), ".jpg", "a_b.jpg"},
    {"tab and newline", "a\tb\nc.jpg", ".jpg", "a_b_c.jpg"},
    {"a replaced control is not trimmed", "\t.jpg", ".jpg", "_.jpg"},
    // trimmed
    {"leading and trailing spaces and dots", "  .hidden.jpg. ", ".jpg", "hidden.jpg"},
    {"trailing dot before the extension check", "photo.", ".jpg", "photo.jpg"},
    {"only the ends are trimmed", " a . b ", ".jpg", "a . b.jpg"},
    // nothing left
    {"empty", "", ".jpg", "file.jpg"},
    {"dot", ".", ".jpg", "file.jpg"},
    {"dot dot", "..", ".png", "file.png"},
    {"slash", "/", ".jpg", "file.jpg"},
    {"backslash", "\\", ".gif", "file.gif"},
    {"spaces and dots", " . . ", ".webp", "file.webp"},
    {"extension alone", ".jpg", ".jpg", "jpg.jpg"},
    // extension missing, right, wrong or not an image's
    {"missing", "photo", ".jpg", "photo.jpg"},
    {".jpeg is right for JPEG", "photo.jpeg", ".jpg", "photo.jpeg"},
    {"upper-case .JPG kept", "PHOTO.JPG", ".jpg", "PHOTO.JPG"},
    {"mixed-case .JpEg kept", "a.JpEg", ".jpg", "a.JpEg"},
    {"upper-case .PNG kept", "a.PNG", ".png", "a.PNG"},
    {"PNG name on a JPEG", "photo.png", ".jpg", "photo.jpg"},
    {"JPEG name on a PNG", "photo.jpeg", ".png", "photo.png"},
    {"upper-case wrong extension", "photo.PNG", ".webp", "photo.webp"},
    {"WebP name on a GIF", "anim.webp", ".gif", "anim.gif"},
    {".jfif is replaced", "photo.jfif", ".jpg", "photo.jpg"},
    {"only the last extension counts", "photo.jpg.png", ".jpg", "photo.jpg.jpg"},
    {"not an image extension", "report.txt", ".jpg", "report.txt.jpg"},
    {"double extension", "archive.tar.gz", ".png", "archive.tar.gz.png"},
    {"executable", "photo.png.exe", ".jpg", "photo.png.exe.jpg"},
    {"SVG name on a PNG", "logo.svg", ".png", "logo.svg.png"},
    {"dot inside a word", "v1.2 final", ".jpg", "v1.2 final.jpg"},
    {"Chinese name, wrong extension", kMainImage + ".gif", ".jpg", kMainImage + ".jpg"},
    {"space before the extension", "photo .png", ".png", "photo .png"},
    {"no detected type leaves the extension alone", "report.txt", "", "report.txt"},
    // cut to 255 bytes at a character boundary, keeping the extension
    {"255 bytes fit", repeat("a", 251) + ".jpg", ".jpg", repeat("a", 251) + ".jpg"},
    {"256 bytes do not", repeat("a", 252) + ".jpg", ".jpg", repeat("a", 251) + ".jpg"},
    {"300-byte Chinese name", repeat(kTu, 100) + ".jpg", ".jpg", repeat(kTu, 83) + ".jpg"},
    {"300-byte Chinese name without extension", repeat(kTu, 100), ".png", repeat(kTu, 83) + ".png"},
    {"emoji cut whole", repeat(kEmoji, 70) + ".webp", ".webp", repeat(kEmoji, 62) + ".webp"},
    {"kept .jpeg spelling counts", repeat("b", 300) + ".jpeg", ".jpg", repeat("b", 250) + ".jpeg"},
    {"appended extension wins over the old one", repeat("c", 300) + ".txt", ".jpg",
     repeat("c", 251) + ".jpg"},
    {"long path, short name", repeat("d/", 300) + "x.gif", ".gif", "x.gif"},
};

struct BadName {
    std::string name;
    std::string input;
};
std::ostream& operator<<(std::ostream& os, const BadName& c) {
    return os << c.name << ": '" << escaped(c.input) << "'";
}

const std::vector<BadName> kBadNames = {
    {"lone FF", "\xFF.jpg"},
    {"truncated 2-byte sequence", "a\xC3.jpg"},
    {"truncated 3-byte sequence at the end", "photo.jpg\xE4\xB8"},
    {"surrogate", "\xED\xA0\x80.jpg"},
    {"overlong slash",
     "..\xC0\xAF"
     "etc.jpg"},
    {"Latin-1 e-acute", "caf\xE9.jpg"},
    {"invalid in a directory that would be dropped", "\x80/ok.jpg"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(material_file_name)

BOOST_DATA_TEST_CASE(sanitised, bdata::make(kNames), c) {
    BOOST_TEST(sanitizeMaterialFileName(c.input, c.extension) == c.expected);
}

// Whatever comes in, what goes out is a safe single file name.
BOOST_DATA_TEST_CASE(results_are_safe_names, bdata::make(kNames), c) {
    const std::string out = sanitizeMaterialFileName(c.input, c.extension);
    BOOST_TEST(!out.empty());
    BOOST_TEST(out.size() <= 255u);
    BOOST_TEST(text::isValidUtf8(out));
    BOOST_TEST(out.find_first_of("/\\<>:\"|?*") == std::string::npos);
    for (const char ch : out) BOOST_TEST((static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7F));
    BOOST_TEST(out.front() != ' ');
    BOOST_TEST(out.front() != '.');
    BOOST_TEST(out.back() != ' ');
    BOOST_TEST(out.back() != '.');
    // Sanitising is idempotent.
    BOOST_TEST(sanitizeMaterialFileName(out, c.extension) == out);
}

BOOST_DATA_TEST_CASE(invalid_utf8_is_a_validation_error_naming_the_field, bdata::make(kBadNames), c) {
    const auto e = thrownBy([&] { sanitizeMaterialFileName(c.input, ".jpg"); });
    BOOST_TEST(e.kind() == ErrorKind::Validation);
    BOOST_TEST(e.code() == "validation_failed");
    BOOST_TEST(fieldsOf(e) == Strings{"filename"}, boost::test_tools::per_element());
    BOOST_TEST(!e.details().at(0).message.empty());

    const auto named = thrownBy([&] { sanitizeMaterialFileName(c.input, ".jpg", "files[2].filename"); });
    BOOST_TEST(fieldsOf(named) == Strings{"files[2].filename"}, boost::test_tools::per_element());
    BOOST_TEST(std::string(named.what()).rfind("files[2].filename: ", 0) == 0u, named.what());
}

BOOST_AUTO_TEST_SUITE_END()
