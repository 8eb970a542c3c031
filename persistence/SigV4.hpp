#pragma once

// AWS Signature Version 4 (AWS4-HMAC-SHA256), as S3 and the S3 APIs of Aliyun OSS, MinIO, COS
// and R2 take it: header-signed requests and presigned query URLs. Pure functions of their
// inputs (the caller passes the time), so that the published AWS examples are known-answer tests.

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mofang::persistence::sigv4 {

// The payload hash of a request whose body is not signed (presigned URLs).
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

struct Credentials {
    std::string accessKey;
    std::string secretKey;
    std::string region;
    std::string service = "s3";
};

using Pairs = std::vector<std::pair<std::string, std::string>>;

// What is signed of one request. Names and values are as sent, not yet encoded.
struct Request {
    std::string method;
    std::string path = "/";   // e.g. "/bucket/ab/cd/<key>"; each segment is URI-encoded once (S3 style)
    Pairs query;              // e.g. {{"uploadId", "x"}}; a bare sub-resource has an empty value
    Pairs headers;            // every header given is signed; must include "host"
    std::string payloadHash;  // hex SHA-256 of the body, or kUnsignedPayload
};

// Lower-case hex of bytes.
std::string hex(std::string_view bytes);
// Hex SHA-256 of bytes.
std::string sha256Hex(std::string_view bytes);
// The raw 32-byte HMAC-SHA256 of data under key.
std::string hmacSha256(std::string_view key, std::string_view data);

// "20130524T000000Z" (UTC) of a time.
std::string amzDate(std::time_t t);

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters (A-Z a-z 0-9 - . _ ~) stay,
// every other byte becomes %XY (upper-case hex); '/' stays when encodeSlash is false.
std::string uriEncode(std::string_view s, bool encodeSlash = true);

// The parts of the algorithm, exposed for the known-answer tests.
std::string canonicalQuery(const Pairs& query);
std::string signedHeaders(const Pairs& headers);
std::string canonicalRequest(const Request& request);
std::string credentialScope(std::string_view date, const Credentials& credentials);
std::string stringToSign(std::string_view amzDate, std::string_view scope, std::string_view canonicalRequest);
std::string signingKey(std::string_view secretKey, std::string_view date, std::string_view region,
                       std::string_view service);
// Hex signature of a request at amzDate ("YYYYMMDDTHHMMSSZ").
std::string signature(const Credentials& credentials, std::string_view amzDate, const Request& request);

// The Authorization header value. The request's headers must already hold x-amz-date (=
// amzDate) and, for S3, x-amz-content-sha256 (= payloadHash).
std::string authorization(const Credentials& credentials, std::string_view amzDate, const Request& request);

// The query string (encoded, without '?') of a presigned URL for `request` (its headers: at
// least host): the request's own query (e.g. response-content-type) plus X-Amz-Algorithm,
// X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders, and X-Amz-Signature last.
// The payload is UNSIGNED-PAYLOAD whatever request.payloadHash says.
std::string presignedQuery(const Credentials& credentials, std::string_view amzDate,
                           std::int64_t expiresSeconds, Request request);

}  // namespace mofang::persistence::sigv4
