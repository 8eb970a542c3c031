#include <algorithm>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "domain/Errors.hpp"
#include "fcgi/Multipart.hpp"

namespace bdata = boost::unit_test::data;
using mofang::domain::DomainError;
using mofang::domain::ErrorKind;
using mofang::fcgi::multipartBoundary;
using mofang::fcgi::MultipartReader;
using namespace std::string_literals;

namespace mofang::domain {
inline std::ostream& operator<<(std::ostream& os, ErrorKind kind) {
    return os << toString(kind);
}
}  // namespace mofang::domain

namespace {

constexpr std::size_t kWhole = std::numeric_limits<std::size_t>::max();

// Printable bytes for messages: non-ASCII and control bytes as \xHH.
std::string escaped(const std::string& s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && c < 0x7F) {
            out += ch;
        } else {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

// Serves `body` in pieces of at most `chunk` bytes that never straddle one of `cuts` (offsets).
MultipartReader::Source piecesOf(std::string body, std::size_t chunk, std::vector<std::size_t> cuts = {}) {
    return [body = std::move(body), chunk, cuts = std::move(cuts), pos = std::size_t{0}](
               char* buffer, std::size_t size) mutable {
        std::size_t n = std::min({size, chunk, body.size() - pos});
        for (const std::size_t cut : cuts) {
            if (cut > pos && cut < pos + n) n = cut - pos;
        }
        std::memcpy(buffer, body.data() + pos, n);
        pos += n;
        return n;
    };
}

struct Part {
    std::string name;
    std::optional<std::string> filename;
    std::string contentType;
    std::string body;
    bool operator==(const Part&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Part& p) {
    os << "{name '" << escaped(p.name) << "', filename ";
    if (p.filename) {
        os << "'" << escaped(*p.filename) << "'";
    } else {
        os << "none";
    }
    return os << ", type '" << p.contentType << "', body '" << escaped(p.body) << "'}";
}

Part field(std::string name, std::string body) {
    return {std::move(name), std::nullopt, "", std::move(body)};
}

// Every part, each read fully through reads of `readSize` bytes.
std::vector<Part> readAll(MultipartReader::Source source, std::size_t readSize = 4096,
                          MultipartReader::Limits limits = {}, std::string boundary = "BOUNDARY") {
    MultipartReader reader(std::move(source), std::move(boundary), limits);
    std::vector<Part> parts;
    std::vector<char> buffer(readSize);
    while (auto headers = reader.nextPart()) {
        Part part{headers->name, headers->filename, headers->contentType, {}};
        while (const std::size_t n = reader.read(buffer.data(), buffer.size()))
            part.body.append(buffer.data(), n);
        parts.push_back(std::move(part));
    }
    return parts;
}

std::vector<Part> readAll(const std::string& body, std::size_t chunk = kWhole, std::size_t readSize = 4096) {
    return readAll(piecesOf(body, chunk), readSize);
}

// The current part's next `size` bytes, or fewer at its end: read() may return less than asked.
std::string readUpTo(MultipartReader& reader, std::size_t size) {
    std::string out(size, '\0');
    std::size_t got = 0;
    while (got < size) {
        const std::size_t n = reader.read(out.data() + got, size - got);
        if (n == 0) break;
        got += n;
    }
    out.resize(got);
    return out;
}

// Runs `f` and returns the DomainError it throws; anything else (or nothing) fails the test.
template <class F>
DomainError thrownBy(F&& f) {
    try {
        std::forward<F>(f)();
    } catch (const DomainError& e) {
        return e;
    }
    throw std::logic_error("expected a DomainError, but nothing was thrown");
}

void checkMalformed(const DomainError& e, const std::string& messagePart) {
    BOOST_TEST(e.kind() == ErrorKind::BadRequest);
    BOOST_TEST(e.code() == "malformed_multipart");
    BOOST_TEST(std::string(e.what()).find(messagePart) != std::string::npos,
               "'" << e.what() << "' should contain '" << messagePart << "'");
}

std::string formData(const std::string& name, const std::optional<std::string>& filename = std::nullopt) {
    std::string s = "Content-Disposition: form-data; name=\"" + name + "\"";
    if (filename) s += "; filename=\"" + *filename + "\"";
    return s;
}

// A body as browsers send it: CRLF line ends, each part as (header lines, content).
std::string bodyOf(const std::vector<std::pair<std::string, std::string>>& parts,
                   const std::string& boundary = "BOUNDARY") {
    std::string body;
    for (const auto& [headers, content] : parts)
        body += "--" + boundary + "\r\n" + headers + "\r\n\r\n" + content + "\r\n";
    return body + "--" + boundary + "--\r\n";
}

// A body with a preamble, transport padding, empty parts, near-delimiters in the data, binary
// bytes and an epilogue that looks like more parts.
const std::string kMixedBody =
    "preamble, ignored\r\n--BOUNDARY-not-yet\r\n--BOUNDARYX\r\n"
    "--BOUNDARY\r\n"
    "Content-Disposition: form-data; name=\"title\"\r\n"
    "\r\n"
    "hello\r\n"
    "--BOUNDARY\r\n"
    "Content-Disposition: form-data; name=\"empty\"\r\n"
    "\r\n"
    "\r\n"
    "--BOUNDARY \t \r\n"
    "content-disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\n"
    "Content-Type: image/jpeg\r\n"
    "\r\n"
    "\r\n--BOUNDAR\r\n--BOUNDARYX\r\n--BOUNDARY-x\r\n--BOUNDARy\r\r\n-\r\n--\xFF\x00 \x01\r\r\n\r\n"s
    "\r\n--BOUNDARY\r\n"
    "Content-Disposition: form-data; name=\"nothing\"; filename=\"\"\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "\r\n--BOUNDARY--  \r\n"
    "epilogue\r\n--BOUNDARY\r\nContent-Disposition: form-data; name=\"ghost\"\r\n\r\nboo\r\n--BOUNDARY--\r\n";

const std::vector<Part> kMixedParts = {
    field("title", "hello"),
    field("empty", ""),
    {"photo", "a.jpg", "image/jpeg",
     "\r\n--BOUNDAR\r\n--BOUNDARYX\r\n--BOUNDARY-x\r\n--BOUNDARy\r\r\n-\r\n--\xFF\x00 \x01\r\r\n\r\n"s},
    {"nothing", "", "application/octet-stream", ""},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(multipart_boundary)

struct BoundaryCase {
    std::string contentType;
    std::optional<std::string> boundary;
};
std::ostream& operator<<(std::ostream& os, const BoundaryCase& c) {
    return os << "'" << escaped(c.contentType) << "' -> " << (c.boundary ? *c.boundary : "none");
}

const std::vector<BoundaryCase> kBoundaries = {
    {"multipart/form-data; boundary=abc", "abc"},
    {"multipart/form-data;boundary=abc", "abc"},
    {"Multipart/Form-Data; BOUNDARY=abc", "abc"},
    {"  multipart/form-data ; boundary = abc  ", "abc"},
    {"multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
     "----WebKitFormBoundary7MA4YWxkTrZu0gW"},
    {"multipart/form-data; boundary=\"quoted boundary:'()+_,-./=?\"", "quoted boundary:'()+_,-./=?"},
    {"multipart/form-data; charset=\"utf-8;x\"; boundary=\"a=b?\"", "a=b?"},
    {"multipart/form-data; boundary=\"a;b\"", std::nullopt},
    {"multipart/form-data; boundary=abc; charset=utf-8", "abc"},
    {"multipart/form-data; boundary=" + std::string(70, 'x'), std::string(70, 'x')},
    {"multipart/form-data; boundary=" + std::string(71, 'x'), std::nullopt},
    {"multipart/form-data; boundary=", std::nullopt},
    {"multipart/form-data; boundary=\"\"", std::nullopt},
    {"multipart/form-data; boundary=\"abc", std::nullopt},
    {"multipart/form-data; boundary=\"abc \"", std::nullopt},
    {"multipart/form-data; boundary=\"a\\\"b\"", std::nullopt},
    {"multipart/form-data; boundary=\"a\r\nb\"", std::nullopt},
    {"multipart/form-data; boundary=a; boundary=b", std::nullopt},
    {"multipart/form-data", std::nullopt},
    {"multipart/form-data;", std::nullopt},
    {"multipart/form-data; charset=utf-8", std::nullopt},
    {"multipart/form-datax; boundary=abc", std::nullopt},
    {"multipart/mixed; boundary=abc", std::nullopt},
    {"application/x-www-form-urlencoded", std::nullopt},
    {"text/plain; x=\"multipart/form-data; boundary=abc\"", std::nullopt},
    {"", std::nullopt},
};

BOOST_DATA_TEST_CASE(parses_the_content_type, bdata::make(kBoundaries), c) {
    BOOST_TEST(multipartBoundary(c.contentType).value_or("(none)") == c.boundary.value_or("(none)"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(multipart_reader)

BOOST_AUTO_TEST_CASE(reads_fields_and_files) {
    const std::string body = bodyOf({
        {formData("title"), "Hello"},
        {formData("photo", "a.jpg") + "\r\nContent-Type: image/jpeg", "\xFF\xD8\xFF\xE0 jpeg bytes"},
        {formData("notes", "notes.txt") + "\r\nContent-Type: text/plain", "line 1\r\nline 2\r\n"},
    });
    const std::vector<Part> expected = {
        field("title", "Hello"),
        {"photo", "a.jpg", "image/jpeg", "\xFF\xD8\xFF\xE0 jpeg bytes"},
        {"notes", "notes.txt", "text/plain", "line 1\r\nline 2\r\n"},
    };
    BOOST_TEST(readAll(body) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(mixed_body_read_at_once) {
    BOOST_TEST(readAll(kMixedBody) == kMixedParts, boost::test_tools::per_element());
}

// The source hands out k bytes at a time, so every delimiter is split at every offset for some k;
// the reads from the reader vary in size as well.
BOOST_DATA_TEST_CASE(mixed_body_in_chunks_of_every_size, bdata::xrange<std::size_t>(1, kMixedBody.size() + 2),
                     k) {
    BOOST_TEST(readAll(kMixedBody, k, 1 + (k * 7) % 13) == kMixedParts, boost::test_tools::per_element());
}

BOOST_DATA_TEST_CASE(mixed_body_split_at_every_offset, bdata::xrange<std::size_t>(0, kMixedBody.size() + 1),
                     i) {
    BOOST_TEST(readAll(piecesOf(kMixedBody, kWhole, {i})) == kMixedParts, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(body_split_at_every_pair_of_offsets) {
    const std::string body = bodyOf({{formData("a"), "x\r\n--BOUNDAR"}, {formData("b", "b.bin"), "\r\n-"}});
    const std::vector<Part> expected = {field("a", "x\r\n--BOUNDAR"), {"b", "b.bin", "", "\r\n-"}};
    std::size_t failures = 0;
    for (std::size_t i = 0; i <= body.size(); ++i) {
        for (std::size_t j = i; j <= body.size(); ++j) {
            if (readAll(piecesOf(body, kWhole, {i, j}), 3) != expected) {
                ++failures;
                BOOST_ERROR("split at " << i << " and " << j);
            }
        }
    }
    BOOST_TEST(failures == 0u);
}

struct DataCase {
    std::string name;
    std::string content;
};
std::ostream& operator<<(std::ostream& os, const DataCase& c) {
    return os << c.name;
}

// Part contents that look like (the start of) a delimiter but are not one.
const std::vector<DataCase> kTrickyData = {
    {"empty", ""},
    {"CRLF", "\r\n"},
    {"CR", "\r"},
    {"CRLF dash", "\r\n-"},
    {"CRLF dash dash", "\r\n--"},
    {"boundary cut short", "\r\n--BOUNDAR"},
    {"boundary cut short, then text", "\r\n--BOUNDARyes"},
    {"longer boundary", "\r\n--BOUNDARYX"},
    {"boundary and one dash", "\r\n--BOUNDARY-"},
    {"boundary, dash, text", "\r\n--BOUNDARY-x"},
    {"boundary without CR", "\n--BOUNDARY\r\n"},
    {"boundary without CRLF", "--BOUNDARY\r\n"},
    {"boundary without CRLF, final", "x--BOUNDARY--"},
    {"CR CR LF boundary prefix", "\r\r\n--BOUNDAR"},
    {"many near misses",
     [] {
         std::string s;
         for (int i = 0; i < 200; ++i) s += "\r\n--BOUNDAR\r\n--BOUNDARYz";
         return s;
     }()},
    {"NUL and high bytes", "\x00\xFF\r\x00\n--\xFE"s},
    {"ends in CR", "data\r"},
    {"ends in CRLF", "data\r\n"},
};

BOOST_DATA_TEST_CASE(boundary_like_text_is_data, bdata::make(kTrickyData), c) {
    const std::string body = bodyOf({{formData("f", "f.bin"), c.content}, {formData("after"), "end"}});
    const std::vector<Part> expected = {{"f", "f.bin", "", c.content}, field("after", "end")};
    for (const std::size_t k : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{5},
                                std::size_t{7}, std::size_t{11}, std::size_t{64}, kWhole}) {
        BOOST_TEST_CONTEXT("chunk " << k) {
            BOOST_TEST(readAll(body, k, 5) == expected, boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(boundary_at_the_very_start_or_after_a_preamble) {
    const std::vector<Part> expected = {field("a", "1")};
    const std::string parts = "--BOUNDARY\r\n" + formData("a") + "\r\n\r\n1\r\n--BOUNDARY--";
    BOOST_TEST(readAll(parts) == expected, boost::test_tools::per_element());
    BOOST_TEST(readAll("\r\n" + parts) == expected, boost::test_tools::per_element());
    BOOST_TEST(readAll("This is a preamble.\r\n" + parts) == expected, boost::test_tools::per_element());
    BOOST_TEST(readAll("a\r\n--BOUNDARYX\r\n--BOUNDARY-\r\n" + parts) == expected,
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(epilogue_is_ignored_and_not_even_read) {
    const std::string body = "--BOUNDARY\r\n" + formData("a") + "\r\n\r\n1\r\n--BOUNDARY--\r\n";
    std::string withEpilogue = body + "epilogue\r\n--BOUNDARY\r\nbroken";
    BOOST_TEST(readAll(withEpilogue) == std::vector<Part>{field("a", "1")}, boost::test_tools::per_element());
    // No line end after the final boundary.
    BOOST_TEST(readAll(body.substr(0, body.size() - 2)) == std::vector<Part>{field("a", "1")},
               boost::test_tools::per_element());
    // The reader stops at the final boundary: a source that fails afterwards is never asked.
    bool servedAll = false;
    MultipartReader reader(
        [&servedAll, &body, pos = std::size_t{0}](char* buffer, std::size_t size) mutable -> std::size_t {
            if (pos == body.size()) {
                servedAll = true;
                throw std::runtime_error("read past the final boundary");
            }
            const std::size_t n = std::min(size, body.size() - pos);
            std::memcpy(buffer, body.data() + pos, n);
            pos += n;
            return n;
        },
        "BOUNDARY");
    BOOST_TEST(reader.nextPart().has_value());
    BOOST_TEST(!reader.nextPart().has_value());
    BOOST_TEST(!servedAll);
}

BOOST_AUTO_TEST_CASE(final_boundary_right_away_means_no_parts) {
    BOOST_TEST(readAll("--BOUNDARY--\r\n").empty());
    BOOST_TEST(readAll("preamble\r\n--BOUNDARY--").empty());
}

BOOST_AUTO_TEST_CASE(empty_parts) {
    const std::string body = bodyOf({{formData("a"), ""}, {formData("f", ""), ""}, {formData("b"), ""}});
    const std::vector<Part> expected = {field("a", ""), {"f", "", "", ""}, field("b", "")};
    for (const std::size_t k : {std::size_t{1}, std::size_t{4}, kWhole})
        BOOST_TEST(readAll(body, k) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(transport_padding_after_boundaries) {
    const std::string body = "--BOUNDARY \t\r\n" + formData("a") + "\r\n\r\n1\r\n--BOUNDARY\t\r\n" +
                             formData("b") + "\r\n\r\n2\r\n--BOUNDARY--   \r\n";
    for (const std::size_t k : {std::size_t{1}, kWhole})
        BOOST_TEST(readAll(body, k) == (std::vector<Part>{field("a", "1"), field("b", "2")}),
                   boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bare_lf_line_ends) {
    // All LF: the opening boundary line decides that delimiters are "\n--BOUNDARY".
    const std::string lf = "--BOUNDARY\n" + formData("a") + "\n\nline\r\n1\n--BOUNDARY\n" +
                           formData("b", "b.txt") + "\nContent-Type: text/plain\n\n2\n--BOUNDARY--\n";
    const std::vector<Part> expectedLf = {field("a", "line\r\n1"), {"b", "b.txt", "text/plain", "2"}};
    // CRLF boundaries, bare LF within the headers.
    const std::string mixed =
        "--BOUNDARY\r\n" + formData("a") + "\nContent-Type: text/plain\n\nx\ny\r\n--BOUNDARY--";
    const std::vector<Part> expectedMixed = {{"a", std::nullopt, "text/plain", "x\ny"}};
    for (const std::size_t k : {std::size_t{1}, std::size_t{2}, std::size_t{3}, kWhole}) {
        BOOST_TEST(readAll(lf, k) == expectedLf, boost::test_tools::per_element());
        BOOST_TEST(readAll(mixed, k) == expectedMixed, boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(quoted_boundary_with_spaces_and_punctuation) {
    const auto boundary = multipartBoundary("multipart/form-data; boundary=\"b:o (u) n'd+a_r,y-./=? x\"");
    BOOST_TEST_REQUIRE(boundary.has_value());
    const std::string body = bodyOf({{formData("a"), "--b:o (u) n'd+a_r"}, {formData("b"), "2"}}, *boundary);
    for (const std::size_t k : {std::size_t{1}, std::size_t{6}, kWhole})
        BOOST_TEST(readAll(piecesOf(body, k), 4096, {}, *boundary) ==
                       (std::vector<Part>{field("a", "--b:o (u) n'd+a_r"), field("b", "2")}),
                   boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(one_character_and_longest_boundaries) {
    for (const std::string& boundary : {"x"s, std::string(70, '-')}) {
        const std::string body =
            bodyOf({{formData("a"), "\r\n--" + boundary.substr(1)}, {formData("b"), "-"}}, boundary);
        for (const std::size_t k : {std::size_t{1}, std::size_t{3}, kWhole})
            BOOST_TEST(readAll(piecesOf(body, k), 7, {}, boundary) ==
                           (std::vector<Part>{field("a", "\r\n--" + boundary.substr(1)), field("b", "-")}),
                       boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(part_headers_are_kept_with_lower_case_names) {
    const std::string body =
        "--BOUNDARY\r\n"
        "CONTENT-DISPOSITION:form-data; name=\"a\"\r\n"
        "content-TYPE:   text/plain; charset=utf-8  \r\n"
        "X-Custom: \tvalue: with colon\r\n"
        "Content-Transfer-Encoding: binary\r\n"
        "\r\n"
        "1\r\n--BOUNDARY--\r\n";
    MultipartReader reader(piecesOf(body, 3), "BOUNDARY");
    const auto part = reader.nextPart();
    BOOST_TEST_REQUIRE(part.has_value());
    BOOST_TEST(part->name == "a");
    BOOST_TEST(!part->filename.has_value());
    BOOST_TEST(part->contentType == "text/plain; charset=utf-8");
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"content-disposition", "form-data; name=\"a\""},
        {"content-type", "text/plain; charset=utf-8"},
        {"x-custom", "value: with colon"},
        {"content-transfer-encoding", "binary"},
    };
    BOOST_TEST_REQUIRE(part->headers.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        BOOST_TEST(part->headers[i].first == expected[i].first);
        BOOST_TEST(part->headers[i].second == expected[i].second);
    }
    BOOST_TEST(!reader.nextPart().has_value());
}

struct DispositionCase {
    std::string name;
    std::string value;  // of Content-Disposition
    std::string fieldName;
    std::optional<std::string> filename;
};
std::ostream& operator<<(std::ostream& os, const DispositionCase& c) {
    return os << c.name;
}

const std::string kZhongWen = "\xE4\xB8\xAD\xE6\x96\x87";  // 中文

const std::vector<DispositionCase> kDispositions = {
    {"field", "form-data; name=\"title\"", "title", std::nullopt},
    {"file", "form-data; name=\"file\"; filename=\"a.jpg\"", "file", "a.jpg"},
    {"parameter order", "form-data; filename=\"a.jpg\"; name=\"file\"", "file", "a.jpg"},
    {"case-insensitive", "FORM-DATA; NAME=\"file\"; FileName=\"A.JPG\"", "file", "A.JPG"},
    {"tokens", "form-data; name=file; filename=a.jpg", "file", "a.jpg"},
    {"no spaces", "form-data;name=\"a\";filename=\"b\"", "a", "b"},
    {"spaces everywhere", "form-data ; name = \"a\" ; filename = b.txt ", "a", "b.txt"},
    {"escaped quote", "form-data; name=\"f\"; filename=\"say \\\"hi\\\".txt\"", "f", "say \"hi\".txt"},
    {"escaped backslash", "form-data; name=\"f\"; filename=\"back\\\\slash.txt\"", "f", "back\\slash.txt"},
    {"raw backslashes as browsers send them", "form-data; name=\"f\"; filename=\"C:\\Users\\a\\b.png\"", "f",
     "C:\\Users\\a\\b.png"},
    {"raw backslash before a letter", "form-data; name=\"f\"; filename=\"..\\..\\evil.png\"", "f",
     "..\\..\\evil.png"},
    {"trailing raw backslash", "form-data; name=\"f\"; filename=\"dir\\\"", "f", "dir\\"},
    {"trailing raw backslash, more parameters", "form-data; filename=\"dir\\\"; name=\"f\"", "f", "dir\\"},
    {"semicolon inside quotes", "form-data; name=\"f\"; filename=\"a;b=c.jpg\"", "f", "a;b=c.jpg"},
    {"quoted name with spaces", "form-data; name=\"my field\"", "my field", std::nullopt},
    {"raw UTF-8", "form-data; name=\"f\"; filename=\"" + kZhongWen + ".jpg\"", "f", kZhongWen + ".jpg"},
    {"raw UTF-8 name", "form-data; name=\"" + kZhongWen + "\"", kZhongWen, std::nullopt},
    {"RFC 5987", "form-data; name=\"f\"; filename*=UTF-8''%E4%B8%AD%E6%96%87.jpg", "f", kZhongWen + ".jpg"},
    {"RFC 5987 wins (after)",
     "form-data; name=\"f\"; filename=\"fallback.jpg\"; filename*=UTF-8''%E4%B8%AD.jpg", "f",
     "\xE4\xB8\xAD.jpg"},
    {"RFC 5987 wins (before)",
     "form-data; name=\"f\"; filename*=UTF-8''%E4%B8%AD.jpg; filename=\"fallback.jpg\"", "f",
     "\xE4\xB8\xAD.jpg"},
    {"RFC 5987 lower-case charset and a language",
     "form-data; name=\"f\"; filename*=utf-8'zh-CN'%e4%b8%ad%20x.jpg", "f", "\xE4\xB8\xAD x.jpg"},
    {"RFC 5987 ISO-8859-1 becomes UTF-8", "form-data; name=\"f\"; filename*=iso-8859-1'en'caf%E9.txt", "f",
     "caf\xC3\xA9.txt"},
    {"RFC 5987 unknown charset falls back",
     "form-data; name=\"f\"; filename*=KOI8-R''%C1.txt; filename=\"x.txt\"", "f", "x.txt"},
    {"RFC 5987 quoted", "form-data; name=\"f\"; filename*=\"UTF-8''a%22b.txt\"", "f", "a\"b.txt"},
    {"empty filename", "form-data; name=\"f\"; filename=\"\"", "f", ""},
    {"unknown parameters",
     "form-data; name=\"f\"; size=123; creation-date=\"Wed, 12 Feb 1997 16:29:51 -0500\"", "f", std::nullopt},
    {"trailing semicolon", "form-data; name=\"f\";", "f", std::nullopt},
};

BOOST_DATA_TEST_CASE(content_disposition, bdata::make(kDispositions), c) {
    const std::string body =
        "--BOUNDARY\r\nContent-Disposition: " + c.value + "\r\n\r\nx\r\n--BOUNDARY--\r\n";
    const std::vector<Part> expected = {{c.fieldName, c.filename, "", "x"}};
    BOOST_TEST(readAll(body) == expected, boost::test_tools::per_element());
    BOOST_TEST(readAll(body, 1) == expected, boost::test_tools::per_element());
}

struct ErrorCase {
    std::string name;
    std::string body;
    std::string messagePart;
};
std::ostream& operator<<(std::ostream& os, const ErrorCase& c) {
    return os << c.name;
}

const std::string kOpen = "--BOUNDARY\r\n";
const std::string kField = kOpen + "Content-Disposition: form-data; name=\"a\"\r\n\r\n";
std::string withDisposition(const std::string& value) {
    return kOpen + "Content-Disposition: " + value + "\r\n\r\nx\r\n--BOUNDARY--\r\n";
}

const std::vector<ErrorCase> kErrors = {
    {"empty body", "", "no opening boundary"},
    {"no boundary at all", "name=value&other=1", "no opening boundary"},
    {"other boundary", "--OTHER\r\n" + formData("a") + "\r\n\r\nx\r\n--OTHER--\r\n", "no opening boundary"},
    {"only a longer boundary", "--BOUNDARYX\r\n" + formData("a") + "\r\n\r\nx\r\n--BOUNDARYX--\r\n",
     "no opening boundary"},
    {"ends after the opening boundary", "--BOUNDARY", "without the final boundary"},
    {"ends after the opening boundary line", kOpen, "without the final boundary"},
    {"ends in the headers", kOpen + "Content-Disposition: form-data; na", "without the final boundary"},
    {"ends before the blank line", kOpen + formData("a") + "\r\n", "without the final boundary"},
    {"ends in the data", kField + "some data", "without the final boundary"},
    {"ends in CRLF", kField + "x\r\n", "without the final boundary"},
    {"ends in a partial delimiter", kField + "x\r\n--BOUND", "without the final boundary"},
    {"ends after a delimiter", kField + "x\r\n--BOUNDARY", "without the final boundary"},
    {"ends after a delimiter and a dash", kField + "x\r\n--BOUNDARY-", "without the final boundary"},
    {"ends after a boundary line", kField + "x\r\n--BOUNDARY\r\n", "without the final boundary"},
    {"ends in padding", kField + "x\r\n--BOUNDARY  ", "without the final boundary"},
    {"text after a boundary", kOpen.substr(0, 10) + " junk\r\n" + formData("a") + "\r\n\r\nx\r\n--BOUNDARY--",
     "after a boundary"},
    {"CR without LF after a boundary", "--BOUNDARY\rX", "after a boundary"},
    {"header without colon", kOpen + "Content-Disposition form-data\r\n\r\nx\r\n--BOUNDARY--", "Name: value"},
    {"folded header", kOpen + formData("a") + "\r\n continued\r\n\r\nx\r\n--BOUNDARY--", "Name: value"},
    {"space before colon", kOpen + "Content-Disposition : form-data; name=a\r\n\r\nx\r\n--BOUNDARY--",
     "Name: value"},
    {"no headers", kOpen + "\r\nx\r\n--BOUNDARY--", "no Content-Disposition"},
    {"no Content-Disposition", kOpen + "Content-Type: text/plain\r\n\r\nx\r\n--BOUNDARY--",
     "no Content-Disposition"},
    {"two Content-Dispositions", kOpen + formData("a") + "\r\n" + formData("b") + "\r\n\r\nx\r\n--BOUNDARY--",
     "repeats the header content-disposition"},
    {"attachment", withDisposition("attachment; name=\"a\""), "not form-data"},
    {"form-data-ish", withDisposition("form-dataX; name=\"a\""), "not form-data"},
    {"no name", withDisposition("form-data; filename=\"a.jpg\""), "no name"},
    {"empty name", withDisposition("form-data; name=\"\""), "no name"},
    {"two names", withDisposition("form-data; name=\"a\"; name=\"b\""), "repeats the parameter name"},
    {"two filenames", withDisposition("form-data; name=\"a\"; filename=\"x\"; filename=\"y\""),
     "repeats the parameter filename"},
    {"unterminated quote", withDisposition("form-data; name=\"a"), "parameters are malformed"},
    {"text after a quoted value", withDisposition("form-data; name=\"a\"b"), "parameters are malformed"},
    {"parameter without value", withDisposition("form-data; name"), "parameters are malformed"},
    {"no semicolon", withDisposition("form-data name=\"a\""), "not form-data"},
    {"filename* without quotes", withDisposition("form-data; name=a; filename*=UTF-8%E4.jpg"),
     "charset'language'"},
    {"filename* bad escape", withDisposition("form-data; name=a; filename*=UTF-8''%E.jpg"), "percent-escape"},
    {"filename* non-hex escape", withDisposition("form-data; name=a; filename*=UTF-8''%G0.jpg"),
     "percent-escape"},
};

BOOST_DATA_TEST_CASE(malformed_bodies_are_bad_requests, bdata::make(kErrors), c) {
    for (const std::size_t k : {std::size_t{1}, std::size_t{2}, kWhole})
        checkMalformed(thrownBy([&] { readAll(c.body, k); }), c.messagePart);
}

BOOST_AUTO_TEST_CASE(header_block_limit) {
    const std::string headers = formData("a") + "\r\nX-Padding: " + std::string(100, 'p');
    const std::string body = bodyOf({{headers, "x"}});
    const std::size_t blockSize = headers.size() + 4;  // through the blank line
    for (const std::size_t k : {std::size_t{1}, std::size_t{7}, kWhole}) {
        BOOST_TEST(readAll(piecesOf(body, k), 4096, {blockSize, 1000}).size() == 1u);
        const auto e = thrownBy([&] { readAll(piecesOf(body, k), 4096, {blockSize - 1, 1000}); });
        checkMalformed(e, "part headers are too large");
    }
}

BOOST_AUTO_TEST_CASE(huge_part_headers_fail_with_the_default_limit) {
    // One endless header line, and many short ones: neither is buffered beyond the limit.
    const std::string longLine =
        kOpen + formData("a") + "\r\nX-Big: " + std::string(1 << 20, 'b') + "\r\n\r\nx";
    std::string manyLines = kOpen + formData("a") + "\r\n";
    for (int i = 0; i < 10000; ++i) manyLines += "X-H: v\r\n";
    for (const std::string& body : {longLine, manyLines}) {
        checkMalformed(thrownBy([&] { readAll(body, 4096); }),
                       "part headers are too large (more than 16384 bytes)");
    }
}

BOOST_AUTO_TEST_CASE(too_many_parts) {
    std::vector<std::pair<std::string, std::string>> four;
    for (int i = 0; i < 4; ++i) four.emplace_back(formData("p" + std::to_string(i)), "v");
    const std::vector<std::pair<std::string, std::string>> three(four.begin(), four.begin() + 3);
    const MultipartReader::Limits limits{16 * 1024, 3};
    BOOST_TEST(readAll(piecesOf(bodyOf(three), kWhole), 4096, limits).size() == 3u);

    MultipartReader reader(piecesOf(bodyOf(four), kWhole), "BOUNDARY", limits);
    for (int i = 0; i < 3; ++i) BOOST_TEST(reader.nextPart()->name == "p" + std::to_string(i));
    checkMalformed(thrownBy([&] { reader.nextPart(); }), "too many parts (more than 3)");
}

BOOST_AUTO_TEST_CASE(next_part_skips_what_is_left_unread) {
    const std::string body = bodyOf({
        {formData("first", "1.bin"), std::string(100000, '1')},
        {formData("second", "2.bin"), "\r\n--BOUNDAR" + std::string(70000, '2')},
        {formData("third"), "three"},
    });
    for (const std::size_t k : {std::size_t{1}, std::size_t{1000}, kWhole}) {
        MultipartReader reader(piecesOf(body, k), "BOUNDARY");
        BOOST_TEST(reader.nextPart()->name == "first");
        BOOST_TEST(readUpTo(reader, 2) == "11");
        BOOST_TEST(reader.nextPart()->name == "second");  // nothing of it read
        const auto third = reader.nextPart();
        BOOST_TEST_REQUIRE(third.has_value());
        BOOST_TEST(third->name == "third");
        BOOST_TEST(readUpTo(reader, 16) == "three");
        BOOST_TEST(!reader.nextPart().has_value());
    }
}

BOOST_AUTO_TEST_CASE(read_returns_zero_outside_a_part) {
    MultipartReader reader(piecesOf(bodyOf({{formData("a"), "1"}}), kWhole), "BOUNDARY");
    char buffer[8];
    BOOST_TEST(reader.read(buffer, sizeof buffer) == 0u);  // before the first part
    BOOST_TEST_REQUIRE(reader.nextPart().has_value());
    BOOST_TEST(reader.read(buffer, 0) == 0u);
    BOOST_TEST(reader.read(buffer, sizeof buffer) == 1u);
    BOOST_TEST(reader.read(buffer, sizeof buffer) == 0u);
    BOOST_TEST(reader.read(buffer, sizeof buffer) == 0u);
    BOOST_TEST(!reader.nextPart().has_value());
    BOOST_TEST(!reader.nextPart().has_value());
    BOOST_TEST(reader.read(buffer, sizeof buffer) == 0u);
}

BOOST_AUTO_TEST_CASE(errors_stick) {
    MultipartReader reader(piecesOf(kField + "data without an end", kWhole), "BOUNDARY");
    BOOST_TEST_REQUIRE(reader.nextPart().has_value());
    char buffer[64];
    BOOST_TEST(reader.read(buffer, sizeof buffer) > 0u);  // the data that is certain comes first
    checkMalformed(thrownBy([&] { reader.read(buffer, sizeof buffer); }), "without the final boundary");
    checkMalformed(thrownBy([&] { reader.read(buffer, sizeof buffer); }), "without the final boundary");
    checkMalformed(thrownBy([&] { reader.nextPart(); }), "without the final boundary");
}

BOOST_AUTO_TEST_CASE(invalid_boundary_is_a_programming_error) {
    BOOST_CHECK_THROW(MultipartReader(piecesOf("", kWhole), ""), std::invalid_argument);
    BOOST_CHECK_THROW(MultipartReader(piecesOf("", kWhole), std::string(71, 'x')), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(multipart_streaming)

namespace {

// Pseudo-random bytes, generated rather than stored, sprinkled with near-delimiters.
class Payload {
  public:
    explicit Payload(std::size_t size) : left_(size) {}

    std::size_t fill(char* out, std::size_t size) {
        std::size_t n = 0;
        for (; n < size && left_ > 0; ++n, --left_) {
            if (pending_.empty()) {
                state_ = state_ * 6364136223846793005u + 1442695040888963407u;
                const auto r = static_cast<std::uint32_t>(state_ >> 33);
                if (r % 4096 == 0) pending_ = (r >> 12) % 2 ? "\r\n--BOUNDAR\r" : "\r\n--BOUNDARY_\r\n";
                if (pending_.empty()) {
                    out[n] = static_cast<char>(r & 0xFF);
                    continue;
                }
                std::reverse(pending_.begin(), pending_.end());
            }
            out[n] = pending_.back();
            pending_.pop_back();
        }
        return n;
    }

  private:
    std::uint64_t state_ = 0x9E3779B97F4A7C15u;
    std::size_t left_;
    std::string pending_;
};

struct Fnv1a {
    std::uint64_t hash = 14695981039346656037u;
    void add(const char* data, std::size_t size) {
        for (std::size_t i = 0; i < size; ++i)
            hash = (hash ^ static_cast<unsigned char>(data[i])) * 1099511628211u;
    }
};

}  // namespace

constexpr std::size_t kSize = 20u << 20;
constexpr std::size_t kRead = 4096;  // per read of the source

BOOST_AUTO_TEST_CASE(twenty_mebibytes_through_4_kib_reads) {
    Fnv1a expected;
    {
        Payload payload(kSize);
        std::vector<char> chunk(kRead);
        while (const std::size_t n = payload.fill(chunk.data(), chunk.size())) expected.add(chunk.data(), n);
    }

    const std::string head =
        "--BOUNDARY\r\n" + formData("big", "big.bin") + "\r\nContent-Type: application/octet-stream\r\n\r\n";
    const std::string tail = "\r\n--BOUNDARY\r\n" + formData("after") + "\r\n\r\nafter\r\n--BOUNDARY--\r\n";
    // head, payload, tail; at most 4 KiB per read
    auto source = [&head, &tail, payload = Payload(kSize), pos = std::size_t{0}](
                      char* buffer, std::size_t size) mutable -> std::size_t {
        size = std::min(size, kRead);
        if (pos < head.size()) {
            const std::size_t n = std::min(size, head.size() - pos);
            std::memcpy(buffer, head.data() + pos, n);
            pos += n;
            return n;
        }
        if (const std::size_t n = payload.fill(buffer, size)) return n;
        const std::size_t offset = pos - head.size();
        const std::size_t n = std::min(size, tail.size() - offset);
        std::memcpy(buffer, tail.data() + offset, n);
        pos += n;
        return n;
    };

    MultipartReader reader(source, "BOUNDARY");
    const auto big = reader.nextPart();
    BOOST_TEST_REQUIRE(big.has_value());
    BOOST_TEST(big->name == "big");
    BOOST_TEST(*big->filename == "big.bin");
    std::vector<char> buffer(64 * 1024);
    Fnv1a actual;
    std::size_t total = 0, reads = 0;
    while (const std::size_t n = reader.read(buffer.data(), buffer.size())) {
        actual.add(buffer.data(), n);
        total += n;
        ++reads;
    }
    BOOST_TEST(total == kSize);
    BOOST_TEST(actual.hash == expected.hash);
    // Big chunks, not bytes: on average well over half a source read per read().
    BOOST_TEST(reads < 2 * kSize / kRead, reads << " reads");

    const auto after = reader.nextPart();
    BOOST_TEST_REQUIRE(after.has_value());
    BOOST_TEST(after->name == "after");
    char small[16];
    BOOST_TEST(reader.read(small, sizeof small) == 5u);
    BOOST_TEST(!reader.nextPart().has_value());
}

BOOST_AUTO_TEST_SUITE_END()
