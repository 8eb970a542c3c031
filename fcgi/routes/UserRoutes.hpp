#pragma once

#include "fcgi/RouteContext.hpp"
#include "fcgi/Router.hpp"

namespace mofang::fcgi {

// /api/v1/users and /api/v1/users/{id} (user.manage)
void addUserRoutes(Router& router, RouteContext& ctx);

}  // namespace mofang::fcgi
