#include "persistence/VipsRenderer.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vips/vips.h>

#include <array>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string_view>

#include "domain/Errors.hpp"
#include "domain/ImageProbe.hpp"

namespace mofang::persistence {
namespace {

constexpr int kThumbnailQuality = 80;
constexpr int kPreviewQuality = 85;

// Request threads already render in parallel; more libvips workers per render would only
// multiply the per-thread buffers.
constexpr int kWorkerThreadsPerRender = 1;

// The upload rules admit these four formats only; any other loader (SVG, PDF, TIFF, ImageMagick,
// ...) is refused here as well, whatever the bytes claim to be.
// Matched as prefixes of the loader's class name (e.g. VipsForeignLoadJpegSource).
constexpr std::array<std::string_view, 4> kAllowedLoaders = {"VipsForeignLoadJpeg", "VipsForeignLoadPng",
                                                             "VipsForeignLoadWebp", "VipsForeignLoadNsgif"};

// Above this many pixels, images whose decoder holds them whole take turns (4–6 bytes a pixel:
// an 8000×8000 progressive JPEG costs about 390 MiB, against 25 MiB for a baseline one).
constexpr double kWholeImageTurnPixels = 4'000'000;

struct GObjectUnref {
    void operator()(gpointer object) const {
        if (object) g_object_unref(object);
    }
};
using ImagePtr = std::unique_ptr<VipsImage, GObjectUnref>;
using SourcePtr = std::unique_ptr<VipsSource, GObjectUnref>;

struct GFree {
    void operator()(gpointer memory) const { g_free(memory); }
};

// libvips keeps per-thread buffers for the lifetime of the calling thread unless told otherwise;
// request threads live long, so each render gives them back.
struct ReleaseThreadBuffers {
    ReleaseThreadBuffers() = default;
    ReleaseThreadBuffers(const ReleaseThreadBuffers&) = delete;
    ReleaseThreadBuffers& operator=(const ReleaseThreadBuffers&) = delete;
    ~ReleaseThreadBuffers() { vips_thread_shutdown(); }
};

void initialiseVips() {
    static std::once_flag once;
    std::call_once(once, [] {
        // Throwing leaves the flag unset, so a later instance tries again.
        if (VIPS_INIT("mofang")) {
            std::unique_ptr<char, GFree> message(vips_error_buffer_copy());
            throw std::runtime_error(std::string("libvips failed to initialise: ") + message.get());
        }
        // Every upload is new, so the operation cache would only keep decoded images (and open
        // files) alive between requests.
        vips_cache_set_max(0);
        vips_concurrency_set(kWorkerThreadsPerRender);
        // libvips reports recoverable decoder trouble as GLib warnings on stderr, for a broken PNG
        // one per scanline: an upload must not be able to flood the journal. Failures that matter
        // still surface as errors.
        g_log_set_handler(
            "VIPS", G_LOG_LEVEL_WARNING, [](const gchar*, GLogLevelFlags, const gchar*, gpointer) {},
            nullptr);
    });
}

// The error buffer is shared by every thread, so its text may belong to another request (and name
// its files): it is dropped, and the client gets a fixed reason.
domain::DomainError undecodable(const std::string& reason) {
    vips_error_clear();
    return {domain::ErrorKind::UnsupportedMediaType, "undecodable_image", reason};
}

bool isAllowedLoader(const char* className) {
    if (!className) return false;
    const std::string_view name(className);
    for (std::string_view allowed : kAllowedLoaders)
        if (name.starts_with(allowed)) return true;
    return false;
}

bool intFlag(VipsImage* image, const char* name) {
    int value = 0;
    return vips_image_get_typeof(image, name) && vips_image_get_int(image, name, &value) == 0 && value != 0;
}

// Whether shrinking `header`'s image needs all of it in memory at once, whatever the output size:
// libnsgif composes into a full frame, libjpeg keeps every coefficient of a progressive JPEG, and
// an interlaced PNG is only complete after its last pass.
bool decodesWholeImage(VipsImage* header, std::string_view loader) {
    return loader.starts_with("VipsForeignLoadNsgif") || intFlag(header, "jpeg-multiscan") ||
           intFlag(header, "interlaced");
}

// Replaces `image` by the result of `operation` (a libvips call writing its output image);
// false when libvips failed.
template <typename Operation>
bool apply(ImagePtr& image, Operation operation) {
    VipsImage* out = nullptr;
    if (operation(image.get(), &out) != 0) return false;
    image.reset(out);
    return true;
}

// 3-band sRGB uchar with alpha flattened onto white, whatever the thumbnail came out as
// (B_W, RGB16, grey with alpha, ...). vips_colourspace converts 16-bit to 8-bit first, so the
// flatten works with an alpha maximum of 255.
bool toOpaqueSrgb(ImagePtr& image) {
    if (!apply(image, [](VipsImage* in, VipsImage** out) {
            return vips_colourspace(in, out, VIPS_INTERPRETATION_sRGB, nullptr);
        }))
        return false;
    if (vips_image_hasalpha(image.get())) {
        if (!apply(image, [](VipsImage* in, VipsImage** out) {
                VipsArrayDouble* white = vips_array_double_newv(3, 255.0, 255.0, 255.0);
                const int rc = vips_flatten(in, out, "background", white, nullptr);
                vips_area_unref(VIPS_AREA(white));
                return rc;
            }))
            return false;
    }
    // vips_colourspace(sRGB) already yields uchar; the cast is a guard, not a conversion.
    if (image->BandFmt != VIPS_FORMAT_UCHAR) {
        if (!apply(image, [](VipsImage* in, VipsImage** out) { return vips_cast_uchar(in, out, nullptr); }))
            return false;
    }
    if (image->Bands > 3) {
        if (!apply(image, [](VipsImage* in, VipsImage** out) {
                return vips_extract_band(in, out, 0, "n", 3, nullptr);
            }))
            return false;
    }
    return image->Bands == 3;
}

// The image shrunk to fit a maxSide square, never enlarged. vips_thumbnail shrinks on load (JPEG,
// WebP), reads sequentially and applies the EXIF orientation; CMYK without a profile goes to sRGB
// through libvips' built-in CMYK profile. Embedded profiles are converted to sRGB only when there
// is one (`convertProfile`): for untagged images libvips' round trip through an sRGB profile
// shifts saturated colours (pure blue came out as 85,15,253). Failing on errors rejects a
// truncated file instead of keeping its grey lower part; libvips 8.14 ignores `fail_on` for
// sources, so it also goes to the loader in the option string.
int shrink(VipsSource* source, VipsImage** out, int maxSide, bool convertProfile) {
    if (!convertProfile)
        return vips_thumbnail_source(source, out, maxSide, "height", maxSide, "size", VIPS_SIZE_DOWN,
                                     "fail_on", VIPS_FAIL_ON_ERROR, "option_string", "fail_on=error",
                                     nullptr);
    return vips_thumbnail_source(source, out, maxSide, "height", maxSide, "size", VIPS_SIZE_DOWN, "fail_on",
                                 VIPS_FAIL_ON_ERROR, "option_string", "fail_on=error", "export_profile",
                                 "srgb", nullptr);
}

// True when the JPEG at `path` is whole (domain::jpegEndsWithEndOfImage on the mapped file).
// libjpeg reports a file cut short as a warning and libvips 8.14 turns it into an error, but
// under load that error was lost now and then between its threads (2 in 60 renders of a half
// file, with both cores busy), and the grey lower part was kept.
bool jpegIsWhole(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot open image file " + path);
    struct stat st {};
    if (::fstat(fd, &st) != 0 || st.st_size <= 0) {
        ::close(fd);
        return false;
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) throw std::runtime_error("cannot map image file " + path);
    ::madvise(map, size, MADV_SEQUENTIAL);
    const bool whole = domain::jpegEndsWithEndOfImage(std::string_view(static_cast<const char*>(map), size));
    ::munmap(map, size);
    return whole;
}

}  // namespace

VipsRenderer::VipsRenderer() {
    initialiseVips();
}

domain::Rendition VipsRenderer::render(const std::string& path, domain::RenditionKind kind) const {
    const bool thumbnail = kind == domain::RenditionKind::Thumbnail;
    const int maxSide = thumbnail ? domain::kThumbnailMaxSide : domain::kPreviewMaxSide;
    const int quality = thumbnail ? kThumbnailQuality : kPreviewQuality;
    ReleaseThreadBuffers releaseThreadBuffers;

    // A source rather than a file name: libvips would read a name ending in "[...]" as options.
    SourcePtr source(vips_source_new_from_file(path.c_str()));
    if (!source) {
        vips_error_clear();
        throw std::runtime_error("cannot open image file " + path);
    }
    const char* loader = vips_foreign_find_load_source(source.get());
    if (!isAllowedLoader(loader)) throw undecodable("the file is not a JPEG, PNG, WebP or GIF image");
    if (std::string_view(loader).starts_with("VipsForeignLoadJpeg") && !jpegIsWhole(path))
        throw undecodable("the image data is corrupt or truncated");

    // The header only (loads are lazy): does the file carry an ICC profile?
    ImagePtr header(vips_image_new_from_source(source.get(), "", "access", VIPS_ACCESS_SEQUENTIAL, nullptr));
    if (!header) throw undecodable("the image could not be decoded");
    const bool hasProfile = vips_image_get_typeof(header.get(), VIPS_META_ICC_NAME) != 0;
    // Held until the pixels have been encoded (below); declared before `image`, so released after it.
    std::unique_lock turn(wholeImageDecode_, std::defer_lock);
    if (decodesWholeImage(header.get(), loader) &&
        static_cast<double>(header->Xsize) * header->Ysize > kWholeImageTurnPixels)
        turn.lock();
    header.reset();

    VipsImage* raw = nullptr;
    int rc = shrink(source.get(), &raw, maxSide, hasProfile);
    if (rc != 0 && hasProfile) {
        // A profile that is broken or does not fit the pixels (an RGB profile on a grey image) is
        // ignored rather than refusing an image that every browser shows.
        vips_error_clear();
        rc = shrink(source.get(), &raw, maxSide, false);
    }
    if (rc != 0) throw undecodable("the image could not be decoded");
    ImagePtr image(raw);
    if (!toOpaqueSrgb(image)) throw undecodable("the image could not be converted to sRGB");

    // The pixels are only decoded here (the pipeline is lazy), so a corrupt body fails here.
    void* buffer = nullptr;
    std::size_t length = 0;
    if (vips_jpegsave_buffer(image.get(), &buffer, &length, "Q", quality, "strip", TRUE, "optimize_coding",
                             TRUE, "interlace", FALSE, nullptr) != 0)
        throw undecodable("the image data is corrupt or truncated");
    std::unique_ptr<void, GFree> owned(buffer);

    domain::Rendition rendition;
    rendition.bytes.assign(static_cast<const char*>(buffer), length);
    rendition.width = image->Xsize;
    rendition.height = image->Ysize;
    return rendition;
}

}  // namespace mofang::persistence
