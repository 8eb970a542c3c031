#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mofang::fcgi {

// The boundary parameter of a multipart/form-data Content-Type (quoted or not); nullopt when the
// type is not multipart/form-data or has no valid boundary (1–70 characters, RFC 2046).
std::optional<std::string> multipartBoundary(std::string_view contentType);

struct PartHeaders {
    std::string name;                     // Content-Disposition name
    std::optional<std::string> filename;  // filename*=UTF-8''… (RFC 5987) wins over filename="…";
                                          // raw bytes as sent (UTF-8 is not validated here)
    std::string contentType;              // as sent, "" when absent
    std::vector<std::pair<std::string, std::string>> headers;  // all of them, names lower-cased
};

// Streams a multipart/form-data body (RFC 7578) from a byte source, part by part, in constant
// memory: nothing is buffered beyond one read buffer and one part's headers. Works whether or not
// the total length is known (the source returns 0 at the end). Malformed input (no opening
// boundary, a missing final boundary, headers over the limit, a part without a
// Content-Disposition form-data name, more than Limits::maxParts parts) throws
// domain::DomainError BadRequest (400) with code "malformed_multipart"; the error sticks (every
// later call throws it again). The boundary must be one that multipartBoundary() accepts.
// Delimiters are CRLF--boundary, or LF--boundary when the opening boundary line ends in a bare LF;
// part headers may end lines with CRLF or LF.
class MultipartReader final {
  public:
    using Source = std::function<std::size_t(char* buffer, std::size_t size)>;  // 0 at the end

    struct Limits {
        std::size_t maxHeaderBytes = 16 * 1024;  // one part's header block
        std::size_t maxParts = 1000;
    };

    MultipartReader(Source source, std::string boundary, Limits limits);
    MultipartReader(Source source, std::string boundary)
        : MultipartReader(std::move(source), std::move(boundary), Limits{}) {}

    // Moves to the next part (skipping whatever is left of the current one) and returns its
    // headers; nullopt after the final boundary.
    std::optional<PartHeaders> nextPart();
    // Up to `size` bytes of the current part's body; 0 at its end.
    std::size_t read(char* buffer, std::size_t size);

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace mofang::fcgi
