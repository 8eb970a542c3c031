#pragma once

#include "fcgi/RouteContext.hpp"
#include "fcgi/Router.hpp"

namespace mofang::fcgi {

// /healthz, /readyz, /metrics at the root; with debug.routes, /api/v1/debug/sleep (tests only).
void addSystemRoutes(Router& router, RouteContext& ctx);

}  // namespace mofang::fcgi
