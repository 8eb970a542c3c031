#include "domain/ImageProbe.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace mofang::domain {

namespace {

struct Signature {
    std::string_view bytes;
    ImageFormat format;
    bool riffSize;  // bytes 4–7 are the RIFF size, anything goes
};

using namespace std::string_view_literals;
constexpr Signature kSignatures[] = {
    {"\xFF\xD8\xFF"sv, ImageFormat::Jpeg, false},      // SOI, then the next marker's FF
    {"\x89PNG\r\n\x1A\n"sv, ImageFormat::Png, false},  // catches 7-bit and newline mangling
    {"GIF87a"sv, ImageFormat::Gif, false},             // the two GIF versions
    {"GIF89a"sv, ImageFormat::Gif, false},             // share a prefix
    {"RIFF\0\0\0\0WEBP"sv, ImageFormat::Webp, true},   // RIFF size, form type
};

std::uint32_t be16(const unsigned char* p) {
    return std::uint32_t{p[0]} << 8 | p[1];
}
std::uint32_t be32(const unsigned char* p) {
    return be16(p) << 16 | be16(p + 2);
}
std::uint32_t le16(const unsigned char* p) {
    return std::uint32_t{p[1]} << 8 | p[0];
}
std::uint32_t le24(const unsigned char* p) {
    return std::uint32_t{p[2]} << 16 | le16(p);
}
std::uint32_t le32(const unsigned char* p) {
    return std::uint32_t{p[3]} << 24 | le24(p);
}

// SOF0–SOF15 carry the frame header; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
bool isStartOfFrame(unsigned char marker) {
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

// Markers that stand alone, without a length: RSTn and TEM.
bool isStandalone(unsigned char marker) {
    return (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01;
}

bool fourcc(const unsigned char* p, std::string_view code) {
    return std::memcmp(p, code.data(), 4) == 0;
}

}  // namespace

std::string_view mimeType(ImageFormat f) {
    switch (f) {
        case ImageFormat::Jpeg:
            return "image/jpeg";
        case ImageFormat::Png:
            return "image/png";
        case ImageFormat::Webp:
            return "image/webp";
        case ImageFormat::Gif:
            return "image/gif";
        case ImageFormat::Unknown:
            break;
    }
    return "";
}

ImageFormat imageFormatForMimeType(std::string_view mime) {
    for (const auto f : {ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::Webp, ImageFormat::Gif})
        if (mimeType(f) == mime) return f;
    return ImageFormat::Unknown;
}

std::string_view extension(ImageFormat f) {
    switch (f) {
        case ImageFormat::Jpeg:
            return ".jpg";
        case ImageFormat::Png:
            return ".png";
        case ImageFormat::Webp:
            return ".webp";
        case ImageFormat::Gif:
            return ".gif";
        case ImageFormat::Unknown:
            break;
    }
    return "";
}

void ImageProbe::feed(const char* data, std::size_t size) {
    const auto* p = reinterpret_cast<const unsigned char*>(data);
    while (size > 0 && state_ == State::NeedMore) {
        if (skip_ > 0) {
            const auto n = static_cast<std::uint32_t>(std::min<std::size_t>(skip_, size));
            p += n;
            size -= n;
            skip_ -= n;
        } else if (step_ == Step::Magic) {
            // One byte at a time: the signatures differ in length, and the bytes after the one
            // that matches belong to the header.
            buf_[have_++] = *p++;
            --size;
            onMagicByte();
        } else {
            const std::size_t n = std::min(need_ - have_, size);
            std::memcpy(buf_ + have_, p, n);
            have_ += n;
            p += n;
            size -= n;
            if (have_ == need_) onCollected();
        }
    }
}

void ImageProbe::finish() {
    if (state_ == State::NeedMore)
        state_ = format_ == ImageFormat::Unknown ? State::Unsupported : State::Invalid;
}

void ImageProbe::expect(Step step, std::size_t bytes) {
    assert(bytes <= sizeof buf_);
    step_ = step;
    need_ = bytes;
    have_ = 0;
}

void ImageProbe::onMagicByte() {
    bool possible = false;
    for (const auto& sig : kSignatures) {
        if (have_ > sig.bytes.size()) continue;
        bool matches = true;
        for (std::size_t i = 0; i < have_ && matches; ++i) {
            const bool wildcard = sig.riffSize && i >= 4 && i < 8;
            matches = wildcard || buf_[i] == static_cast<unsigned char>(sig.bytes[i]);
        }
        if (!matches) continue;
        if (have_ < sig.bytes.size()) {
            possible = true;
            continue;
        }
        format_ = sig.format;
        switch (format_) {
            case ImageFormat::Jpeg:
                // The signature's last FF opens the first marker after SOI.
                expect(Step::JpegMarker, 1);
                break;
            case ImageFormat::Png:
                expect(Step::PngIhdr, 16);  // length, type, width, height
                break;
            case ImageFormat::Gif:
                expect(Step::GifScreen, 4);
                break;
            case ImageFormat::Webp:
                expect(Step::WebpChunk, 8);  // fourcc, size
                break;
            case ImageFormat::Unknown:
                break;
        }
        return;
    }
    if (!possible) state_ = State::Unsupported;
}

void ImageProbe::onCollected() {
    switch (step_) {
        case Step::Magic:
            break;
        case Step::JpegFF:
            if (buf_[0] != 0xFF) {
                state_ = State::Invalid;
                return;
            }
            expect(Step::JpegMarker, 1);
            return;
        case Step::JpegMarker: {
            const unsigned char marker = buf_[0];
            if (marker == 0xFF) {  // a fill byte: the marker is still to come
                expect(Step::JpegMarker, 1);
            } else if (isStandalone(marker)) {
                expect(Step::JpegFF, 1);
            } else if (marker == 0x00 || marker == 0xD8 || marker == 0xD9 || marker == 0xDA) {
                // Stuffed zero outside entropy data, a second SOI, or EOI / SOS before any frame.
                state_ = State::Invalid;
            } else {
                marker_ = marker;
                expect(Step::JpegLength, 2);
            }
            return;
        }
        case Step::JpegLength: {
            const std::uint32_t length = be16(buf_);  // counts its own two bytes
            if (isStartOfFrame(marker_)) {
                // Lf P Y X Nf: at least 8 bytes; only P, Y and X are read.
                if (length < 8) {
                    state_ = State::Invalid;
                    return;
                }
                expect(Step::JpegFrame, 5);
            } else if (length < 2) {
                state_ = State::Invalid;
            } else {
                skip_ = length - 2;
                expect(Step::JpegFF, 1);
            }
            return;
        }
        case Step::JpegFrame:
            setDimensions(be16(buf_ + 3), be16(buf_ + 1));
            return;
        case Step::PngIhdr: {
            const std::uint32_t width = be32(buf_ + 8);
            const std::uint32_t height = be32(buf_ + 12);
            // IHDR first, 13 bytes long; sides are at most 2^31 - 1 (PNG spec).
            if (be32(buf_) != 13 || !fourcc(buf_ + 4, "IHDR") || width > 0x7FFF'FFFF ||
                height > 0x7FFF'FFFF) {
                state_ = State::Invalid;
                return;
            }
            setDimensions(width, height);
            return;
        }
        case Step::GifScreen:
            setDimensions(le16(buf_), le16(buf_ + 2));
            return;
        case Step::WebpChunk: {
            const std::uint32_t size = le32(buf_ + 4);
            if (fourcc(buf_, "VP8 ") && size >= 10) {
                expect(Step::WebpVp8, 10);
            } else if (fourcc(buf_, "VP8L") && size >= 5) {
                expect(Step::WebpVp8l, 5);
            } else if (fourcc(buf_, "VP8X") && size >= 10) {
                expect(Step::WebpVp8x, 10);
            } else {
                state_ = State::Invalid;
            }
            return;
        }
        case Step::WebpVp8: {
            // Frame tag (bit 0 clear on a key frame), start code, 14-bit sides with 2 scale bits.
            const bool keyFrame = (buf_[0] & 1) == 0;
            if (!keyFrame || buf_[3] != 0x9D || buf_[4] != 0x01 || buf_[5] != 0x2A) {
                state_ = State::Invalid;
                return;
            }
            setDimensions(le16(buf_ + 6) & 0x3FFF, le16(buf_ + 8) & 0x3FFF);
            return;
        }
        case Step::WebpVp8l: {
            // Signature, then 14 bits width - 1, 14 bits height - 1, alpha, 3-bit version (0).
            const std::uint32_t bits = le32(buf_ + 1);
            if (buf_[0] != 0x2F || (bits >> 29) != 0) {
                state_ = State::Invalid;
                return;
            }
            setDimensions((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
            return;
        }
        case Step::WebpVp8x:
            // Flags, 3 reserved bytes, 24-bit canvas width - 1 and height - 1.
            setDimensions(le24(buf_ + 4) + 1, le24(buf_ + 7) + 1);
            return;
    }
}

void ImageProbe::setDimensions(std::uint32_t width, std::uint32_t height) {
    if (width == 0 || height == 0) {
        state_ = State::Invalid;
        return;
    }
    width_ = width;
    height_ = height;
    state_ = State::Known;
}

std::string checkImageDimensions(std::uint32_t width, std::uint32_t height) {
    const auto range =
        " must be between " + std::to_string(kMinImageSide) + " and " + std::to_string(kMaxImageSide) + " px";
    if (width < kMinImageSide || width > kMaxImageSide) return "width" + range;
    if (height < kMinImageSide || height > kMaxImageSide) return "height" + range;
    if (std::uint64_t{width} * height > kMaxImagePixels) return "image has more than 100,000,000 pixels";
    return "";
}

bool jpegEndsWithEndOfImage(std::string_view file) {
    const auto* p = reinterpret_cast<const unsigned char*>(file.data());
    const std::size_t n = file.size();
    if (n < 4 || p[0] != 0xFF || p[1] != 0xD8) return false;
    std::size_t at = 2;
    while (true) {
        // A marker: 0xFF, any number of fill bytes 0xFF, the marker code.
        if (at >= n || p[at] != 0xFF) return false;
        while (at < n && p[at] == 0xFF) ++at;
        if (at >= n) return false;
        const unsigned char marker = p[at++];
        if (marker == 0xD9) return true;
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // TEM, RSTn: no length
        if (marker == 0x00 || marker == 0xD8) return false;
        if (n - at < 2) return false;
        const std::size_t length = (std::size_t{p[at]} << 8) | p[at + 1];
        if (length < 2 || n - at < length) return false;
        at += length;
        if (marker != 0xDA) continue;
        // Entropy-coded data after SOS: a 0xFF is stuffed (0xFF 0x00), a restart marker, or the
        // start of the next marker.
        while (true) {
            const void* ff = std::memchr(p + at, 0xFF, n - at);
            if (!ff) return false;
            at = static_cast<std::size_t>(static_cast<const unsigned char*>(ff) - p);
            std::size_t next = at + 1;
            while (next < n && p[next] == 0xFF) ++next;
            if (next >= n) return false;
            if (p[next] == 0x00 || (p[next] >= 0xD0 && p[next] <= 0xD7)) {
                at = next + 1;
                continue;
            }
            break;  // a marker at `at`
        }
    }
}

}  // namespace mofang::domain
