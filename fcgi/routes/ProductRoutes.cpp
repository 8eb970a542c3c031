#include "fcgi/routes/ProductRoutes.hpp"

#include "domain/Errors.hpp"
#include "domain/Json.hpp"
#include "domain/Material.hpp"
#include "domain/Paging.hpp"
#include "domain/ProductService.hpp"
#include "domain/Text.hpp"
#include "fcgi/PageResponse.hpp"

namespace mofang::fcgi {
namespace dom = mofang::domain;

namespace {

// Stored names, tags and designers are trimmed, so filter values are too: both databases then
// agree (MariaDB's collations would ignore trailing spaces anyway, SQLite's would not).
dom::ProductFilter filterFrom(const Request& req) {
    const auto trimmed = [](std::optional<std::string> v) {
        if (v) v = dom::text::trim(*v);
        return v;
    };
    dom::ProductFilter f;
    f.gender = req.query("gender");
    f.ageRange = req.query("ageRange");
    for (auto& v : req.queryAll("scenario")) f.scenarios.push_back(dom::text::trim(v));
    for (auto& v : req.queryAll("style")) f.styles.push_back(dom::text::trim(v));
    f.designer = trimmed(req.query("designer"));
    f.q = req.query("q");
    return f;
}

dom::ProductInput productInput(const JsonInput& body) {
    dom::ProductInput in;
    in.name = body.optString("name");
    in.spuCode = body.optString("spuCode");
    in.gender = body.optString("gender");
    in.ageRange = body.optString("ageRange");
    in.scenarios = body.optStringArray("scenarios");
    in.styles = body.optStringArray("styles");
    if (auto designers = body.optObject("designers")) {
        in.threeDDesigner = designers->optString("threeDDesigner");
        in.graphicDesigner = designers->optString("graphicDesigner");
    }
    return in;
}

dom::ModuleInput moduleInput(const JsonInput& body) {
    dom::ModuleInput in;
    in.type = body.optString("type");
    in.subType = body.optString("subType");
    in.order = body.optInt("order");
    return in;
}

// Modules with their live materials embedded (one query for all of them).
std::string modulesJson(RouteContext& ctx, const Caller& caller, const std::vector<dom::MaterialModule>& modules) {
    std::vector<dom::ModuleId> ids;
    for (const auto& m : modules) ids.push_back(m.id);
    const auto materials = ctx.services.materials.forModules(caller.principal(), ids);
    dom::JsonWriter w;
    w.beginArray();
    for (const auto& m : modules) {
        const auto it = materials.find(m.id);
        w.raw(dom::moduleJson(m, dom::materialsJson(it == materials.end() ? std::vector<dom::Material>{} : it->second)));
    }
    w.endArray();
    return w.take();
}

bool includeModules(const Request& req) {
    const auto include = req.query("include");
    if (!include) return false;
    if (*include != "modules")
        throw dom::badRequest("include must be 'modules'", {{"include", "must be 'modules'"}});
    return true;
}

Response productResponse(RouteContext& ctx, const Caller& caller, const Request& req, const dom::Product& p,
                         int status) {
    std::optional<std::string> modules;
    if (includeModules(req)) modules = modulesJson(ctx, caller, ctx.services.products.modules(caller.principal(), p.id));
    return Response::json(status, dom::productJson(p, modules));
}

}  // namespace

void addProductRoutes(Router& router, RouteContext& ctx) {
    router.add("GET", "/api/v1/products", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        dom::ProductQuery q;
        q.filter = filterFrom(req);
        const auto sort = req.query("sort").value_or("createdAt");
        if (sort == "name")
            q.sort = dom::ProductSort::NameAsc;
        else if (sort != "createdAt")
            throw dom::badRequest("sort must be createdAt or name", {{"sort", "must be createdAt or name"}});
        const int limit = dom::parsePageLimit(req.query("limit"));
        if (auto c = req.query("cursor")) q.after = dom::decodeProductCursor(*c, q.sort);
        q.limit = limit + 1;
        return pageResponse(
            ctx.services.products.list(caller.principal(), q, caller.auth.catalogueVersion), limit,
            [](const dom::Product& p) { return dom::productJson(p); },
            [&q](const dom::Product& p) { return dom::encodeProductCursor(dom::cursorAfter(p, q.sort)); });
    });

    router.add("GET", "/api/v1/products/facets", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        return Response::json(
            200, dom::facetsJson(ctx.services.products.facets(caller.principal(), filterFrom(req),
                                                              caller.auth.catalogueVersion)));
    });

    router.add("POST", "/api/v1/products", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        caller.principal().require(dom::perm::kProductWrite);
        const auto input = productInput(ctx.json(req));
        const auto p = ctx.services.products.create(caller.principal(), input, ctx.audit(req, &caller));
        return Response::json(201, dom::productJson(p));
    });

    router.add("GET", "/api/v1/products/by-spu/{spuCode}", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        const auto p = ctx.services.products.getBySpu(caller.principal(), req.pathParams.at("spuCode"));
        return productResponse(ctx, caller, req, p, 200);
    });

    router.add("GET", "/api/v1/products/{id}", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        const auto p = ctx.services.products.get(caller.principal(), RouteContext::pathId(req));
        return productResponse(ctx, caller, req, p, 200);
    });

    router.add("PATCH", "/api/v1/products/{id}", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        caller.principal().require(dom::perm::kProductWrite);
        const auto id = RouteContext::pathId(req);
        const auto input = productInput(ctx.json(req));
        return Response::json(200, dom::productJson(ctx.services.products.update(
                                       caller.principal(), id, input, ctx.audit(req, &caller))));
    });

    router.add("DELETE", "/api/v1/products/{id}", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        ctx.services.products.remove(caller.principal(), RouteContext::pathId(req), ctx.audit(req, &caller));
        return Response::noContent();
    });

    router.add("GET", "/api/v1/products/{id}/modules", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        const auto modules = ctx.services.products.modules(caller.principal(), RouteContext::pathId(req));
        return Response::json(200, R"({"items":)" + modulesJson(ctx, caller, modules) + "}");
    });

    router.add("POST", "/api/v1/products/{id}/modules", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        caller.principal().require(dom::perm::kProductWrite);
        const auto productId = RouteContext::pathId(req);
        const auto input = moduleInput(ctx.json(req));
        const auto m =
            ctx.services.products.createModule(caller.principal(), productId, input, ctx.audit(req, &caller));
        return Response::json(201, dom::moduleJson(m));
    });

    router.add("GET", "/api/v1/modules/{id}", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        const auto m = ctx.services.products.module(caller.principal(), RouteContext::pathId(req));
        return Response::json(200, dom::moduleJson(m, dom::materialsJson(ctx.services.materials.forModules(
                                                          caller.principal(), {m.id})[m.id])));
    });

    router.add("PATCH", "/api/v1/modules/{id}", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        caller.principal().require(dom::perm::kProductWrite);
        const auto id = RouteContext::pathId(req);
        const auto input = moduleInput(ctx.json(req));
        return Response::json(200, dom::moduleJson(ctx.services.products.updateModule(
                                       caller.principal(), id, input, ctx.audit(req, &caller))));
    });

    router.add("DELETE", "/api/v1/modules/{id}", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        ctx.services.products.removeModule(caller.principal(), RouteContext::pathId(req),
                                           ctx.audit(req, &caller));
        return Response::noContent();
    });
}

}  // namespace mofang::fcgi
