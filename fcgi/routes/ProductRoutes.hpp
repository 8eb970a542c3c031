#pragma once

#include "fcgi/RouteContext.hpp"
#include "fcgi/Router.hpp"

namespace mofang::fcgi {

// /api/v1/products (list, facets, CRUD, by-spu) and material modules.
void addProductRoutes(Router& router, RouteContext& ctx);

}  // namespace mofang::fcgi
