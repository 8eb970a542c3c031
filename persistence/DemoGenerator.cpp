#include "persistence/DemoGenerator.hpp"

#include <vips/vips.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "domain/Config.hpp"
#include "domain/ImageProbe.hpp"

namespace mofang::persistence {
namespace {

namespace dom = mofang::domain;

constexpr int kMaxStepMs = 60'000;
constexpr int kMaxSteps = 1000;
// How often a simulated step looks at stopRequested().
constexpr std::chrono::milliseconds kStopPollSlice{20};
constexpr int kProgressStart = 10;
constexpr int kProgressEnd = 90;
constexpr double kPi = 3.14159265358979323846;

dom::ConfigError badConfig(const std::string& message) {
    return dom::ConfigError("generator", message);
}

int parseBounded(const std::string& name, const std::string& value, int max) {
    const bool digits = !value.empty() && value.size() <= 6 &&
                        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || std::stoi(value) > max)
        throw badConfig(name + " must be a whole number from 0 to " + std::to_string(max) + ", not '" +
                        value + "'");
    return std::stoi(value);
}

struct GObjectUnref {
    void operator()(gpointer object) const {
        if (object) g_object_unref(object);
    }
};
using ImagePtr = std::unique_ptr<VipsImage, GObjectUnref>;

struct GFree {
    void operator()(gpointer memory) const { g_free(memory); }
};

// Same process settings as VipsRenderer (whichever comes first; VIPS_INIT itself is idempotent).
void initialiseVips() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (VIPS_INIT("mofang")) {
            std::unique_ptr<char, GFree> message(vips_error_buffer_copy());
            throw std::runtime_error(std::string("libvips failed to initialise: ") + message.get());
        }
        vips_cache_set_max(0);
    });
}

// libvips keeps per-thread buffers for the lifetime of the calling thread; worker threads live long.
struct ReleaseThreadBuffers {
    ReleaseThreadBuffers() = default;
    ReleaseThreadBuffers(const ReleaseThreadBuffers&) = delete;
    ReleaseThreadBuffers& operator=(const ReleaseThreadBuffers&) = delete;
    ~ReleaseThreadBuffers() { vips_thread_shutdown(); }
};

// FNV-1a, 64 bit: stable across builds and platforms (std::hash is not).
std::uint64_t fnv1a(std::string_view bytes, std::uint64_t hash = 0xcbf29ce484222325ULL) {
    for (unsigned char c : bytes) {
        hash ^= c;
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

using Rgb = std::array<double, 3>;

// h in [0, 360), s and v in [0, 1].
Rgb hsv(double h, double s, double v) {
    const double c = v * s;
    const double x = c * (1 - std::fabs(std::fmod(h / 60.0, 2.0) - 1));
    const double m = v - c;
    Rgb rgb{};
    switch (static_cast<int>(h / 60.0) % 6) {
        case 0:
            rgb = {c, x, 0};
            break;
        case 1:
            rgb = {x, c, 0};
            break;
        case 2:
            rgb = {0, c, x};
            break;
        case 3:
            rgb = {0, x, c};
            break;
        case 4:
            rgb = {x, 0, c};
            break;
        default:
            rgb = {c, 0, x};
            break;
    }
    for (auto& channel : rgb) channel = std::round((channel + m) * 255.0);
    return rgb;
}

// Bits [shift, shift + bits) of the hash as a fraction in [0, 1).
double fraction(std::uint64_t hash, int shift, int bits) {
    return static_cast<double>((hash >> shift) & ((1ULL << bits) - 1)) / static_cast<double>(1ULL << bits);
}

dom::GeneratorError renderFailure(const std::string& what) {
    // The error buffer is shared by all threads: its text may be another render's.
    vips_error_clear();
    return {true, "render_failed", "the demo renderer failed to " + what};
}

// Replaces `image` by the output of `operation`; throws on failure.
template <typename Operation>
void apply(ImagePtr& image, const char* what, Operation operation) {
    VipsImage* out = nullptr;
    if (operation(image.get(), &out) != 0) throw renderFailure(what);
    image.reset(out);
}

// A diagonal two-colour gradient, built lazily (libvips computes it strip by strip while encoding,
// so a 4096×4096 image never sits in memory whole).
ImagePtr gradient(int width, int height, std::uint64_t hash) {
    const double hue = fraction(hash, 0, 16) * 360.0;
    const double hueShift = 40.0 + fraction(hash, 16, 8) * 120.0;
    // Mid-range values keep the white label readable.
    const Rgb from = hsv(hue, 0.45 + 0.35 * fraction(hash, 24, 8), 0.45 + 0.25 * fraction(hash, 32, 8));
    const Rgb to = hsv(std::fmod(hue + hueShift, 360.0), 0.45 + 0.35 * fraction(hash, 40, 8),
                       0.35 + 0.25 * fraction(hash, 48, 8));
    const double angle = fraction(hash, 56, 8) * 2 * kPi;
    const double dx = std::cos(angle), dy = std::sin(angle);

    VipsImage* xy = nullptr;
    if (vips_xyz(&xy, width, height, nullptr) != 0) throw renderFailure("create the coordinates");
    ImagePtr image(xy);
    // s = dx·x + dy·y, then t = s / span + offset runs from 0 to 1 across the image.
    ImagePtr matrix(vips_image_new_matrixv(2, 1, dx, dy));
    if (!matrix) throw renderFailure("create the gradient matrix");
    apply(image, "project the gradient",
          [&](VipsImage* in, VipsImage** out) { return vips_recomb(in, out, matrix.get(), nullptr); });
    const double span = std::max(1.0, std::fabs(dx) * (width - 1) + std::fabs(dy) * (height - 1));
    const double offset = 0.5 - (dx * (width - 1) + dy * (height - 1)) / 2.0 / span;
    double a[3], b[3];
    for (int k = 0; k < 3; ++k) {
        const double delta = to[k] - from[k];
        a[k] = delta / span;
        b[k] = from[k] + delta * offset;
    }
    apply(image, "colour the gradient", [&](VipsImage* in, VipsImage** out) {
        return vips_linear(in, out, a, b, 3, "uchar", TRUE, nullptr);
    });
    apply(image, "tag the colour space", [](VipsImage* in, VipsImage** out) {
        return vips_copy(in, out, "interpretation", VIPS_INTERPRETATION_sRGB, nullptr);
    });
    return image;
}

// The label as a one-band mask, or nothing when libvips cannot render text (no fonts, no Pango).
std::optional<ImagePtr> label(const std::string& text, int width, int height) {
    const int side = std::min(width, height);
    // About 1/14 of the shorter side per line: "sans bold 12" at this dpi.
    const int dpi = std::max(12, side * 72 / 12 / 14);
    VipsImage* out = nullptr;
    if (vips_text(&out, text.c_str(), "font", "sans bold 12", "dpi", dpi, "width",
                  std::max(1, width * 9 / 10), "align", VIPS_ALIGN_CENTRE, nullptr) != 0) {
        vips_error_clear();
        return std::nullopt;
    }
    return ImagePtr(out);
}

// `base` with `mask` drawn on it in white, centred.
void drawLabel(ImagePtr& base, VipsImage* mask) {
    const int width = base->Xsize, height = base->Ysize;
    ImagePtr placed;
    {
        VipsImage* out = nullptr;
        if (vips_embed(mask, &out, (width - mask->Xsize) / 2, (height - mask->Ysize) / 2, width, height,
                       nullptr) != 0)
            throw renderFailure("place the label");
        placed.reset(out);
    }
    ImagePtr white;
    {
        VipsImage* black = nullptr;
        if (vips_black(&black, width, height, nullptr) != 0) throw renderFailure("create the label colour");
        white.reset(black);
        apply(white, "create the label colour", [](VipsImage* in, VipsImage** out) {
            return vips_linear1(in, out, 0.0, 255.0, "uchar", TRUE, nullptr);
        });
    }
    apply(base, "draw the label", [&](VipsImage* in, VipsImage** out) {
        return vips_ifthenelse(placed.get(), white.get(), in, out, "blend", TRUE, nullptr);
    });
    apply(base, "tag the colour space", [](VipsImage* in, VipsImage** out) {
        return vips_copy(in, out, "interpretation", VIPS_INTERPRETATION_sRGB, nullptr);
    });
}

std::string renderPng(const dom::GenerationRequest& request, int number) {
    const std::string index = std::to_string(number);
    std::uint64_t hash = fnv1a(request.taskId);
    hash = fnv1a(std::string_view("\0", 1), hash);
    hash = fnv1a(request.prompt, hash);
    hash = fnv1a(std::string_view("\0", 1), hash);
    hash = fnv1a(index, hash);

    ImagePtr image = gradient(request.width, request.height, hash);
    const std::string text = "Mofang demo\nimage " + index + " of " + std::to_string(request.count) +
                             "\n<small>built-in renderer, not AI</small>";
    if (auto mask = label(text, request.width, request.height)) drawLabel(image, mask->get());

    void* buffer = nullptr;
    std::size_t length = 0;
    // No metadata (strip): nothing in the bytes depends on when or where they were made.
    if (vips_pngsave_buffer(image.get(), &buffer, &length, "compression", 6, "strip", TRUE, nullptr) != 0)
        throw renderFailure("encode the PNG");
    std::unique_ptr<void, GFree> owned(buffer);
    return std::string(static_cast<const char*>(buffer), length);
}

// Sleeps `duration` in slices, throwing GenerationStopped as soon as a stop is requested.
void sleepUnlessStopped(std::chrono::milliseconds duration, const dom::GenerationControl& control) {
    const auto until = std::chrono::steady_clock::now() + duration;
    for (;;) {
        if (control.stopRequested()) throw dom::GenerationStopped();
        const auto now = std::chrono::steady_clock::now();
        if (now >= until) return;
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(kStopPollSlice, until - now));
    }
}

}  // namespace

// ===========================================================================================

DemoOptions parseDemoGeneratorUri(const std::string& uri) {
    const std::string_view kName = "demo";
    if (!uri.starts_with(kName) || (uri.size() > kName.size() && uri[kName.size()] != '?'))
        throw badConfig("the demo generator is demo or demo?stepMs=N&steps=N");
    DemoOptions options;
    std::string_view rest = uri.size() > kName.size() ? std::string_view(uri).substr(kName.size() + 1) : "";
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const auto item = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (item.empty()) continue;
        const auto eq = item.find('=');
        const std::string name(item.substr(0, eq));
        const std::string value(eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1));
        if (name == "stepMs")
            options.stepMs = parseBounded(name, value, kMaxStepMs);
        else if (name == "steps")
            options.steps = parseBounded(name, value, kMaxSteps);
        else
            throw badConfig("unknown parameter '" + name + "' in the demo URI (stepMs, steps)");
    }
    return options;
}

DemoGenerator::DemoGenerator(DemoOptions options) : options_(options) {
    if (options_.stepMs < 0 || options_.stepMs > kMaxStepMs || options_.steps < 0 ||
        options_.steps > kMaxSteps)
        throw badConfig("stepMs must be 0 to " + std::to_string(kMaxStepMs) + " and steps 0 to " +
                        std::to_string(kMaxSteps));
    initialiseVips();
}

dom::GenerationResult DemoGenerator::generate(const dom::GenerationRequest& request,
                                              dom::GenerationControl& control) {
    if (request.width < 0 || request.height < 0)
        throw dom::GeneratorError(false, "invalid_request", "the image size must not be negative");
    if (const auto reason = dom::checkImageDimensions(static_cast<std::uint32_t>(request.width),
                                                      static_cast<std::uint32_t>(request.height));
        !reason.empty())
        throw dom::GeneratorError(false, "invalid_request", reason);
    if (request.count < 1)
        throw dom::GeneratorError(false, "invalid_request", "at least one image is needed");

    // The simulated wait of a real backend, with progress reports and prompt cancellation.
    if (control.stopRequested()) throw dom::GenerationStopped();
    control.progress(kProgressStart);
    for (int step = 1; step <= options_.steps; ++step) {
        sleepUnlessStopped(std::chrono::milliseconds(options_.stepMs), control);
        control.progress(kProgressStart + (kProgressEnd - kProgressStart) * step / options_.steps);
    }

    ReleaseThreadBuffers releaseThreadBuffers;
    dom::GenerationResult result;
    result.modelVersion = kModelVersion;
    for (int number = 1; number <= request.count; ++number) {
        if (control.stopRequested()) throw dom::GenerationStopped();
        result.images.push_back({renderPng(request, number)});
    }
    control.progress(kProgressEnd);
    return result;
}

}  // namespace mofang::persistence
