#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "domain/Storage.hpp"

namespace mofang::persistence {

// The `storage` URI of an S3-compatible store:
//   s3://BUCKET?endpoint=https://HOST[:PORT]&region=R&accessKey=K&secretKey=S[&pathStyle=true]
//     [&cdn=https://…][&publicEndpoint=https://…][&partSize=BYTES][&staging=DIR][&caFile=PEM]
//     [&timeout=SECONDS][&presignExpires=SECONDS]
// Values are percent-decoded ('+' stays '+': AWS secrets contain it).
struct S3Config {
    std::string bucket;
    std::string endpoint;        // scheme://host[:port] that this process talks to
    std::string publicEndpoint;  // what presigned URLs point at (default: endpoint)
    std::string region = "us-east-1";
    std::string accessKey;
    std::string secretKey;
    bool pathStyle = false;  // https://host/BUCKET/key instead of https://BUCKET.host/key
    std::string cdn;         // when set, clients fetch cdn + "/ab/cd/<key>" instead of a presigned URL
    std::uint64_t partSize = 8 * 1024 * 1024;  // blobs of at least this size go up as multipart uploads
    std::string staging;                       // local directory of the writers' temp files
    std::string caFile;                        // PEM CA bundle for https (default: the system's)
    int timeoutSeconds = 30;                   // per socket operation
    std::int64_t presignExpiresSeconds = 3600;
    int listPageSize = 1000;  // keys per ListObjectsV2 page (not in the URI; tests make it small)
};

// Parses and validates an s3:// URI; throws domain::ConfigError("storage", …) naming what is wrong.
S3Config parseS3Uri(const std::string& uri);

// Content-addressed blobs in an S3 bucket under "ab/cd/<sha256>" (the local store's layout).
// A writer stages the bytes in a local temp file while hashing them (the key is the SHA-256 of
// the content, known only at the end; decoders also need a path), and publish() uploads it: one
// PUT below partSize, a multipart upload from there; every request carries the hex SHA-256 of
// its payload. Reads are ranged GETs streamed from the response. HTTP(S) connections are kept
// alive in a pool owned by the store; requests are retried (3 attempts, backoff) on 5xx,
// timeouts and resets. Failures throw DomainError Unavailable (NotFound for a missing blob) and
// are reported to `log` first.
class S3BlobStore final : public domain::BlobStore {
  public:
    using FailureLog = std::function<void(std::string_view event, const std::string& detail)>;

    explicit S3BlobStore(S3Config config, FailureLog log = {});
    ~S3BlobStore() override;

    std::unique_ptr<domain::BlobWriter> create() override;
    std::unique_ptr<domain::BlobReader> open(const std::string& key, std::uint64_t offset,
                                             std::uint64_t length) override;
    std::optional<domain::BlobStat> stat(const std::string& key) override;
    // Starts a GET of the range in the background (at most 1 MiB of it read ahead into memory);
    // this thread's next stat() and open() of it use that response.
    void prefetch(const std::string& key, std::uint64_t offset, std::uint64_t length) override;
    void list(const std::function<void(const std::string& key, const domain::BlobStat&)>& visit) override;
    // The store's own clock: the Date of a response (milliseconds, whole seconds); when the
    // server cannot be reached, our clock minus S3's 15-minute skew limit (never throws: callers
    // take the mark before they clean up).
    std::int64_t mark() override;
    // HEAD, then DELETE unless Last-Modified ≥ mark. S3 has no atomic rename: a publish of the
    // same key that completes between the HEAD and the DELETE is lost (one round trip).
    bool removeIfStale(const std::string& key, std::int64_t mark) override;
    // Temp files of dead writers, and multipart uploads started before `before` (where the server
    // lists them).
    std::uint64_t removeAbandoned(domain::Millis before) override;
    std::optional<std::string> localRelativePath(const std::string& key) const override;
    std::optional<std::string> presignedUrl(const std::string& key, std::string_view contentType,
                                            std::string_view contentDisposition) const override;
    // The object's key, its unsigned URL at publicEndpoint (path or virtual-host style) and the
    // CDN URL when `cdn` is set; nullopt for a key that is not a content key.
    std::optional<domain::ObjectLocation> objectLocation(const std::string& key) const override;
    void check() override;

    const S3Config& config() const;

    // Implementation (S3BlobStore.cpp); public so that the writer and reader there can use it.
    class Client;

  private:
    class ReadAhead;
    std::unique_ptr<Client> client_;
    std::unique_ptr<ReadAhead> readAhead_;  // after client_: its threads use the client
};

}  // namespace mofang::persistence
