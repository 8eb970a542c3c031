#pragma once

#include "fcgi/RouteContext.hpp"
#include "fcgi/Router.hpp"

namespace mofang::fcgi {

// /api/v1/selections (CRUD and the streamed ZIP package) and /api/v1/downloads.
void addSelectionRoutes(Router& router, RouteContext& ctx);

}  // namespace mofang::fcgi
