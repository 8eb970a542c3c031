#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "Support.hpp"
#include "domain/ImageProbe.hpp"

namespace mofang::domain {
inline std::ostream& operator<<(std::ostream& os, ImageFormat f) {
    return os << (f == ImageFormat::Unknown ? std::string_view("Unknown") : mimeType(f));
}
inline std::ostream& operator<<(std::ostream& os, ImageProbe::State s) {
    switch (s) {
        case ImageProbe::State::NeedMore:
            return os << "NeedMore";
        case ImageProbe::State::Known:
            return os << "Known";
        case ImageProbe::State::Unsupported:
            return os << "Unsupported";
        case ImageProbe::State::Invalid:
            return os << "Invalid";
    }
    return os << "?";
}
}  // namespace mofang::domain

namespace bdata = boost::unit_test::data;
using namespace mofang::domain;
using mofang::test::escaped;
using State = ImageProbe::State;

namespace {

// ---- byte builders ------------------------------------------------------------------------

std::string bytes(std::initializer_list<unsigned> values) {
    std::string out;
    for (const unsigned v : values) out += static_cast<char>(v);
    return out;
}
std::string be16(std::uint32_t v) {
    return bytes({v >> 8 & 0xFF, v & 0xFF});
}
std::string be32(std::uint32_t v) {
    return be16(v >> 16) + be16(v & 0xFFFF);
}
std::string le16(std::uint32_t v) {
    return bytes({v & 0xFF, v >> 8 & 0xFF});
}
std::string le24(std::uint32_t v) {
    return le16(v & 0xFFFF) + bytes({v >> 16 & 0xFF});
}
std::string le32(std::uint32_t v) {
    return le16(v & 0xFFFF) + le16(v >> 16);
}

// ---- JPEG ---------------------------------------------------------------------------------

const std::string kSoi = bytes({0xFF, 0xD8});
const std::string kEoi = bytes({0xFF, 0xD9});

// A marker segment: FF, marker, 2-byte length (counting itself), payload.
std::string segment(unsigned marker, const std::string& payload) {
    return bytes({0xFF, marker}) + be16(static_cast<std::uint32_t>(payload.size() + 2)) + payload;
}

std::string app0Jfif() {
    return segment(0xE0, std::string("JFIF\0", 5) + bytes({1, 1, 0}) + be16(72) + be16(72) + bytes({0, 0}));
}

// An APP1 EXIF segment of `size` payload bytes whose contents look like markers (an embedded
// thumbnail with its own SOI, SOF0 with other dimensions, SOS and EOI): a probe that looked
// inside it would be fooled.
std::string app1Exif(std::size_t size) {
    std::string payload = std::string("Exif\0\0", 6) + "MM" + bytes({0, 0x2A}) + be32(8);
    const std::string decoy = kSoi + segment(0xC0, bytes({8}) + be16(7) + be16(9) + bytes({1, 1, 0x11, 0})) +
                              segment(0xDA, bytes({1, 1, 0, 0, 0x3F, 0})) + kEoi;
    while (payload.size() + decoy.size() <= size) payload += decoy;
    payload.append(size - payload.size(), '\xFF');
    return segment(0xE1, payload);
}

std::string dqt() {
    return segment(0xDB, bytes({0}) + std::string(64, '\x01'));
}
std::string dht() {
    return segment(0xC4, bytes({0, 1}) + std::string(15, '\0') + bytes({0}));
}
std::string com(const std::string& text) {
    return segment(0xFE, text);
}

// A frame header: precision 8, height, width, 3 components.
std::string sof(unsigned marker, std::uint32_t width, std::uint32_t height) {
    return segment(marker,
                   bytes({8}) + be16(height) + be16(width) + bytes({3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1}));
}

std::string scanAndEnd() {
    return segment(0xDA, bytes({3, 1, 0, 2, 0x11, 3, 0x11, 0, 0x3F, 0})) + "\x12\x34\xFF" +
           std::string(1, '\0') + "\x56" + kEoi;
}

// ---- the other formats ----------------------------------------------------------------------

std::uint32_t crc32(std::string_view data) {
    std::uint32_t crc = 0xFFFFFFFF;
    for (const char ch : data) {
        crc ^= static_cast<unsigned char>(ch);
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

const std::string kPngSignature = bytes({0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});

std::string pngChunk(const std::string& type, const std::string& data) {
    return be32(static_cast<std::uint32_t>(data.size())) + type + data + be32(crc32(type + data));
}

std::string png(std::uint32_t width, std::uint32_t height) {
    return kPngSignature + pngChunk("IHDR", be32(width) + be32(height) + bytes({8, 6, 0, 0, 0})) +
           pngChunk("IDAT", bytes({0x78, 0x9C, 0x63, 0, 0, 0, 1, 0, 1})) + pngChunk("IEND", "");
}

std::string gif(const std::string& version, std::uint32_t width, std::uint32_t height) {
    return version + le16(width) + le16(height) + bytes({0xF0, 0, 0}) + bytes({0, 0, 0, 0xFF, 0xFF, 0xFF}) +
           "," + le16(0) + le16(0) + le16(1) + le16(1) + bytes({0, 2, 2, 0x44, 1, 0}) + ";";
}

std::string riffWebp(const std::string& chunks) {
    return "RIFF" + le32(static_cast<std::uint32_t>(4 + chunks.size())) + "WEBP" + chunks;
}
std::string webpChunk(const std::string& fourcc, const std::string& data) {
    std::string out = fourcc + le32(static_cast<std::uint32_t>(data.size())) + data;
    if (data.size() % 2) out += '\0';
    return out;
}

// VP8 key frame: frame tag, start code, 14-bit width and height with 2-bit scale on top.
std::string vp8Data(std::uint32_t width, std::uint32_t height, unsigned scale = 0, unsigned tag0 = 0x30) {
    return bytes({tag0, 0x01, 0x00, 0x9D, 0x01, 0x2A}) + le16(width | scale << 14) +
           le16(height | scale << 14) + bytes({0x00, 0x47, 0x08, 0x85, 0x85, 0x88, 0x85, 0x84});
}
std::string vp8lData(std::uint32_t width, std::uint32_t height, unsigned version = 0) {
    return bytes({0x2F}) + le32((width - 1) | (height - 1) << 14 | 1u << 28 | version << 29) +
           bytes({0x00, 0x07, 0x10, 0x11});
}
std::string vp8xData(std::uint32_t width, std::uint32_t height) {
    return bytes({0x10, 0, 0, 0}) + le24(width - 1) + le24(height - 1);
}

// ---- probing --------------------------------------------------------------------------------

struct Outcome {
    State state;
    ImageFormat format;
    std::uint32_t width;
    std::uint32_t height;
    bool operator==(const Outcome&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Outcome& o) {
    return os << o.state << " " << o.format << " " << o.width << "x" << o.height;
}

Outcome outcomeOf(const ImageProbe& p) {
    return {p.state(), p.format(), p.width(), p.height()};
}

// Feeds `data` in pieces cut at `cuts` (ascending offsets), then finish().
Outcome probe(std::string_view data, const std::vector<std::size_t>& cuts = {}) {
    ImageProbe p;
    std::size_t from = 0;
    for (const std::size_t cut : cuts) {
        p.feed(data.data() + from, cut - from);
        from = cut;
    }
    p.feed(data.data() + from, data.size() - from);
    p.finish();
    return outcomeOf(p);
}

Outcome probeByteByByte(std::string_view data) {
    ImageProbe p;
    for (const char& ch : data) p.feed(&ch, 1);
    p.finish();
    return outcomeOf(p);
}

// ---- valid images ---------------------------------------------------------------------------

struct Sample {
    std::string name;
    std::string data;
    ImageFormat format;
    std::uint32_t width;
    std::uint32_t height;
    std::size_t headerEnd;    // bytes needed to know the dimensions
    std::size_t magicLength;  // bytes needed to know the format
};
std::ostream& operator<<(std::ostream& os, const Sample& s) {
    return os << s.name << " (" << s.data.size() << " bytes)";
}

// `before` goes between SOI and the frame header.
Sample jpeg(std::string name, unsigned frameMarker, std::uint32_t width, std::uint32_t height,
            const std::string& before) {
    const std::string head = kSoi + before;
    return {std::move(name),
            head + sof(frameMarker, width, height) + dht() + scanAndEnd(),
            ImageFormat::Jpeg,
            width,
            height,
            head.size() + 9,
            3};
}

Sample simpleSample(std::string name, std::string data, ImageFormat format, std::uint32_t width,
                    std::uint32_t height, std::size_t headerEnd, std::size_t magicLength) {
    return {std::move(name), std::move(data), format, width, height, headerEnd, magicLength};
}

std::vector<Sample> samples() {
    const std::string fillAndRestarts = bytes({0xFF, 0xFF, 0xFF}) + app0Jfif() + bytes({0xFF, 0xD0}) +
                                        bytes({0xFF, 0xFF, 0xD7}) + bytes({0xFF, 0x01}) +
                                        com("made by hand") + bytes({0xFF, 0xFF});
    return {
        jpeg("JPEG baseline (SOF0) after APP0 and a 60 KB EXIF APP1", 0xC0, 800, 600,
             app0Jfif() + app1Exif(60 * 1024) + dqt()),
        jpeg("JPEG progressive (SOF2) after APP0 and a 60 KB EXIF APP1", 0xC2, 1920, 1080,
             app0Jfif() + app1Exif(60 * 1024) + dqt() + dht()),
        jpeg("JPEG with fill bytes, RST and TEM markers before SOF0", 0xC0, 1024, 768,
             fillAndRestarts.substr(1) + dqt()),
        jpeg("JPEG SOF1 straight after SOI", 0xC1, 16, 16, ""),
        jpeg("JPEG SOF15 (lossless hierarchical arithmetic)", 0xCF, 4000, 3000, com("")),
        jpeg("JPEG DHT, JPG and DAC segments are not frames", 0xC0, 300, 200,
             dht() + segment(0xC8, "xx") + segment(0xCC, bytes({0x10, 0x11})) + dqt()),
        jpeg("JPEG empty COM segment (length 2)", 0xC0, 64, 48, com("") + com("")),
        simpleSample("PNG", png(640, 480), ImageFormat::Png, 640, 480, 24, 8),
        simpleSample("PNG largest legal side", png(0x7FFFFFFF, 1), ImageFormat::Png, 0x7FFFFFFF, 1, 24, 8),
        simpleSample("GIF87a", gif("GIF87a", 320, 200), ImageFormat::Gif, 320, 200, 10, 6),
        simpleSample("GIF89a", gif("GIF89a", 1, 65535), ImageFormat::Gif, 1, 65535, 10, 6),
        simpleSample("WebP lossy (VP8)", riffWebp(webpChunk("VP8 ", vp8Data(1024, 768))), ImageFormat::Webp,
                     1024, 768, 30, 12),
        simpleSample("WebP lossy (VP8) with scale bits", riffWebp(webpChunk("VP8 ", vp8Data(16383, 17, 3))),
                     ImageFormat::Webp, 16383, 17, 30, 12),
        simpleSample("WebP lossless (VP8L)", riffWebp(webpChunk("VP8L", vp8lData(500, 300))),
                     ImageFormat::Webp, 500, 300, 25, 12),
        simpleSample("WebP lossless (VP8L) largest", riffWebp(webpChunk("VP8L", vp8lData(16384, 16384))),
                     ImageFormat::Webp, 16384, 16384, 25, 12),
        simpleSample(
            "WebP extended (VP8X)",
            riffWebp(webpChunk("VP8X", vp8xData(3000, 2000)) + webpChunk("VP8 ", vp8Data(3000, 2000))),
            ImageFormat::Webp, 3000, 2000, 30, 12),
    };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(image_probe_formats)

BOOST_AUTO_TEST_CASE(mime_types_and_extensions) {
    BOOST_TEST(mimeType(ImageFormat::Jpeg) == "image/jpeg");
    BOOST_TEST(mimeType(ImageFormat::Png) == "image/png");
    BOOST_TEST(mimeType(ImageFormat::Webp) == "image/webp");
    BOOST_TEST(mimeType(ImageFormat::Gif) == "image/gif");
    BOOST_TEST(mimeType(ImageFormat::Unknown) == "");
    BOOST_TEST(extension(ImageFormat::Jpeg) == ".jpg");
    BOOST_TEST(extension(ImageFormat::Png) == ".png");
    BOOST_TEST(extension(ImageFormat::Webp) == ".webp");
    BOOST_TEST(extension(ImageFormat::Gif) == ".gif");
    BOOST_TEST(extension(ImageFormat::Unknown) == "");
}

BOOST_AUTO_TEST_CASE(a_new_probe_needs_more) {
    const ImageProbe p;
    BOOST_TEST(p.state() == State::NeedMore);
    BOOST_TEST(p.format() == ImageFormat::Unknown);
}

BOOST_DATA_TEST_CASE(fed_whole, bdata::make(samples()), s) {
    const Outcome expected{State::Known, s.format, s.width, s.height};
    BOOST_TEST(probe(s.data) == expected);
}

BOOST_DATA_TEST_CASE(fed_one_byte_at_a_time, bdata::make(samples()), s) {
    const Outcome expected{State::Known, s.format, s.width, s.height};
    BOOST_TEST(probeByteByByte(s.data) == expected);
}

BOOST_DATA_TEST_CASE(split_at_every_offset, bdata::make(samples()), s) {
    const Outcome expected{State::Known, s.format, s.width, s.height};
    std::optional<std::size_t> firstBad;
    Outcome got{};
    for (std::size_t cut = 0; cut <= s.data.size() && !firstBad; ++cut) {
        got = probe(s.data, {cut});
        if (got != expected) firstBad = cut;
    }
    BOOST_TEST(!firstBad.has_value(), "split at " << firstBad.value_or(0) << ": " << got);
}

BOOST_DATA_TEST_CASE(known_exactly_when_the_header_is_complete, bdata::make(samples()), s) {
    ImageProbe p;
    p.feed(s.data.data(), s.headerEnd - 1);
    BOOST_TEST(p.state() == State::NeedMore);
    BOOST_TEST(p.format() == s.format);
    p.feed(s.data.data() + s.headerEnd - 1, 1);
    BOOST_TEST(p.state() == State::Known);
    BOOST_TEST(p.width() == s.width);
    BOOST_TEST(p.height() == s.height);
    // Further bytes, even garbage, and finish() change nothing.
    p.feed("garbage", 7);
    p.finish();
    BOOST_TEST(outcomeOf(p) == (Outcome{State::Known, s.format, s.width, s.height}));
}

BOOST_DATA_TEST_CASE(every_truncation_is_invalid_or_unsupported, bdata::make(samples()), s) {
    std::optional<std::size_t> firstBad;
    Outcome got{};
    for (std::size_t length = 0; length < s.headerEnd && !firstBad; ++length) {
        const Outcome expected = length < s.magicLength
                                     ? Outcome{State::Unsupported, ImageFormat::Unknown, 0, 0}
                                     : Outcome{State::Invalid, s.format, 0, 0};
        got = probe(std::string_view(s.data).substr(0, length));
        if (got != expected) firstBad = length;
    }
    BOOST_TEST(!firstBad.has_value(), "prefix of " << firstBad.value_or(0) << " bytes: " << got);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// ---- not an image we take -------------------------------------------------------------------

struct Foreign {
    std::string name;
    std::string data;
    std::size_t decidedAfter;  // bytes after which the probe knows; 0: only at finish()
};
std::ostream& operator<<(std::ostream& os, const Foreign& f) {
    return os << f.name << " '" << escaped(f.data.substr(0, 16)) << "'";
}

const std::vector<Foreign> kForeign = {
    {"empty", "", 0},
    {"SVG", R"(<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"/>)", 1},
    {"SVG with XML declaration", R"(<?xml version="1.0" encoding="UTF-8"?><svg/>)", 1},
    {"SVG after a UTF-8 BOM", "\xEF\xBB\xBF<svg/>", 1},
    {"HTML", "<!DOCTYPE html><html></html>", 1},
    {"text", "hello, world\n", 1},
    {"BMP", "BM" + le32(70) + std::string(64, '\0'), 1},
    {"TIFF little-endian", "II" + bytes({0x2A, 0}) + le32(8) + std::string(16, '\0'), 1},
    {"TIFF big-endian", "MM" + bytes({0, 0x2A}) + be32(8) + std::string(16, '\0'), 1},
    {"PDF", "%PDF-1.7\n", 1},
    {"ZIP", "PK" + bytes({3, 4}) + std::string(26, '\0'), 1},
    {"ICO", bytes({0, 0, 1, 0, 1, 0}) + std::string(16, '\0'), 1},
    {"HEIC (ftyp box)", be32(24) + "ftypheic" + std::string(12, '\0'), 1},
    {"one byte like JPEG", bytes({0xFF}), 0},
    {"JPEG SOI without a marker after it", bytes({0xFF, 0xD8, 0x00, 0x10}), 3},
    {"PNG signature with a wrong byte", bytes({0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x00}), 8},
    {"PNG signature cut short", bytes({0x89, 'P', 'N', 'G'}), 0},
    {"GIF88a", "GIF88a" + le16(10) + le16(10), 5},
    {"GIF", "GIF", 0},
    {"RIFF WAVE", "RIFF" + le32(36) + "WAVEfmt ", 10},
    {"RIFF AVI", "RIFF" + le32(36) + "AVI LIST", 9},
    {"RIFF cut short", "RIFF" + le32(36) + "WEB", 0},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(image_probe_unsupported)

BOOST_DATA_TEST_CASE(other_content_is_unsupported, bdata::make(kForeign), f) {
    BOOST_TEST(probe(f.data) == (Outcome{State::Unsupported, ImageFormat::Unknown, 0, 0}));
    BOOST_TEST(probeByteByByte(f.data) == (Outcome{State::Unsupported, ImageFormat::Unknown, 0, 0}));
}

BOOST_DATA_TEST_CASE(unsupported_is_known_from_the_first_bytes, bdata::make(kForeign), f) {
    BOOST_TEST(f.decidedAfter <= 12u);
    ImageProbe p;
    for (std::size_t i = 0; i < f.data.size(); ++i) {
        const State expected =
            f.decidedAfter != 0 && i >= f.decidedAfter ? State::Unsupported : State::NeedMore;
        BOOST_TEST(p.state() == expected, "after " << i << " bytes");
        p.feed(&f.data[i], 1);
    }
    const State atEnd =
        f.decidedAfter != 0 && f.data.size() >= f.decidedAfter ? State::Unsupported : State::NeedMore;
    BOOST_TEST(p.state() == atEnd);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// ---- recognised but malformed ---------------------------------------------------------------

struct Malformed {
    std::string name;
    std::string data;
    ImageFormat format;
};
std::ostream& operator<<(std::ostream& os, const Malformed& m) {
    return os << m.name;
}

const std::vector<Malformed> kMalformed = {
    {"JPEG segment length 0", kSoi + bytes({0xFF, 0xE0, 0, 0}) + sof(0xC0, 100, 100), ImageFormat::Jpeg},
    {"JPEG segment length 1", kSoi + app0Jfif() + bytes({0xFF, 0xE1, 0, 1}) + sof(0xC0, 100, 100),
     ImageFormat::Jpeg},
    {"JPEG SOF length 0", kSoi + bytes({0xFF, 0xC0, 0, 0, 8, 0, 100, 0, 100}), ImageFormat::Jpeg},
    {"JPEG SOF too short for its dimensions", kSoi + bytes({0xFF, 0xC0, 0, 7, 8, 0, 100, 0, 100}),
     ImageFormat::Jpeg},
    {"JPEG SOS before SOF", kSoi + app0Jfif() + dqt() + scanAndEnd(), ImageFormat::Jpeg},
    {"JPEG EOI before SOF", kSoi + app0Jfif() + kEoi + sof(0xC0, 100, 100), ImageFormat::Jpeg},
    {"JPEG second SOI", kSoi + kSoi + sof(0xC0, 100, 100), ImageFormat::Jpeg},
    {"JPEG stuffed zero as a marker", kSoi + bytes({0xFF, 0x00}) + sof(0xC0, 100, 100), ImageFormat::Jpeg},
    {"JPEG garbage where a marker belongs", kSoi + app0Jfif() + "xx" + sof(0xC0, 100, 100),
     ImageFormat::Jpeg},
    {"JPEG segment length past its real end", kSoi + bytes({0xFF, 0xE0, 0x00, 0x04}) + sof(0xC0, 100, 100),
     ImageFormat::Jpeg},
    {"JPEG zero height (DNL)", kSoi + sof(0xC0, 100, 0) + scanAndEnd(), ImageFormat::Jpeg},
    {"JPEG zero width", kSoi + sof(0xC2, 0, 100) + scanAndEnd(), ImageFormat::Jpeg},
    {"PNG first chunk not IHDR", kPngSignature + pngChunk("gAMA", be32(45455)) + png(100, 100).substr(8),
     ImageFormat::Png},
    {"PNG IHDR of length 12", kPngSignature + pngChunk("IHDR", be32(100) + be32(100) + bytes({8, 6, 0, 0})),
     ImageFormat::Png},
    {"PNG zero width", png(0, 100), ImageFormat::Png},
    {"PNG zero height", png(100, 0), ImageFormat::Png},
    {"PNG width of 2^31", png(0x80000000, 100), ImageFormat::Png},
    {"PNG height of 2^32 - 1", png(100, 0xFFFFFFFF), ImageFormat::Png},
    {"GIF zero width", gif("GIF89a", 0, 10), ImageFormat::Gif},
    {"GIF zero height", gif("GIF87a", 10, 0), ImageFormat::Gif},
    {"WebP first chunk ALPH", riffWebp(webpChunk("ALPH", "xxxxxxxxxx") + webpChunk("VP8 ", vp8Data(10, 10))),
     ImageFormat::Webp},
    {"WebP lower-case vp8", riffWebp(webpChunk("vp8 ", vp8Data(100, 100))), ImageFormat::Webp},
    {"WebP VP8 chunk shorter than its header", riffWebp(webpChunk("VP8 ", vp8Data(100, 100).substr(0, 9))),
     ImageFormat::Webp},
    {"WebP VP8 wrong start code",
     riffWebp(webpChunk("VP8 ", bytes({0x30, 1, 0, 0x9D, 0x01, 0x2B}) + le16(100) + le16(100))),
     ImageFormat::Webp},
    {"WebP VP8 not a key frame", riffWebp(webpChunk("VP8 ", vp8Data(100, 100, 0, 0x31))), ImageFormat::Webp},
    {"WebP VP8 zero width", riffWebp(webpChunk("VP8 ", vp8Data(0, 100))), ImageFormat::Webp},
    {"WebP VP8 zero height behind scale bits", riffWebp(webpChunk("VP8 ", vp8Data(100, 0, 2))),
     ImageFormat::Webp},
    {"WebP VP8L wrong signature", riffWebp(webpChunk("VP8L", bytes({0x2E}) + le32(0) + "xxxx")),
     ImageFormat::Webp},
    {"WebP VP8L version 1", riffWebp(webpChunk("VP8L", vp8lData(100, 100, 1))), ImageFormat::Webp},
    {"WebP VP8L chunk of 4 bytes", riffWebp(webpChunk("VP8L", vp8lData(100, 100).substr(0, 4))),
     ImageFormat::Webp},
    {"WebP VP8X chunk of 9 bytes", riffWebp(webpChunk("VP8X", vp8xData(100, 100).substr(0, 9))),
     ImageFormat::Webp},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(image_probe_malformed)

BOOST_DATA_TEST_CASE(malformed_headers_are_invalid, bdata::make(kMalformed), m) {
    BOOST_TEST(probe(m.data) == (Outcome{State::Invalid, m.format, 0, 0}));
    BOOST_TEST(probeByteByByte(m.data) == (Outcome{State::Invalid, m.format, 0, 0}));
}

BOOST_AUTO_TEST_CASE(malformed_is_known_without_waiting_for_the_end) {
    ImageProbe p;
    const std::string data = kSoi + bytes({0xFF, 0xE1, 0, 1});
    p.feed(data.data(), data.size());
    BOOST_TEST(p.state() == State::Invalid);
    BOOST_TEST(p.format() == ImageFormat::Jpeg);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// ---- pixel floods and limits ----------------------------------------------------------------

struct Flood {
    std::string name;
    std::string data;
    std::uint32_t width;
    std::uint32_t height;
    std::string reason;
};
std::ostream& operator<<(std::ostream& os, const Flood& f) {
    return os << f.name;
}

const std::string kWidthRange = "width must be between 16 and 16384 px";
const std::string kHeightRange = "height must be between 16 and 16384 px";
const std::string kTooManyPixels = "image has more than 100,000,000 pixels";

const std::vector<Flood> kFloods = {
    {"JPEG 65535 x 65535", kSoi + sof(0xC0, 65535, 65535) + scanAndEnd(), 65535, 65535, kWidthRange},
    {"JPEG 16384 x 16384 progressive", kSoi + app0Jfif() + sof(0xC2, 16384, 16384), 16384, 16384,
     kTooManyPixels},
    {"PNG 16384 x 16384", png(16384, 16384), 16384, 16384, kTooManyPixels},
    {"PNG 1 x 2^31-1", png(1, 0x7FFFFFFF), 1, 0x7FFFFFFF, kWidthRange},
    {"PNG 16 x 2^31-1", png(16, 0x7FFFFFFF), 16, 0x7FFFFFFF, kHeightRange},
    {"GIF 65535 x 65535", gif("GIF89a", 65535, 65535), 65535, 65535, kWidthRange},
    {"WebP VP8X 2^24 x 2^24", riffWebp(webpChunk("VP8X", vp8xData(1u << 24, 1u << 24))), 1u << 24, 1u << 24,
     kWidthRange},
    {"WebP VP8L 16384 x 16384", riffWebp(webpChunk("VP8L", vp8lData(16384, 16384))), 16384, 16384,
     kTooManyPixels},
    {"JPEG 15 x 15", kSoi + sof(0xC0, 15, 15), 15, 15, kWidthRange},
    {"JPEG 16 x 15", kSoi + sof(0xC0, 16, 15), 16, 15, kHeightRange},
    {"JPEG 16 x 16", kSoi + sof(0xC0, 16, 16), 16, 16, ""},
    {"PNG 16384 x 6103 (just under 100M pixels)", png(16384, 6103), 16384, 6103, ""},
    {"PNG 16384 x 6104 (just over 100M pixels)", png(16384, 6104), 16384, 6104, kTooManyPixels},
    {"GIF 16385 x 16", gif("GIF89a", 16385, 16), 16385, 16, kWidthRange},
    {"WebP VP8 16383 x 16", riffWebp(webpChunk("VP8 ", vp8Data(16383, 16))), 16383, 16, ""},
};

struct Dimensions {
    std::uint32_t width;
    std::uint32_t height;
    std::string reason;
};
std::ostream& operator<<(std::ostream& os, const Dimensions& d) {
    return os << d.width << "x" << d.height << " -> '" << d.reason << "'";
}

const std::vector<Dimensions> kDimensions = {
    {16, 16, ""},
    {16384, 16, ""},
    {16, 16384, ""},
    {10000, 10000, ""},  // exactly 100,000,000
    {16384, 6103, ""},
    {15, 100, kWidthRange},
    {0, 0, kWidthRange},
    {16385, 100, kWidthRange},
    {100, 15, kHeightRange},
    {100, 16385, kHeightRange},
    {100, 0, kHeightRange},
    {10000, 10001, kTooManyPixels},
    {16384, 16384, kTooManyPixels},
    {0xFFFFFFFF, 0xFFFFFFFF, kWidthRange},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(image_probe_limits)

BOOST_DATA_TEST_CASE(huge_dimensions_are_read_then_rejected_by_the_limits, bdata::make(kFloods), f) {
    const Outcome got = probe(f.data);
    BOOST_TEST(got.state == State::Known);
    BOOST_TEST(got.width == f.width);
    BOOST_TEST(got.height == f.height);
    BOOST_TEST(checkImageDimensions(got.width, got.height) == f.reason);
}

BOOST_DATA_TEST_CASE(dimension_limits, bdata::make(kDimensions), d) {
    BOOST_TEST(checkImageDimensions(d.width, d.height) == d.reason);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- streaming ------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(image_probe_streaming)

BOOST_AUTO_TEST_CASE(gigantic_segments_are_skipped_in_constant_memory) {
    // 1000 maximal APP1 segments (64 MiB in all) fed as they would arrive from a socket.
    const std::string app1 = bytes({0xFF, 0xE1, 0xFF, 0xFF}) + std::string(65533, '\xFF');
    ImageProbe p;
    p.feed(kSoi.data(), kSoi.size());
    for (int i = 0; i < 1000; ++i) {
        p.feed(app1.data(), 5000);
        p.feed(app1.data() + 5000, app1.size() - 5000);
    }
    BOOST_TEST(p.state() == State::NeedMore);
    const std::string frame = sof(0xC0, 2048, 1536);
    p.feed(frame.data(), frame.size());
    BOOST_TEST(outcomeOf(p) == (Outcome{State::Known, ImageFormat::Jpeg, 2048, 1536}));
}

BOOST_AUTO_TEST_CASE(empty_chunks_change_nothing) {
    const std::string data = png(20, 30);
    ImageProbe p;
    p.feed(data.data(), 0);
    p.feed(nullptr, 0);
    p.feed(data.data(), 10);
    p.feed(data.data() + 10, 0);
    p.feed(data.data() + 10, data.size() - 10);
    p.finish();
    BOOST_TEST(outcomeOf(p) == (Outcome{State::Known, ImageFormat::Png, 20, 30}));
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------------------------------ is a JPEG file whole?

BOOST_AUTO_TEST_SUITE(jpeg_end_of_image)

std::string segment(unsigned char marker, const std::string& payload) {
    const std::size_t length = payload.size() + 2;
    return std::string{'\xFF', static_cast<char>(marker), static_cast<char>(length >> 8),
                       static_cast<char>(length & 0xFF)} +
           payload;
}

// SOI, an EXIF APP1 holding a whole thumbnail JPEG (its own SOI … EOI), tables whose bytes
// include FF D9, a frame, then two scans (progressive) whose entropy-coded data has stuffed FFs,
// fill bytes and restart markers, then EOI.
std::string wholeJpeg() {
    const std::string thumbnail("\xFF\xD8\xFF\xDB\x00\x04\x01\x02\xFF\xD9", 10);
    std::string j = "\xFF\xD8";
    j += segment(0xE1, "Exif" + std::string(2, '\0') + thumbnail);
    j += segment(0xDB, std::string("\x00\xFF\xD9\x10", 4) + std::string(60, '\x20'));
    j += segment(0xC2, std::string("\x08\x00\x10\x00\x10\x01\x01\x11\x00", 9));
    j += segment(0xC4, std::string("\x00\xFF\xD9", 3) + std::string(16, '\x01'));
    j += segment(0xDA, std::string("\x01\x01\x00\x00\x3F\x00", 6));
    j += std::string("\x12\xFF\x00\x34\xFF\xD0\x56\xFF\xFF\xD1\x78", 11);
    j += "\xFF\xFF";  // fill bytes before the next marker
    j += segment(0xC4, std::string(17, '\x02'));
    j += segment(0xDA, std::string("\x01\x01\x00\x00\x3F\x00", 6));
    j += std::string("\x9A\xFF\x00\xBC", 4);
    j += "\xFF\xD9";
    BOOST_REQUIRE(j.find(thumbnail) != std::string::npos);
    return j;
}

BOOST_AUTO_TEST_CASE(a_whole_file_and_one_with_bytes_after_its_end) {
    BOOST_TEST(jpegEndsWithEndOfImage(wholeJpeg()));
    BOOST_TEST(jpegEndsWithEndOfImage(wholeJpeg() + std::string(1000, 'x')));
    BOOST_TEST(jpegEndsWithEndOfImage(wholeJpeg() + "\xFF\xD8\x00"));
}

BOOST_AUTO_TEST_CASE(every_file_cut_short_is_not_whole) {
    const std::string whole = wholeJpeg();
    for (std::size_t size = 0; size < whole.size(); ++size)
        BOOST_TEST(!jpegEndsWithEndOfImage(std::string_view(whole).substr(0, size)), "cut at " << size);
}

BOOST_AUTO_TEST_CASE(not_a_jpeg_or_a_broken_structure_is_not_whole) {
    BOOST_TEST(!jpegEndsWithEndOfImage("\x89PNG\r\n\x1A\n\xFF\xD9"));
    BOOST_TEST(!jpegEndsWithEndOfImage(std::string("\xFF\xD8\x00\x00\xFF\xD9", 6)));    // no marker where one must be
    BOOST_TEST(!jpegEndsWithEndOfImage(std::string("\xFF\xD8\xFF\xE0\x00\x01\xFF\xD9", 8)));  // length < 2
    BOOST_TEST(!jpegEndsWithEndOfImage(std::string("\xFF\xD8\xFF\xD8\xFF\xD9", 6)));    // a second SOI
    BOOST_TEST(jpegEndsWithEndOfImage(std::string("\xFF\xD8\xFF\xD9", 4)));
}

BOOST_AUTO_TEST_SUITE_END()
