#pragma once

#include <mutex>
#include <string>

#include "domain/Renditions.hpp"

namespace mofang::persistence {

// domain::ImageRenderer with libvips: JPEG, PNG, WebP and GIF in; baseline sRGB JPEG out.
// Safe to call from many threads at once. The first instance initialises libvips for the
// whole process (no operation cache, one worker thread per render, libvips warnings dropped) and
// throws if it cannot.
class VipsRenderer final : public domain::ImageRenderer {
  public:
    VipsRenderer();
    domain::Rendition render(const std::string& path, domain::RenditionKind kind) const override;

  private:
    // Held while rendering a large image whose decoder keeps all of it in memory (see the .cpp).
    mutable std::mutex wholeImageDecode_;
};

}  // namespace mofang::persistence
