#pragma once

#include <string>

#include "domain/Storage.hpp"

namespace mofang::persistence {

// Content-addressed blobs in a local directory: <root>/ab/cd/<sha256>. A writer streams into
// <root>/.staging/ (same file system, so publishing is an atomic rename), hashing SHA-256 and
// CRC-32 as the bytes pass; finish() fsyncs, publish() renames into place and fsyncs the
// directory. Blobs are immutable; removal goes through a rename to a trash name so that a
// concurrent re-publish of the same key is never lost (removeIfStale).
class LocalBlobStore final : public domain::BlobStore {
  public:
    // Creates the root and staging directories when missing; throws Unavailable when it cannot.
    explicit LocalBlobStore(std::string root);

    std::unique_ptr<domain::BlobWriter> create() override;
    std::unique_ptr<domain::BlobReader> open(const std::string& key, std::uint64_t offset,
                                             std::uint64_t length) override;
    std::optional<domain::BlobStat> stat(const std::string& key) override;
    void prefetch(const std::string& key, std::uint64_t offset, std::uint64_t length) override;
    void list(const std::function<void(const std::string& key, const domain::BlobStat&)>& visit) override;
    std::int64_t mark() override;
    bool removeIfStale(const std::string& key, std::int64_t mark) override;
    std::uint64_t removeAbandoned(domain::Millis before) override;
    std::optional<std::string> localRelativePath(const std::string& key) const override;
    std::optional<std::string> presignedUrl(const std::string& key, std::string_view contentType,
                                            std::string_view contentDisposition) const override;
    void check() override;

    const std::string& root() const { return root_; }

  private:
    std::string pathOf(const std::string& key) const;
    std::string root_;
    std::string staging_;
};

}  // namespace mofang::persistence
