#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "domain/Ports.hpp"
#include "domain/Storage.hpp"

namespace mofang::domain {

// Pins a writer holds on blob keys (see BlobReferenceRepository): pin id and key.
using BlobPins = std::vector<std::pair<std::int64_t, std::string>>;

// Pins every key in one committed transaction (before the blobs are published).
BlobPins pinBlobKeys(Store& store, const std::vector<std::string>& keys, Millis now);

// After a failed or abandoned write: unpins, then removes the keys that nothing else references
// (rows soft-deleted at or after `deletedSince` still do). Best effort and never throws: whatever
// stays behind (database down, say) is garbage for `mofangctl gc`.
void releaseBlobPins(Store& store, BlobStore& blobs, const BlobPins& pins, Millis deletedSince) noexcept;

}  // namespace mofang::domain
