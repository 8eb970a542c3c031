#include "fcgi/Routes.hpp"

#include "fcgi/routes/AuthRoutes.hpp"
#include "fcgi/routes/MaterialRoutes.hpp"
#include "fcgi/routes/ModelPhotoRoutes.hpp"
#include "fcgi/routes/OperationLogRoutes.hpp"
#include "fcgi/routes/ProductRoutes.hpp"
#include "fcgi/routes/SelectionRoutes.hpp"
#include "fcgi/routes/SystemRoutes.hpp"
#include "fcgi/routes/UserRoutes.hpp"

namespace mofang::fcgi {

void addAllRoutes(Router& router, RouteContext& ctx) {
    addSystemRoutes(router, ctx);
    addAuthRoutes(router, ctx);
    addUserRoutes(router, ctx);
    addOperationLogRoutes(router, ctx);
    addProductRoutes(router, ctx);
    addMaterialRoutes(router, ctx);
    addSelectionRoutes(router, ctx);
    addModelPhotoRoutes(router, ctx);
}

}  // namespace mofang::fcgi
