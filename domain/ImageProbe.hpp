#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mofang::domain {

enum class ImageFormat { Unknown, Jpeg, Png, Webp, Gif };

// "image/jpeg", "image/png", "image/webp", "image/gif"; "" for Unknown.
std::string_view mimeType(ImageFormat f);
// The format of "image/jpeg" etc.; Unknown for anything else.
ImageFormat imageFormatForMimeType(std::string_view mimeType);
// ".jpg", ".png", ".webp", ".gif"; "" for Unknown.
std::string_view extension(ImageFormat f);

// Identifies an image from its bytes as they stream in, without decoding it: the format from the
// magic number, then width and height from the header (JPEG: the first SOFn frame header, skipping
// any APPn/COM segments however large; PNG: IHDR; GIF: the logical screen; WebP: VP8, VP8L or VP8X).
// Memory is constant whatever the input; feed() may be called with chunks of any size, split
// anywhere. A hostile header (zero or absurd dimensions, lengths pointing past the end) never
// crashes or loops: it ends as Invalid.
class ImageProbe final {
  public:
    enum class State {
        NeedMore,     // keep feeding
        Known,        // format, width and height are known; further bytes are ignored
        Unsupported,  // not JPEG, PNG, WebP or GIF (known from the first bytes)
        Invalid,      // the magic number matched but the header is malformed or truncated
    };

    void feed(const char* data, std::size_t size);
    // Call at the end of the input: NeedMore becomes Invalid (truncated) or Unsupported (fewer
    // bytes than any magic number).
    void finish();

    State state() const { return state_; }
    ImageFormat format() const { return format_; }  // known once the magic number matched
    std::uint32_t width() const { return width_; }
    std::uint32_t height() const { return height_; }

  private:
    // What the bytes being collected into buf_ are (see ImageProbe.cpp).
    enum class Step : unsigned char {
        Magic,
        JpegFF,
        JpegMarker,
        JpegLength,
        JpegFrame,
        PngIhdr,
        GifScreen,
        WebpChunk,
        WebpVp8,
        WebpVp8l,
        WebpVp8x,
    };

    void expect(Step step, std::size_t bytes);
    void onMagicByte();
    void onCollected();
    void setDimensions(std::uint32_t width, std::uint32_t height);

    State state_ = State::NeedMore;
    ImageFormat format_ = ImageFormat::Unknown;
    std::uint32_t width_ = 0;
    std::uint32_t height_ = 0;
    // Constant memory: one header field at a time is collected in buf_; segment payloads that do
    // not matter (JPEG APPn, COM, ...) are skipped by counting, however large.
    Step step_ = Step::Magic;
    std::size_t need_ = 1;  // bytes the current step collects
    std::size_t have_ = 0;  // of which already in buf_
    std::uint32_t skip_ = 0;
    unsigned char marker_ = 0;    // JPEG marker whose length is being read
    unsigned char buf_[16] = {};  // the longest field: PNG length, type, width, height
};

// True when a whole JPEG file's image data ends with its EOI marker (bytes after it are fine):
// the segments are walked by their lengths and the entropy-coded data of every scan to its next
// marker, so an EOI inside an EXIF thumbnail or a table does not count. A file cut short anywhere
// is false. Linear in the size, no allocation.
bool jpegEndsWithEndOfImage(std::string_view file);

// SPEC §4 limits: each side 16–16384 px and at most 100,000,000 pixels.
inline constexpr std::uint32_t kMinImageSide = 16;
inline constexpr std::uint32_t kMaxImageSide = 16384;
inline constexpr std::uint64_t kMaxImagePixels = 100'000'000;
// Empty when the dimensions are acceptable, else the reason ("width must be at least 16 px", ...).
std::string checkImageDimensions(std::uint32_t width, std::uint32_t height);

}  // namespace mofang::domain
