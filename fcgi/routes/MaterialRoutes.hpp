#pragma once

#include <string>

#include "domain/Storage.hpp"
#include "fcgi/RouteContext.hpp"
#include "fcgi/Router.hpp"

namespace mofang::fcgi {

// The internal nginx location that serves local blobs by X-Accel-Redirect (nginx/mofang.conf).
inline constexpr const char* kBlobLocation = "/_mofang/blobs/";

// The response that hands out a blob's bytes: local storage → X-Accel-Redirect to the internal
// location (nginx serves the file: sendfile, Range, ETag); S3 → 302 to a presigned or CDN URL.
Response blobResponse(domain::BlobStore& blobs, const std::string& key, const std::string& contentType,
                      const std::string& contentDisposition);

// Material uploads (streamed multipart), metadata, order, deletion and bytes.
void addMaterialRoutes(Router& router, RouteContext& ctx);

}  // namespace mofang::fcgi
