// libFuzzer target for domain::ImageProbe: any bytes, fed in chunks of a size taken from the
// first input byte, must end in a consistent state without crashing or reading out of bounds;
// and domain::jpegEndsWithEndOfImage on the same bytes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "domain/ImageProbe.hpp"

using mofang::domain::ImageFormat;
using mofang::domain::ImageProbe;

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

void checkConsistent(const ImageProbe& p) {
    switch (p.state()) {
        case ImageProbe::State::Known:
            check(p.format() != ImageFormat::Unknown);
            check(p.width() > 0 && p.height() > 0);
            break;
        case ImageProbe::State::Unsupported:
            check(p.format() == ImageFormat::Unknown);
            check(p.width() == 0 && p.height() == 0);
            break;
        case ImageProbe::State::Invalid:
        case ImageProbe::State::NeedMore:
            check(p.width() == 0 && p.height() == 0);
            break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    // 1..256 bytes per chunk, so that every split point gets exercised.
    const std::size_t chunk = std::size_t{data[0]} + 1;
    const auto* bytes = reinterpret_cast<const char*>(data + 1);
    const std::size_t length = size - 1;

    ImageProbe chunked;
    for (std::size_t at = 0; at < length; at += chunk) {
        const std::size_t n = length - at < chunk ? length - at : chunk;
        chunked.feed(bytes + at, n);
        checkConsistent(chunked);
    }
    chunked.feed(bytes, 0);
    chunked.finish();
    checkConsistent(chunked);
    check(chunked.state() != ImageProbe::State::NeedMore);

    // The split must not matter: fed whole, the probe reaches the same verdict.
    ImageProbe whole;
    whole.feed(bytes, length);
    whole.finish();
    check(whole.state() == chunked.state());
    check(whole.format() == chunked.format());
    check(whole.width() == chunked.width() && whole.height() == chunked.height());

    // A verdict never changes once reached.
    const auto state = chunked.state();
    chunked.feed(bytes, length);
    chunked.finish();
    check(chunked.state() == state);

    if (chunked.state() == ImageProbe::State::Known) {
        using namespace mofang::domain;
        const std::uint32_t w = chunked.width(), h = chunked.height();
        const bool inRange = w >= kMinImageSide && w <= kMaxImageSide && h >= kMinImageSide &&
                             h <= kMaxImageSide && std::uint64_t{w} * h <= kMaxImagePixels;
        check(checkImageDimensions(w, h).empty() == inRange);
    }

    // The JPEG completeness walk reads in bounds whatever the bytes; a whole file stays whole
    // with bytes after its end.
    if (mofang::domain::jpegEndsWithEndOfImage(std::string_view(bytes, length))) {
        std::string longer(bytes, length);
        longer += "\xFF\xD8 trailing";
        check(mofang::domain::jpegEndsWithEndOfImage(longer));
    }
    return 0;
}
