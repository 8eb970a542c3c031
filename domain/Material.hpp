#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/Permissions.hpp"
#include "domain/Product.hpp"
#include "domain/Time.hpp"

namespace mofang::domain {

using MaterialId = std::int64_t;

// A stored rendition of a material (thumbnail or preview), with what packages need to know of
// it without reading it.
struct StoredRendition {
    std::string key;
    std::uint64_t size = 0;
    std::uint32_t crc32 = 0;
    int width = 0;
    int height = 0;
};

struct Material {
    MaterialId id = 0;
    ModuleId moduleId = 0;
    ProductId productId = 0;
    std::string filename;  // sanitised (SPEC §4), extension of the detected type
    std::uint64_t filesize = 0;
    std::string mimeType;
    int width = 0;
    int height = 0;
    int order = 0;
    std::string storageKey;
    std::string sha256;
    std::uint32_t crc32 = 0;
    StoredRendition thumbnail;
    StoredRendition preview;
    UserId createdBy = 0;
    Millis createdAt = 0;
    Millis updatedAt = 0;
    bool deleted = false;
    std::optional<Millis> deletedAt;
};

// Seed 002 Material JSON plus moduleId, sha256, thumbnailUrl and previewUrl; the URLs are the
// API's own routes (/api/v1/materials/{id}/file, /thumbnail, /preview).
std::string materialJson(const Material& m);
// A JSON array of materialJson.
std::string materialsJson(const std::vector<Material>& ms);

// PATCH /materials/{id}: absent fields are nullopt.
struct MaterialInput {
    std::optional<std::string> filename;
    std::optional<std::int64_t> order;
};
// Validates every field at once (422 naming each) and returns the updated material. A new
// filename is sanitised like an upload's, keeping the stored type's extension.
Material applyMaterialInput(const MaterialInput& input, const Material& base);

// The extension (".jpg", ".png", ...) that belongs to a stored MIME type.
std::string_view extensionForMimeType(std::string_view mimeType);

// Content-Disposition value with an ASCII fallback and the RFC 5987 UTF-8 name:
//   attachment; filename="a_.jpg"; filename*=UTF-8''%E4%B8%AD.jpg
std::string contentDisposition(std::string_view disposition, std::string_view utf8Name);

}  // namespace mofang::domain
