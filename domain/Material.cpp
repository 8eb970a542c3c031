#include "domain/Material.hpp"

#include "domain/Errors.hpp"
#include "domain/FileName.hpp"
#include "domain/Json.hpp"

namespace mofang::domain {

std::string materialJson(const Material& m) {
    const std::string base = "/api/v1/materials/" + std::to_string(m.id);
    JsonWriter w;
    w.beginObject()
        .field("id", std::to_string(m.id))
        .field("moduleId", std::to_string(m.moduleId))
        .field("url", base + "/file")
        .field("filename", m.filename)
        .field("filesize", static_cast<std::int64_t>(m.filesize))
        .field("mimetype", m.mimeType)
        .field("width", m.width)
        .field("height", m.height)
        .field("order", m.order)
        .field("sha256", m.sha256)
        .field("thumbnailUrl", base + "/thumbnail")
        .field("previewUrl", base + "/preview")
        .field("createdAt", formatRfc3339(m.createdAt))
        .field("updatedAt", formatRfc3339(m.updatedAt))
        .endObject();
    return w.take();
}

std::string materialsJson(const std::vector<Material>& ms) {
    std::string out = "[";
    for (std::size_t i = 0; i < ms.size(); ++i) {
        if (i) out += ',';
        out += materialJson(ms[i]);
    }
    out += ']';
    return out;
}

std::string_view extensionForMimeType(std::string_view mimeType) {
    if (mimeType == "image/jpeg") return ".jpg";
    if (mimeType == "image/png") return ".png";
    if (mimeType == "image/webp") return ".webp";
    if (mimeType == "image/gif") return ".gif";
    return "";
}

Material applyMaterialInput(const MaterialInput& in, const Material& base) {
    FieldErrors errors;
    Material m = base;
    if (in.filename) {
        try {
            m.filename = sanitizeMaterialFileName(*in.filename, extensionForMimeType(m.mimeType), "filename");
        } catch (const DomainError& e) {
            for (const auto& d : e.details()) errors.add(d.field, d.message);
        }
    }
    if (in.order) {
        if (*in.order < 0 || *in.order > 1'000'000)
            errors.add("order", "must be between 0 and 1000000");
        else
            m.order = static_cast<int>(*in.order);
    }
    errors.throwIfAny();
    return m;
}

std::string contentDisposition(std::string_view disposition, std::string_view utf8Name) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string fallback, encoded;
    for (unsigned char c : utf8Name) {
        // RFC 5987 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"
        const bool attrChar = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                              std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
        if (attrChar) {
            encoded += static_cast<char>(c);
        } else {
            encoded += '%';
            encoded += kHex[c >> 4];
            encoded += kHex[c & 15];
        }
        // The quoted fallback: printable ASCII without quote and backslash.
        fallback += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? static_cast<char>(c) : '_';
    }
    std::string out(disposition);
    out += "; filename=\"" + fallback + "\"; filename*=UTF-8''" + encoded;
    return out;
}

}  // namespace mofang::domain
