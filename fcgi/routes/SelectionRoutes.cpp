#include "fcgi/routes/SelectionRoutes.hpp"

#include "domain/Errors.hpp"
#include "domain/Paging.hpp"
#include "domain/SelectionService.hpp"
#include "domain/Text.hpp"
#include "fcgi/PageResponse.hpp"
#include "fcgi/routes/PackageResponse.hpp"

namespace mofang::fcgi {
namespace dom = mofang::domain;

namespace {

constexpr std::string_view kSelectionCursor = "sel";
constexpr std::string_view kDownloadCursor = "dl";

dom::SelectionInput selectionInput(const JsonInput& body) {
    dom::SelectionInput in;
    in.productId = body.optString("productId");
    if (auto items = body.optObjectArray("selections")) {
        in.items.emplace();
        for (const auto& item : *items) in.items->push_back({item.optString("moduleId"), item.optString("materialId")});
    }
    return in;
}

std::optional<std::int64_t> idQuery(const Request& req, const std::string& name) {
    const auto raw = req.query(name);
    if (!raw) return std::nullopt;
    const auto id = dom::text::parseInteger(*raw, 1, INT64_MAX);
    if (!id) throw dom::badRequest(name + " must be an id", {{name, "must be an id"}});
    return *id;
}

}  // namespace

void addSelectionRoutes(Router& router, RouteContext& ctx) {
    router.add("GET", "/api/v1/selections", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        dom::SelectionQuery q;
        q.userId = idQuery(req, "userId");
        const int limit = dom::parsePageLimit(req.query("limit"));
        if (auto c = req.query("cursor")) q.beforeId = dom::decodeIdCursor(kSelectionCursor, *c);
        q.limit = limit + 1;
        return pageResponse(
            ctx.services.selections.list(caller.principal(), q), limit,
            [](const dom::Selection& s) { return dom::selectionJson(s); },
            [](const dom::Selection& s) { return dom::encodeIdCursor(kSelectionCursor, s.id); });
    });

    router.add("POST", "/api/v1/selections", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        caller.principal().require(dom::perm::kSelectionWrite);
        const auto input = selectionInput(ctx.json(req));
        return Response::json(
            201, dom::selectionJson(ctx.services.selections.create(caller.principal(), input, ctx.audit(req, &caller))));
    });

    router.add("GET", "/api/v1/selections/{id}", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        return Response::json(
            200, dom::selectionJson(ctx.services.selections.get(caller.principal(), RouteContext::pathId(req))));
    });

    router.add("PUT", "/api/v1/selections/{id}", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        caller.principal().require(dom::perm::kSelectionWrite);
        const auto id = RouteContext::pathId(req);
        const auto input = selectionInput(ctx.json(req));
        return Response::json(200, dom::selectionJson(ctx.services.selections.update(caller.principal(), id, input,
                                                                                     ctx.audit(req, &caller))));
    });

    router.add("DELETE", "/api/v1/selections/{id}", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        ctx.services.selections.remove(caller.principal(), RouteContext::pathId(req), ctx.audit(req, &caller));
        return Response::noContent();
    });

    router.add("GET", "/api/v1/selections/{id}/package",
               [&ctx](Request& req) { return packageResponse(ctx, req, RouteContext::pathId(req)); });

    router.add("GET", "/api/v1/downloads", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        dom::DownloadQuery q;
        q.userId = idQuery(req, "userId");
        q.productId = idQuery(req, "productId");
        const int limit = dom::parsePageLimit(req.query("limit"));
        if (auto c = req.query("cursor")) q.beforeId = dom::decodeIdCursor(kDownloadCursor, *c);
        q.limit = limit + 1;
        return pageResponse(
            ctx.services.packages.downloads(caller.principal(), q), limit,
            [](const dom::DownloadRecord& d) { return dom::downloadJson(d); },
            [](const dom::DownloadRecord& d) { return dom::encodeIdCursor(kDownloadCursor, d.id); });
    });
}

}  // namespace mofang::fcgi
