#include "fcgi/routes/UserRoutes.hpp"

#include "domain/Json.hpp"
#include "domain/Paging.hpp"
#include "fcgi/PageResponse.hpp"

namespace mofang::fcgi {
namespace dom = mofang::domain;

namespace {

constexpr const char* kCursorTag = "users";

}  // namespace

void addUserRoutes(Router& router, RouteContext& ctx) {
    router.add("GET", "/api/v1/users", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        const int limit = dom::parsePageLimit(req.query("limit"));
        std::optional<dom::UserId> after;
        if (auto c = req.query("cursor")) after = dom::decodeIdCursor(kCursorTag, *c);
        return pageResponse(ctx.services.users.list(caller.principal(), after, limit + 1), limit,
                            dom::userJson,
                            [](const dom::User& u) { return dom::encodeIdCursor(kCursorTag, u.id); });
    });

    router.add("POST", "/api/v1/users", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        caller.principal().require(dom::perm::kUserManage);
        const auto body = ctx.json(req);
        dom::NewUser input;
        input.username = body.optString("username").value_or("");
        input.email = body.optString("email").value_or("");
        input.password = body.optString("password").value_or("");
        input.role = body.optString("role").value_or("");
        input.permissions = body.optStringArray("permissions").value_or(std::vector<std::string>{});
        input.status = body.optString("status").value_or("active");
        const auto user = ctx.services.users.create(caller.principal(), input, ctx.audit(req, &caller));
        return Response::json(201, dom::userJson(user));
    });

    router.add("GET", "/api/v1/users/{id}", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        caller.principal().require(dom::perm::kUserManage);
        return Response::json(
            200, dom::userJson(ctx.services.users.get(caller.principal(), RouteContext::pathId(req))));
    });

    router.add("PATCH", "/api/v1/users/{id}", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        caller.principal().require(dom::perm::kUserManage);
        const auto id = RouteContext::pathId(req);
        const auto body = ctx.json(req);
        dom::UserPatch patch;
        patch.email = body.optString("email");
        patch.role = body.optString("role");
        patch.permissions = body.optStringArray("permissions");
        patch.status = body.optString("status");
        patch.password = body.optString("password");
        const auto user = ctx.services.users.update(caller.principal(), id, patch, ctx.audit(req, &caller));
        return Response::json(200, dom::userJson(user));
    });
}

}  // namespace mofang::fcgi
