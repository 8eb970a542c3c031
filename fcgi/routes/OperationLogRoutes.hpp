#pragma once

#include "fcgi/RouteContext.hpp"
#include "fcgi/Router.hpp"

namespace mofang::fcgi {

// GET /api/v1/operation-logs (log.read)
void addOperationLogRoutes(Router& router, RouteContext& ctx);

}  // namespace mofang::fcgi
