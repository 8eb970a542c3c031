#pragma once

#include <cstdint>
#include <string>

namespace mofang::domain {

enum class RenditionKind {
    Thumbnail,  // ≤ 320 px on the long side, JPEG
    Preview,    // ≤ 1600 px on the long side, JPEG
};

inline constexpr int kThumbnailMaxSide = 320;
inline constexpr int kPreviewMaxSide = 1600;

struct Rendition {
    std::string bytes;  // the encoded JPEG
    int width = 0;
    int height = 0;
};

// Makes the renditions of an uploaded image (a port: persistence/ implements it with libvips).
// The result is never larger than the kind's long side (images are only shrunk), has EXIF
// orientation applied, is sRGB (CMYK and embedded ICC profiles converted), has alpha flattened
// onto white, and for animated GIFs shows the first frame. Memory stays bounded for large inputs
// (shrink-on-load, sequential access).
class ImageRenderer {
  public:
    virtual ~ImageRenderer() = default;
    // `path` is a local file holding the whole image. Throws DomainError UnsupportedMediaType
    // (code "undecodable_image") when the bytes cannot be decoded.
    virtual Rendition render(const std::string& path, RenditionKind kind) const = 0;
};

}  // namespace mofang::domain
