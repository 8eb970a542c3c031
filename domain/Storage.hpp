#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "domain/Time.hpp"

namespace mofang::domain {

// What a finished blob is: its key (the hex SHA-256 of its bytes: identical bytes, one blob),
// size and checksums.
struct BlobInfo {
    std::string key;
    std::uint64_t size = 0;
    std::string sha256;  // hex
    std::uint32_t crc32 = 0;
};

// Where an object-storage blob lives, for the records that show it (seed 000 `oss_*` fields).
struct ObjectLocation {
    std::string objectName;  // the object's key in the bucket ("ab/cd/<sha256>")
    std::string url;         // its permanent (unsigned) URL at the endpoint
    std::string cdnUrl;      // the CDN URL when one is configured, else ""
    std::string folder;      // the "folder" part of objectName ("ab/cd")
};

struct BlobStat {
    std::uint64_t size = 0;
    Millis modifiedAt = 0;
};

// A blob being written. Bytes go in, are hashed as they pass, and stay invisible to readers
// until publish(). Destroying an unpublished writer discards its bytes.
class BlobWriter {
  public:
    virtual ~BlobWriter() = default;
    virtual void write(const char* data, std::size_t size) = 0;
    virtual std::uint64_t size() const = 0;
    // Ends the input; the key is known from here. Later calls return the same info.
    virtual const BlobInfo& finish() = 0;
    // A local file holding the finished bytes (for decoders that need a path). Valid until the
    // writer publishes or is destroyed.
    virtual std::string stagedPath() const = 0;
    // Makes the blob readable under its key, atomically and durably; when it already exists (same
    // bytes) it is kept, and its modification time refreshed either way (see
    // BlobStore::removeIfStale).
    virtual void publish() = 0;
};

// A byte range of a blob as a stream.
class BlobReader {
  public:
    virtual ~BlobReader() = default;
    // Up to `size` bytes; 0 at the end of the range.
    virtual std::size_t read(char* buffer, std::size_t size) = 0;
};

// Object storage (a port: persistence/ implements it on a local directory, and on S3).
// Failures of the storage itself throw DomainError Unavailable (503).
class BlobStore {
  public:
    virtual ~BlobStore() = default;
    virtual std::unique_ptr<BlobWriter> create() = 0;
    // Bytes [offset, offset + length) of the blob; throws NotFound when it does not exist.
    virtual std::unique_ptr<BlobReader> open(const std::string& key, std::uint64_t offset,
                                             std::uint64_t length) = 0;
    virtual std::optional<BlobStat> stat(const std::string& key) = 0;
    // A hint that [offset, offset + length) of the blob will be read soon (read-ahead of the next
    // file of a package); it may start fetching it in the background.
    virtual void prefetch(const std::string& key, std::uint64_t offset, std::uint64_t length) {
        (void)key, (void)offset, (void)length;
    }
    // Calls `visit` for every published blob (unordered).
    virtual void list(const std::function<void(const std::string& key, const BlobStat&)>& visit) = 0;
    // A point in the store's own time line (a local store: nanoseconds of its clock).
    virtual std::int64_t mark() = 0;
    // Removes the blob unless it was published (or re-published) at or after `mark`. A remover
    // takes the mark before it checks that nothing references the key; a writer pins the key
    // before it publishes: so a writer whose pin the check missed published after the mark, and
    // keeps its blob. True when removed.
    virtual bool removeIfStale(const std::string& key, std::int64_t mark) = 0;
    // Removes abandoned unpublished data (crashed writers) older than `before`; returns the
    // number of bytes freed.
    virtual std::uint64_t removeAbandoned(Millis before) = 0;
    // Where the bytes can be fetched by a client: for a local store, the path relative to its
    // root ("ab/cd/<key>", served by nginx through X-Accel-Redirect); for S3, nullopt here and a
    // URL from presignedUrl().
    virtual std::optional<std::string> localRelativePath(const std::string& key) const = 0;
    // A time-limited GET URL (S3), or nullopt for a local store.
    virtual std::optional<std::string> presignedUrl(const std::string& key, std::string_view contentType,
                                                    std::string_view contentDisposition) const = 0;
    // The bucket location of a blob (S3/OSS), or nullopt for a local store.
    virtual std::optional<ObjectLocation> objectLocation(const std::string& key) const {
        (void)key;
        return std::nullopt;
    }
    // Throws Unavailable when the store cannot be read and written (for /readyz and check).
    virtual void check() = 0;
};

// A local copy of generated images (`storage.local_backup`), kept besides object storage
// (seed 000 `local_path`). A port: persistence/ implements it on a directory.
class FileBackup {
  public:
    virtual ~FileBackup() = default;
    // Copies the local file `sourcePath` to `relativeName` under the backup root (creating
    // directories, replacing an older copy atomically) and returns the copy's absolute path.
    // Throws DomainError Unavailable when it cannot be written.
    virtual std::string save(const std::string& sourcePath, const std::string& relativeName) = 0;
};

// "ab/cd/abcdef…" for a key made of at least 4 characters.
std::string contentAddressedPath(std::string_view key);
// True for a 64-character lower-case hex key.
bool isContentKey(std::string_view key);

}  // namespace mofang::domain
