#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace mofang::domain {

// Results computed at one version of the data they come from, kept while that version is the
// current one. The caller reads the version from the store (a counter its writers move on in the
// same transaction as each change) before it computes a value, so a kept value is never older
// than its version: a reader that sees version v gets what a fresh read at v or later returns.
// A value for another version empties the cache (versions normally only grow; a restored
// database may go back). At most `capacity` values; the oldest half goes when it is full.
template <class Value>
class VersionedCache final {
  public:
    explicit VersionedCache(std::size_t capacity) : capacity_(capacity) {}
    VersionedCache(const VersionedCache&) = delete;
    VersionedCache& operator=(const VersionedCache&) = delete;

    std::optional<Value> find(std::int64_t version, const std::string& key) const {
        std::lock_guard<std::mutex> lock(mutex_);
        if (version != version_) return std::nullopt;
        const auto found = entries_.find(key);
        if (found == entries_.end()) return std::nullopt;
        return found->second.value;
    }

    void put(std::int64_t version, const std::string& key, Value value) {
        if (capacity_ == 0) return;
        std::lock_guard<std::mutex> lock(mutex_);
        if (version != version_) {
            entries_.clear();
            version_ = version;
        }
        if (entries_.size() >= capacity_ && !entries_.count(key)) evictOldestHalf();
        entries_.insert_or_assign(key, Entry{std::move(value), ++stamp_});
    }

    std::size_t size() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return entries_.size();
    }

  private:
    struct Entry {
        Value value;
        std::uint64_t stamp;  // insertion order
    };

    void evictOldestHalf() {
        const std::uint64_t keepFrom = stamp_ - entries_.size() / 2;
        for (auto it = entries_.begin(); it != entries_.end();)
            it = it->second.stamp <= keepFrom ? entries_.erase(it) : std::next(it);
    }

    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::int64_t version_ = -1;
    std::uint64_t stamp_ = 0;
    std::unordered_map<std::string, Entry> entries_;
};

}  // namespace mofang::domain
