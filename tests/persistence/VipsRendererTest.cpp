// VipsRenderer against images that libvips itself writes into a temporary directory: sizes,
// format, orientation, colour, alpha, animation, broken input and concurrent use. No database.

#include <stdlib.h>
#include <vips/vips.h>

#include <array>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "Fixtures.hpp"
#include "persistence/VipsRenderer.hpp"

using namespace mofang;
using domain::RenditionKind;

namespace {

using Rgb = std::array<double, 3>;
constexpr Rgb kRed = {255, 0, 0};
constexpr Rgb kBlue = {0, 0, 255};

struct GObjectUnref {
    void operator()(gpointer object) const {
        if (object) g_object_unref(object);
    }
};
using Image = std::unique_ptr<VipsImage, GObjectUnref>;

struct GFree {
    void operator()(gpointer memory) const { g_free(memory); }
};

std::string vipsError() {
    std::unique_ptr<char, GFree> text(vips_error_buffer_copy());
    return text ? text.get() : "";
}

// Takes the output of a libvips call that returned `rc` (read after the call: argument order is
// unspecified); throws with libvips' reason when the call failed.
Image take(int rc, VipsImage** out) {
    if (rc != 0 || !*out) throw std::runtime_error("libvips: " + vipsError());
    return Image(*out);
}

// The same for calls that return the image.
Image take(VipsImage* image) {
    return take(0, &image);
}

void check(int rc) {
    if (rc != 0) throw std::runtime_error("libvips: " + vipsError());
}

// A w×h image of one colour, `bands` uchar bands (3: sRGB, 4: sRGB with alpha `alpha`).
Image solid(int width, int height, Rgb rgb, int bands = 3, double alpha = 255) {
    VipsImage* black = nullptr;
    Image base = take(vips_black(&black, width, height, "bands", bands, nullptr), &black);
    std::array<double, 4> a = {1, 1, 1, 1};
    std::array<double, 4> b = {rgb[0], rgb[1], rgb[2], alpha};
    VipsImage* lit = nullptr;
    Image coloured = take(vips_linear(base.get(), &lit, a.data(), b.data(), bands, nullptr), &lit);
    VipsImage* uchar = nullptr;
    Image bytes = take(vips_cast_uchar(coloured.get(), &uchar, nullptr), &uchar);
    VipsImage* out = nullptr;
    return take(vips_copy(bytes.get(), &out, "interpretation", VIPS_INTERPRETATION_sRGB, nullptr), &out);
}

Image cast(const Image& in, VipsBandFormat format) {
    VipsImage* out = nullptr;
    return take(vips_cast(in.get(), &out, format, nullptr), &out);
}

// Gaussian noise around mid-grey: big files whose every part carries data.
Image noise(int width, int height) {
    VipsImage* grey = nullptr;
    Image one = take(vips_gaussnoise(&grey, width, height, "mean", 128.0, "sigma", 40.0, nullptr), &grey);
    VipsImage* joined = nullptr;
    std::array<VipsImage*, 3> bands = {one.get(), one.get(), one.get()};
    Image rgb = take(vips_bandjoin(bands.data(), &joined, 3, nullptr), &joined);
    VipsImage* out = nullptr;
    Image uchar = take(vips_cast_uchar(rgb.get(), &out, nullptr), &out);
    VipsImage* typed = nullptr;
    return take(vips_copy(uchar.get(), &typed, "interpretation", VIPS_INTERPRETATION_sRGB, nullptr), &typed);
}

Image join(const Image& a, const Image& b, VipsDirection direction) {
    VipsImage* out = nullptr;
    return take(vips_join(a.get(), b.get(), &out, direction, nullptr), &out);
}

// The rendition's bytes decoded again (the string must outlive the image).
Image decode(const std::string& bytes) {
    return take(vips_image_new_from_buffer(bytes.data(), bytes.size(), "", nullptr));
}

Rgb pixel(const Image& image, int x, int y) {
    double* values = nullptr;
    int n = 0;
    check(vips_getpoint(image.get(), &values, &n, x, y, nullptr));
    std::unique_ptr<double, GFree> owned(values);
    BOOST_REQUIRE_GE(n, 3);
    return {values[0], values[1], values[2]};
}

void checkColour(const Rgb& actual, const Rgb& expected, double tolerance) {
    for (int i = 0; i < 3; ++i)
        BOOST_CHECK_MESSAGE(std::abs(actual[i] - expected[i]) <= tolerance,
                            "band " << i << ": " << actual[i] << " vs " << expected[i] << " (±" << tolerance
                                    << "), pixel " << actual[0] << "," << actual[1] << "," << actual[2]);
}

// The checks that every rendition passes: a baseline JPEG with no metadata, 3-band sRGB uchar,
// of the size it claims.
Image checkJpeg(const domain::Rendition& r) {
    BOOST_REQUIRE_GE(r.bytes.size(), 4u);
    BOOST_CHECK_EQUAL(static_cast<unsigned char>(r.bytes[0]), 0xFF);
    BOOST_CHECK_EQUAL(static_cast<unsigned char>(r.bytes[1]), 0xD8);
    Image image = decode(r.bytes);
    for (const char* name :
         {VIPS_META_EXIF_NAME, VIPS_META_XMP_NAME, VIPS_META_ICC_NAME, VIPS_META_IPTC_NAME})
        BOOST_CHECK_MESSAGE(!vips_image_get_typeof(image.get(), name), name << " was not stripped");
    int multiscan = 0;
    BOOST_CHECK(vips_image_get_int(image.get(), "jpeg-multiscan", &multiscan) == 0 && multiscan == 0);
    BOOST_CHECK_EQUAL(std::string(vips_foreign_find_load_buffer(r.bytes.data(), r.bytes.size())),
                      "VipsForeignLoadJpegBuffer");
    BOOST_CHECK_EQUAL(image->Xsize, r.width);
    BOOST_CHECK_EQUAL(image->Ysize, r.height);
    BOOST_CHECK_EQUAL(image->Bands, 3);
    BOOST_CHECK_EQUAL(image->BandFmt, VIPS_FORMAT_UCHAR);
    BOOST_CHECK_EQUAL(image->Type, VIPS_INTERPRETATION_sRGB);
    return image;
}

// `jpeg` with an ICC_PROFILE APP2 segment holding `profile` right after its SOI marker.
std::string withIccSegment(const std::string& jpeg, const std::string& profile) {
    std::string payload = std::string("ICC_PROFILE", 12) + '\x01' + '\x01' + profile;
    const std::size_t length = payload.size() + 2;
    BOOST_REQUIRE_LT(length, 65536u);
    std::string segment = "\xFF\xE2";
    segment += static_cast<char>(length >> 8);
    segment += static_cast<char>(length & 0xff);
    return jpeg.substr(0, 2) + segment + payload + jpeg.substr(2);
}

// libvips' built-in sRGB profile, as the bytes of an ICC file.
std::string srgbProfile() {
    VipsImage* tagged = nullptr;
    const Image image =
        take(vips_icc_transform(solid(8, 8, kBlue).get(), &tagged, "srgb", "input_profile", "srgb", nullptr),
             &tagged);
    const void* data = nullptr;
    std::size_t length = 0;
    check(vips_image_get_blob(image.get(), VIPS_META_ICC_NAME, &data, &length));
    return {static_cast<const char*>(data), length};
}

struct TempDir {
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "mofang-vips-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string file(const std::string& name) const { return (path / name).string(); }

    std::filesystem::path path;
};

// Each test: a renderer (which also initialises libvips for the fixture code) and a directory.
struct RendererFixture {
    persistence::VipsRenderer renderer;
    TempDir dir;

    std::string jpeg(const std::string& name, const Image& image, int quality = 90) {
        const std::string path = dir.file(name);
        check(vips_jpegsave(image.get(), path.c_str(), "Q", quality, nullptr));
        return path;
    }
    std::string png(const std::string& name, const Image& image) {
        const std::string path = dir.file(name);
        check(vips_pngsave(image.get(), path.c_str(), nullptr));
        return path;
    }
    std::string bytes(const std::string& name, const std::string& content) {
        const std::string path = dir.file(name);
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }
    std::string read(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    void checkUndecodable(const std::string& path) {
        for (RenditionKind kind : {RenditionKind::Thumbnail, RenditionKind::Preview}) {
            auto error = test::catchDomainError([&] { renderer.render(path, kind); });
            BOOST_REQUIRE(error);
            BOOST_CHECK_EQUAL(error->kind(), domain::ErrorKind::UnsupportedMediaType);
            BOOST_CHECK_EQUAL(error->code(), "undecodable_image");
            BOOST_CHECK_MESSAGE(std::string(error->what()).find(path) == std::string::npos,
                                "the message names a server path: " << error->what());
        }
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(VipsRendererTest, RendererFixture)

BOOST_AUTO_TEST_CASE(large_jpeg_shrinks_to_both_long_sides) {
    const std::string path = jpeg("large.jpg", solid(4000, 3000, kRed));

    const auto thumbnail = renderer.render(path, RenditionKind::Thumbnail);
    BOOST_CHECK_EQUAL(thumbnail.width, 320);
    BOOST_CHECK_EQUAL(thumbnail.height, 240);
    checkColour(pixel(checkJpeg(thumbnail), 160, 120), kRed, 8);

    const auto preview = renderer.render(path, RenditionKind::Preview);
    BOOST_CHECK_EQUAL(preview.width, 1600);
    BOOST_CHECK_EQUAL(preview.height, 1200);
    checkColour(pixel(checkJpeg(preview), 800, 600), kRed, 8);
}

BOOST_AUTO_TEST_CASE(portrait_is_bounded_by_its_height) {
    const std::string path = png("portrait.png", solid(900, 3600, kBlue));
    const auto preview = renderer.render(path, RenditionKind::Preview);
    BOOST_CHECK_EQUAL(preview.width, 400);
    BOOST_CHECK_EQUAL(preview.height, 1600);
    const auto thumbnail = renderer.render(path, RenditionKind::Thumbnail);
    BOOST_CHECK_EQUAL(thumbnail.width, 80);
    BOOST_CHECK_EQUAL(thumbnail.height, 320);
    checkJpeg(thumbnail);
}

BOOST_AUTO_TEST_CASE(small_png_is_never_enlarged_but_becomes_jpeg) {
    const std::string path = png("small.png", solid(100, 80, kBlue));
    for (RenditionKind kind : {RenditionKind::Thumbnail, RenditionKind::Preview}) {
        const auto r = renderer.render(path, kind);
        BOOST_CHECK_EQUAL(r.width, 100);
        BOOST_CHECK_EQUAL(r.height, 80);
        checkColour(pixel(checkJpeg(r), 50, 40), kBlue, 8);
    }
}

BOOST_AUTO_TEST_CASE(progressive_jpeg_and_interlaced_png_render) {
    // Both decoders hold the whole image; above 4 Mpx such renders take turns.
    const std::string progressive = dir.file("progressive.jpg");
    check(vips_jpegsave(solid(2400, 1800, kRed).get(), progressive.c_str(), "interlace", TRUE, nullptr));
    const std::string interlaced = dir.file("interlaced.png");
    check(vips_pngsave(solid(2400, 1800, kBlue).get(), interlaced.c_str(), "interlace", TRUE, nullptr));
    for (const auto& [path, colour] : {std::pair{progressive, kRed}, std::pair{interlaced, kBlue}}) {
        BOOST_TEST_CONTEXT(path) {
            const auto r = renderer.render(path, RenditionKind::Preview);
            BOOST_CHECK_EQUAL(r.width, 1600);
            BOOST_CHECK_EQUAL(r.height, 1200);
            checkColour(pixel(checkJpeg(r), 800, 600), colour, 8);
        }
    }
}

BOOST_AUTO_TEST_CASE(transparent_png_is_flattened_onto_white) {
    // Left: fully transparent black; right: opaque red; below: red at half alpha.
    const Image top =
        join(solid(200, 100, {0, 0, 0}, 4, 0), solid(200, 100, kRed, 4, 255), VIPS_DIRECTION_HORIZONTAL);
    const Image image = join(top, solid(400, 100, kRed, 4, 128), VIPS_DIRECTION_VERTICAL);
    const std::string path = png("alpha.png", image);

    const auto preview = renderer.render(path, RenditionKind::Preview);
    BOOST_CHECK_EQUAL(preview.width, 400);
    BOOST_CHECK_EQUAL(preview.height, 200);
    const Image decoded = checkJpeg(preview);
    checkColour(pixel(decoded, 50, 50), {255, 255, 255}, 4);
    checkColour(pixel(decoded, 350, 50), kRed, 8);
    checkColour(pixel(decoded, 200, 150), {255, 127, 127}, 8);

    // Shrunk as well (premultiplied in vips_thumbnail, then flattened).
    const auto thumbnail = renderer.render(
        png("alpha-large.png", join(solid(1000, 1000, {0, 0, 0}, 4, 0), solid(1000, 1000, kRed, 4, 255),
                                    VIPS_DIRECTION_HORIZONTAL)),
        RenditionKind::Thumbnail);
    BOOST_CHECK_EQUAL(thumbnail.width, 320);
    BOOST_CHECK_EQUAL(thumbnail.height, 160);
    const Image small = checkJpeg(thumbnail);
    checkColour(pixel(small, 40, 80), {255, 255, 255}, 4);
    checkColour(pixel(small, 280, 80), kRed, 8);
}

BOOST_AUTO_TEST_CASE(sixteen_bit_png_becomes_eight_bit) {
    // 0..255 scaled to 0..65535.
    std::array<double, 3> a = {257, 257, 257};
    std::array<double, 3> b = {0, 0, 0};
    VipsImage* scaled = nullptr;
    const Image full =
        take(vips_linear(solid(2000, 1000, kRed).get(), &scaled, a.data(), b.data(), 3, nullptr), &scaled);
    VipsImage* typed = nullptr;
    const Image rgb16 = take(vips_copy(cast(full, VIPS_FORMAT_USHORT).get(), &typed, "interpretation",
                                       VIPS_INTERPRETATION_RGB16, nullptr),
                             &typed);
    const std::string path = png("deep.png", rgb16);
    const Image loaded = take(vips_image_new_from_file(path.c_str(), nullptr));
    BOOST_REQUIRE_EQUAL(loaded->BandFmt, VIPS_FORMAT_USHORT);

    const auto preview = renderer.render(path, RenditionKind::Preview);
    BOOST_CHECK_EQUAL(preview.width, 1600);
    BOOST_CHECK_EQUAL(preview.height, 800);
    checkColour(pixel(checkJpeg(preview), 800, 400), kRed, 8);
}

BOOST_AUTO_TEST_CASE(grey_png_becomes_three_band_srgb) {
    VipsImage* grey = nullptr;
    const Image image =
        take(vips_extract_band(solid(300, 200, {90, 90, 90}).get(), &grey, 0, nullptr), &grey);
    VipsImage* typed = nullptr;
    const Image bw =
        take(vips_copy(image.get(), &typed, "interpretation", VIPS_INTERPRETATION_B_W, nullptr), &typed);
    const auto r = renderer.render(png("grey.png", bw), RenditionKind::Thumbnail);
    BOOST_CHECK_EQUAL(r.width, 300);
    checkColour(pixel(checkJpeg(r), 150, 100), {90, 90, 90}, 6);
}

BOOST_AUTO_TEST_CASE(cmyk_jpeg_becomes_srgb_with_and_without_its_profile) {
    VipsImage* converted = nullptr;
    const Image cmyk =
        take(vips_colourspace(solid(800, 600, kRed).get(), &converted, VIPS_INTERPRETATION_CMYK, nullptr),
             &converted);
    BOOST_REQUIRE_EQUAL(cmyk->Bands, 4);
    const std::string withProfile = jpeg("cmyk-profile.jpg", cmyk);

    VipsImage* copied = nullptr;
    const Image bare = take(vips_copy(cmyk.get(), &copied, nullptr), &copied);
    vips_image_remove(bare.get(), VIPS_META_ICC_NAME);
    const std::string withoutProfile = jpeg("cmyk-bare.jpg", bare);

    for (const std::string& path : {withProfile, withoutProfile}) {
        BOOST_TEST_CONTEXT(path) {
            const Image loaded = take(vips_image_new_from_file(path.c_str(), nullptr));
            BOOST_REQUIRE_EQUAL(loaded->Type, VIPS_INTERPRETATION_CMYK);
            BOOST_CHECK_EQUAL(vips_image_get_typeof(loaded.get(), VIPS_META_ICC_NAME) != 0,
                              path == withProfile);

            const auto r = renderer.render(path, RenditionKind::Thumbnail);
            BOOST_CHECK_EQUAL(r.width, 320);
            BOOST_CHECK_EQUAL(r.height, 240);
            // A round trip through a CMYK press profile loses saturation: red stays clearly red.
            const Rgb p = pixel(checkJpeg(r), 160, 120);
            BOOST_TEST_MESSAGE("CMYK red rendered as " << p[0] << "," << p[1] << "," << p[2]);
            BOOST_CHECK_GE(p[0], 200);
            BOOST_CHECK_LE(p[1], 60);
            BOOST_CHECK_LE(p[2], 60);
        }
    }
}

BOOST_AUTO_TEST_CASE(embedded_rgb_profile_is_converted_to_srgb) {
    // sRGB red in Display P3 numbers is about (234, 51, 34): shown without its profile it would be
    // a duller red, converted back it is (255, 0, 0) again.
    VipsImage* transformed = nullptr;
    const Image p3 = take(vips_icc_transform(solid(1000, 500, kRed).get(), &transformed, "p3",
                                             "input_profile", "srgb", nullptr),
                          &transformed);
    BOOST_REQUIRE(vips_image_get_typeof(p3.get(), VIPS_META_ICC_NAME));
    BOOST_REQUIRE_GE(pixel(p3, 0, 0)[1], 40);
    for (const std::string& path : {jpeg("p3.jpg", p3), png("p3.png", p3)}) {
        BOOST_TEST_CONTEXT(path) {
            const auto r = renderer.render(path, RenditionKind::Thumbnail);
            checkColour(pixel(checkJpeg(r), 160, 80), kRed, 10);
        }
    }
}

BOOST_AUTO_TEST_CASE(broken_embedded_profile_falls_back) {
    // libvips will not write a profile that does not fit, so the APP2 segment is spliced in by hand:
    // garbage on an RGB and on a CMYK image, and an RGB profile on a grey one.
    const std::string rgb = read(jpeg("blue.jpg", solid(600, 400, kBlue)));
    const std::string junk = bytes("junk-profile.jpg", withIccSegment(rgb, std::string(2000, '\x42')));
    BOOST_REQUIRE(vips_image_get_typeof(take(vips_image_new_from_file(junk.c_str(), nullptr)).get(),
                                        VIPS_META_ICC_NAME));
    const auto r = renderer.render(junk, RenditionKind::Thumbnail);
    checkColour(pixel(checkJpeg(r), 160, 100), kBlue, 10);

    VipsImage* converted = nullptr;
    VipsImage* copied = nullptr;
    const Image cmyk =
        take(vips_colourspace(solid(600, 400, kRed).get(), &converted, VIPS_INTERPRETATION_CMYK, nullptr),
             &converted);
    const Image bare = take(vips_copy(cmyk.get(), &copied, nullptr), &copied);
    vips_image_remove(bare.get(), VIPS_META_ICC_NAME);
    const std::string junkCmyk =
        bytes("junk-cmyk.jpg", withIccSegment(read(jpeg("cmyk.jpg", bare)), std::string(2000, '\x42')));
    const Rgb p = pixel(checkJpeg(renderer.render(junkCmyk, RenditionKind::Thumbnail)), 160, 100);
    BOOST_CHECK_GE(p[0], 200);
    BOOST_CHECK_LE(p[1], 60);
    BOOST_CHECK_LE(p[2], 60);

    VipsImage* band = nullptr;
    const Image grey = take(vips_extract_band(solid(600, 400, {90, 90, 90}).get(), &band, 0, nullptr), &band);
    VipsImage* typed = nullptr;
    const Image bw =
        take(vips_copy(grey.get(), &typed, "interpretation", VIPS_INTERPRETATION_B_W, nullptr), &typed);
    const std::string path =
        bytes("grey-rgb-profile.jpg", withIccSegment(read(jpeg("grey.jpg", bw)), srgbProfile()));
    const Image header = take(vips_image_new_from_file(path.c_str(), nullptr));
    BOOST_REQUIRE(vips_image_get_typeof(header.get(), VIPS_META_ICC_NAME));
    BOOST_REQUIRE_EQUAL(header->Bands, 1);
    const auto g = renderer.render(path, RenditionKind::Thumbnail);
    checkColour(pixel(checkJpeg(g), 160, 100), {90, 90, 90}, 6);
}

BOOST_AUTO_TEST_CASE(exif_orientation_is_applied) {
    // Stored 400×200, red on the left; orientation 6 means "rotate 90° clockwise to view", so
    // the viewer sees 200×400 with red on top.
    VipsImage* copied = nullptr;
    const Image image =
        take(vips_copy(join(solid(200, 200, kRed), solid(200, 200, kBlue), VIPS_DIRECTION_HORIZONTAL).get(),
                       &copied, nullptr),
             &copied);
    vips_image_set_int(image.get(), VIPS_META_ORIENTATION, 6);
    const std::string path = jpeg("rotated.jpg", image);

    const auto preview = renderer.render(path, RenditionKind::Preview);
    BOOST_CHECK_EQUAL(preview.width, 200);
    BOOST_CHECK_EQUAL(preview.height, 400);
    const Image decoded = checkJpeg(preview);
    checkColour(pixel(decoded, 100, 50), kRed, 10);
    checkColour(pixel(decoded, 100, 350), kBlue, 10);
    // The tag is gone with the rest of the metadata, so viewers do not rotate a second time.
    BOOST_CHECK(!vips_image_get_typeof(decoded.get(), VIPS_META_ORIENTATION) ||
                vips_image_get_orientation(decoded.get()) == 1);

    const auto thumbnail = renderer.render(path, RenditionKind::Thumbnail);
    BOOST_CHECK_EQUAL(thumbnail.width, 160);
    BOOST_CHECK_EQUAL(thumbnail.height, 320);
}

BOOST_AUTO_TEST_CASE(animated_gif_shows_its_first_frame) {
    VipsImage* copied = nullptr;
    const Image frames =
        take(vips_copy(join(solid(600, 400, kRed), solid(600, 400, kBlue), VIPS_DIRECTION_VERTICAL).get(),
                       &copied, nullptr),
             &copied);
    vips_image_set_int(frames.get(), VIPS_META_PAGE_HEIGHT, 400);
    const std::string path = dir.file("animated.gif");
    check(vips_gifsave(frames.get(), path.c_str(), nullptr));
    const Image loaded = take(vips_image_new_from_file(path.c_str(), "n", -1, nullptr));
    BOOST_REQUIRE_EQUAL(vips_image_get_n_pages(loaded.get()), 2);

    const auto thumbnail = renderer.render(path, RenditionKind::Thumbnail);
    BOOST_CHECK_EQUAL(thumbnail.width, 320);
    BOOST_CHECK_EQUAL(thumbnail.height, 213);
    const Image decoded = checkJpeg(thumbnail);
    checkColour(pixel(decoded, 160, 20), kRed, 16);
    checkColour(pixel(decoded, 160, 200), kRed, 16);

    const auto preview = renderer.render(path, RenditionKind::Preview);
    BOOST_CHECK_EQUAL(preview.width, 600);
    BOOST_CHECK_EQUAL(preview.height, 400);
}

BOOST_AUTO_TEST_CASE(webp_shrinks) {
    const std::string path = dir.file("photo.webp");
    check(vips_webpsave(solid(3200, 1600, kBlue).get(), path.c_str(), nullptr));
    const auto preview = renderer.render(path, RenditionKind::Preview);
    BOOST_CHECK_EQUAL(preview.width, 1600);
    BOOST_CHECK_EQUAL(preview.height, 800);
    checkColour(pixel(checkJpeg(preview), 800, 400), kBlue, 10);
    const auto thumbnail = renderer.render(path, RenditionKind::Thumbnail);
    BOOST_CHECK_EQUAL(thumbnail.width, 320);
    BOOST_CHECK_EQUAL(thumbnail.height, 160);
}

BOOST_AUTO_TEST_CASE(truncated_jpeg_is_undecodable) {
    const std::string full = read(jpeg("whole.jpg", noise(2000, 1500), 90));
    BOOST_REQUIRE_GT(full.size(), 100'000u);
    checkUndecodable(bytes("half.jpg", full.substr(0, full.size() / 2)));
    // libjpeg reports a missing end-of-image marker as "premature end" as well: such a file is
    // refused too, while bytes after the marker (common from some cameras and editors) are fine.
    checkUndecodable(bytes("no-eoi.jpg", full.substr(0, full.size() - 2)));
    const auto r =
        renderer.render(bytes("trailer.jpg", full + std::string(1000, 'x')), RenditionKind::Thumbnail);
    BOOST_CHECK_EQUAL(r.width, 320);
}

BOOST_AUTO_TEST_CASE(truncated_png_is_undecodable) {
    const std::string full = read(png("whole.png", noise(1000, 800)));
    checkUndecodable(bytes("half.png", full.substr(0, full.size() / 2)));
}

BOOST_AUTO_TEST_CASE(random_bytes_are_undecodable) {
    std::mt19937 random(42);
    std::string garbage(50'000, '\0');
    for (char& c : garbage) c = static_cast<char>(random() & 0xff);
    checkUndecodable(bytes("random.jpg", garbage));
    // A JPEG signature followed by garbage reaches the JPEG decoder, which must fail too.
    checkUndecodable(bytes("fake.jpg", std::string("\xFF\xD8\xFF\xE0", 4) + garbage));
    checkUndecodable(bytes("fake.png", std::string("\x89PNG\r\n\x1a\n", 8) + garbage));
}

BOOST_AUTO_TEST_CASE(empty_file_is_undecodable) {
    checkUndecodable(bytes("empty.jpg", ""));
}

BOOST_AUTO_TEST_CASE(formats_outside_the_upload_rules_are_refused) {
    const std::string tiff = dir.file("image.tif");
    check(vips_tiffsave(solid(64, 64, kRed).get(), tiff.c_str(), nullptr));
    checkUndecodable(tiff);
    checkUndecodable(bytes("image.svg", R"(<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">)"
                                        R"(<rect width="64" height="64" fill="red"/></svg>)"));
}

BOOST_AUTO_TEST_CASE(missing_file_is_a_server_error_not_a_bad_image) {
    try {
        renderer.render(dir.file("absent.jpg"), RenditionKind::Thumbnail);
        BOOST_ERROR("nothing was thrown");
    } catch (const domain::DomainError& e) {
        BOOST_ERROR("a missing file is not the client's fault: " << e.code());
    } catch (const std::runtime_error& e) {
        BOOST_CHECK(std::string(e.what()).find("absent.jpg") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(concurrent_renders_match_serial_ones) {
    const std::vector<std::string> paths = {jpeg("a.jpg", noise(1800, 1200)), png("b.png", noise(600, 800)),
                                            jpeg("c.jpg", solid(3000, 2000, kRed)), dir.file("d.jpg")};
    check(vips_jpegsave(solid(2400, 1800, kBlue).get(), paths[3].c_str(), "interlace", TRUE, nullptr));
    const std::string full = read(paths[0]);
    const std::string broken = bytes("broken.jpg", full.substr(0, full.size() / 2));
    std::vector<std::string> serial;
    for (const auto& path : paths)
        for (RenditionKind kind : {RenditionKind::Thumbnail, RenditionKind::Preview})
            serial.push_back(renderer.render(path, kind).bytes);

    constexpr int kThreads = 4;
    std::vector<std::vector<std::string>> results(kThreads);
    std::vector<std::string> failures(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            try {
                // Each thread starts at a different image so that different work overlaps.
                for (std::size_t i = 0; i < serial.size(); ++i) {
                    const std::size_t job = (i + static_cast<std::size_t>(t)) % serial.size();
                    const auto kind = job % 2 == 0 ? RenditionKind::Thumbnail : RenditionKind::Preview;
                    results[t].push_back(renderer.render(paths[job / 2], kind).bytes);
                    // Failures in between must not disturb the other threads' renders.
                    try {
                        renderer.render(broken, kind);
                        failures[t] = "the truncated file was rendered";
                    } catch (const domain::DomainError&) {
                    }
                }
            } catch (const std::exception& e) {
                failures[t] = e.what();
            }
        });
    }
    for (auto& thread : threads) thread.join();

    for (int t = 0; t < kThreads; ++t) {
        BOOST_TEST_CONTEXT("thread " << t) {
            BOOST_REQUIRE_EQUAL(failures[t], "");
            BOOST_REQUIRE_EQUAL(results[t].size(), serial.size());
            for (std::size_t i = 0; i < serial.size(); ++i) {
                const std::size_t job = (i + static_cast<std::size_t>(t)) % serial.size();
                BOOST_CHECK_MESSAGE(results[t][i] == serial[job],
                                    "job " << job << " differs from the serial bytes");
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
