#include "domain/Selection.hpp"

#include "domain/Json.hpp"

namespace mofang::domain {

std::string selectionJson(const Selection& s) {
    JsonWriter w;
    w.beginObject()
        .field("id", std::to_string(s.id))
        .field("userId", std::to_string(s.userId))
        .field("productId", std::to_string(s.productId))
        .key("selections")
        .beginArray();
    for (const auto& item : s.items)
        w.beginObject()
            .field("moduleId", std::to_string(item.moduleId))
            .field("materialId", std::to_string(item.materialId))
            .endObject();
    w.endArray()
        .field("createdAt", formatRfc3339(s.createdAt))
        .field("updatedAt", formatRfc3339(s.updatedAt))
        .endObject();
    return w.take();
}

std::string_view toString(DownloadType t) {
    return t == DownloadType::Preview ? "preview" : "package";
}

std::string downloadJson(const DownloadRecord& d) {
    JsonWriter w;
    w.beginObject()
        .field("id", std::to_string(d.id))
        .field("userId", std::to_string(d.userId))
        .field("productId", std::to_string(d.productId))
        .field("selectionId", std::to_string(d.selectionId))
        .field("downloadTime", formatRfc3339(d.downloadTime))
        .field("downloadType", toString(d.type))
        .field("size", static_cast<std::int64_t>(d.size))
        .endObject();
    return w.take();
}

}  // namespace mofang::domain
