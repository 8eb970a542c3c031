#include "domain/FileName.hpp"

#include <algorithm>
#include <array>

#include "domain/Errors.hpp"
#include "domain/Text.hpp"

namespace mofang::domain {

namespace {

constexpr std::size_t kMaxFileNameBytes = 255;

// Extensions of the image types a material may have: one of these that is not the detected
// type's is wrong and replaced; any other extension is part of the name and kept.
constexpr std::array<std::string_view, 6> kImageExtensions = {".jpg", ".jpeg", ".jfif",
                                                              ".png", ".gif",  ".webp"};

bool isImageExtension(std::string_view ext) {
    return std::any_of(kImageExtensions.begin(), kImageExtensions.end(),
                       [&](std::string_view known) { return text::iequalsAscii(ext, known); });
}

bool isRightExtension(std::string_view ext, std::string_view wanted) {
    return text::iequalsAscii(ext, wanted) ||
           (text::iequalsAscii(wanted, ".jpg") && text::iequalsAscii(ext, ".jpeg"));
}

// C0 controls, DEL and the forbidden punctuation (C1 controls are handled as two-byte sequences).
bool isReplaced(char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7F || std::string_view(R"(<>:"|?*)").find(ch) != std::string_view::npos;
}

bool isTrimmed(char ch) {
    return ch == ' ' || ch == '.';
}

}  // namespace

std::string sanitizeMaterialFileName(std::string_view name, std::string_view extension,
                                     std::string_view field) {
    if (!text::isValidUtf8(name))
        throw validationFailed({{std::string(field), "file name must be valid UTF-8"}});

    // '/' and '\' are ASCII, so they never occur inside a multi-byte sequence.
    const auto slash = name.find_last_of("/\\");
    if (slash != std::string_view::npos) name.remove_prefix(slash + 1);

    std::string clean;
    clean.reserve(name.size());
    for (std::size_t i = 0; i < name.size(); ++i) {
        const auto c = static_cast<unsigned char>(name[i]);
        // C1 controls U+0080–U+009F are encoded as C2 80 … C2 9F.
        if (c == 0xC2 && i + 1 < name.size() && static_cast<unsigned char>(name[i + 1]) <= 0x9F) {
            clean += '_';
            ++i;
        } else {
            clean += isReplaced(name[i]) ? '_' : name[i];
        }
    }

    const auto first = std::find_if_not(clean.begin(), clean.end(), isTrimmed);
    const auto last = std::find_if_not(clean.rbegin(), clean.rend(), isTrimmed).base();
    // "." and ".." are nothing but dots: they end up empty here too.
    std::string stem = first < last ? std::string(first, last) : std::string("file");

    // After the trim the name neither starts nor ends with a dot, so a dot found is a real
    // extension with a non-empty stem before it.
    std::string ext(extension);
    const auto dot = stem.rfind('.');
    if (!extension.empty() && dot != std::string::npos) {
        const std::string_view current = std::string_view(stem).substr(dot);
        if (isRightExtension(current, extension)) {
            ext = current;  // the client's spelling
            stem.resize(dot);
        } else if (isImageExtension(current)) {
            stem.resize(dot);
        }
    }

    if (stem.size() + ext.size() > kMaxFileNameBytes)
        stem = text::truncateUtf8(stem, kMaxFileNameBytes - std::min(ext.size(), kMaxFileNameBytes));
    return stem + ext;
}

}  // namespace mofang::domain
