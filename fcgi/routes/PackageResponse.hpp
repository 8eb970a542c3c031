#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "fcgi/RouteContext.hpp"

namespace mofang::fcgi {

// A byte range of a representation of `size` bytes, both ends inclusive.
struct ByteRange {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
};

// One `Range: bytes=…` value against a representation of `size` bytes (RFC 9110 §14.1.2):
// nullopt when the header is to be ignored (not bytes, several ranges, malformed); throws
// RangeNotSatisfiable (416) when it cannot be satisfied.
std::optional<ByteRange> parseRange(std::string_view header, std::uint64_t size);

// GET /api/v1/selections/{id}/package: the streamed ZIP (SPEC §6) with Range / If-Range.
Response packageResponse(RouteContext& ctx, Request& req, std::int64_t selectionId);

}  // namespace mofang::fcgi
