#pragma once

#include "fcgi/RouteContext.hpp"
#include "fcgi/Router.hpp"

namespace mofang::fcgi {

// The internal nginx location that serves local blobs by X-Accel-Redirect (nginx/mofang.conf).
inline constexpr const char* kBlobLocation = "/_mofang/blobs/";

// Material uploads (streamed multipart), metadata, order, deletion and bytes.
void addMaterialRoutes(Router& router, RouteContext& ctx);

}  // namespace mofang::fcgi
