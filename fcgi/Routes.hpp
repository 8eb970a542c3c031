#pragma once

#include "fcgi/RouteContext.hpp"
#include "fcgi/Router.hpp"

namespace mofang::fcgi {

// The route table: every route family, in one place.
void addAllRoutes(Router& router, RouteContext& ctx);

}  // namespace mofang::fcgi
