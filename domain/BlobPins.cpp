#include "domain/BlobPins.hpp"

#include <set>

namespace mofang::domain {

BlobPins pinBlobKeys(Store& store, const std::vector<std::string>& keys, Millis now) {
    BlobPins pins;
    if (keys.empty()) return pins;
    store.transact([&](Repositories& r) {
        BlobPins made;
        for (const auto& key : keys) made.emplace_back(r.blobReferences().pin(key, now), key);
        pins = std::move(made);
    });
    return pins;
}

void releaseBlobPins(Store& store, BlobStore& blobs, const BlobPins& pins, Millis deletedSince) noexcept {
    if (pins.empty()) return;
    try {
        // The mark comes first: a concurrent writer that pins one of these keys after the
        // reference check below publishes after the mark, and keeps its blob.
        const std::int64_t mark = blobs.mark();
        store.transact([&](Repositories& r) {
            for (const auto& pin : pins) r.blobReferences().unpin(pin.first);
        });
        std::set<std::string> keys;
        for (const auto& pin : pins) keys.insert(pin.second);
        for (const auto& key : keys) {
            bool referenced = true;
            store.read([&](Repositories& r) { referenced = r.blobReferences().isReferenced(key, deletedSince); });
            if (!referenced) blobs.removeIfStale(key, mark);
        }
    } catch (...) {
    }
}

}  // namespace mofang::domain
