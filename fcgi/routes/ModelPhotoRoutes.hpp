#pragma once

#include "fcgi/RouteContext.hpp"
#include "fcgi/Router.hpp"

namespace mofang::fcgi {

// Model-photo requests (one or a batch), their list and detail, retry, cancel, delete, and the
// generated images' bytes.
void addModelPhotoRoutes(Router& router, RouteContext& ctx);

}  // namespace mofang::fcgi
