#pragma once

#include "fcgi/RouteContext.hpp"
#include "fcgi/Router.hpp"

namespace mofang::fcgi {

// /api/v1/auth/login|logout|me|password
void addAuthRoutes(Router& router, RouteContext& ctx);

}  // namespace mofang::fcgi
