#include "fcgi/routes/AuthRoutes.hpp"

#include "domain/Json.hpp"

namespace mofang::fcgi {
namespace dom = mofang::domain;

namespace {

std::string sessionCookie(const std::string& token, long maxAgeSeconds, bool secure) {
    std::string c = std::string(kSessionCookie) + "=" + token +
                    "; Path=/; Max-Age=" + std::to_string(maxAgeSeconds) + "; HttpOnly; SameSite=Lax";
    if (secure) c += "; Secure";
    return c;
}

}  // namespace

void addAuthRoutes(Router& router, RouteContext& ctx) {
    router.add("POST", "/api/v1/auth/login", [&ctx](Request& req) {
        const auto body = ctx.json(req);
        const auto login = body.requireString("login");
        const auto password = body.requireString("password");
        const auto result = ctx.services.auth.login(login, password, ctx.audit(req, nullptr));
        dom::JsonWriter w;
        w.beginObject()
            .key("user")
            .raw(dom::userJson(result.user))
            .field("token", result.token)
            .field("csrfToken", result.csrfToken)
            .field("expiresAt", dom::formatRfc3339(result.expiresAt))
            .endObject();
        const long maxAge = static_cast<long>((result.expiresAt - ctx.services.clock.now()) / 1000);
        return Response::json(200, w.take())
            .header("Set-Cookie", sessionCookie(result.token, maxAge, ctx.services.config.cookieSecure));
    });

    router.add("POST", "/api/v1/auth/logout", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        ctx.services.auth.logout(caller.auth, ctx.audit(req, &caller));
        return Response::noContent().header("Set-Cookie",
                                            sessionCookie("", 0, ctx.services.config.cookieSecure));
    });

    router.add("GET", "/api/v1/auth/me", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        dom::JsonWriter w;
        w.beginObject()
            .key("user")
            .raw(dom::userJson(caller.auth.user))
            .key("effectivePermissions")
            .beginArray();
        for (const auto& p : caller.principal().permissions()) w.value(p);
        w.endArray().endObject();
        return Response::json(200, w.take());
    });

    router.add("POST", "/api/v1/auth/password", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        const auto body = ctx.json(req);
        ctx.services.auth.changePassword(caller.auth, body.optString("currentPassword").value_or(""),
                                         body.optString("newPassword").value_or(""), ctx.audit(req, &caller));
        return Response::noContent();
    });
}

}  // namespace mofang::fcgi
