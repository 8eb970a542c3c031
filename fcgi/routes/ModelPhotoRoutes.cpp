#include "fcgi/routes/ModelPhotoRoutes.hpp"

#include "domain/Errors.hpp"
#include "domain/Material.hpp"
#include "domain/ModelPhotoService.hpp"
#include "domain/Paging.hpp"
#include "domain/Text.hpp"
#include "fcgi/PageResponse.hpp"
#include "fcgi/routes/MaterialRoutes.hpp"

namespace mofang::fcgi {
namespace dom = mofang::domain;

namespace {

constexpr std::string_view kPhotoCursor = "mp";

dom::ModelPhotoInput photoInput(const JsonInput& body) {
    dom::ModelPhotoInput in;
    in.name = body.optString("name");
    in.description = body.optString("description");
    in.gender = body.optString("gender");
    in.ageRange = body.optString("ageRange");
    in.ethnicity = body.optString("ethnicity");
    in.styleTags = body.optStringArray("styleTags");
    in.prompt = body.optString("prompt");
    in.negativePrompt = body.optString("negativePrompt");
    in.referenceImages = body.optStringArray("referenceImages");
    in.aspectRatio = body.optString("aspectRatio");
    in.resolution = body.optString("resolution");
    in.imageCount = body.optInt("imageCount");
    return in;
}

std::string detailJson(const dom::ModelPhotoDetail& d) {
    return dom::modelPhotoJson(d.photo, &d.images);
}

}  // namespace

void addModelPhotoRoutes(Router& router, RouteContext& ctx) {
    router.add("POST", "/api/v1/model-photos", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        caller.principal().require(dom::perm::kModelGenerate);
        const auto input = photoInput(ctx.json(req));
        return Response::json(
            202, dom::modelPhotoJson(ctx.services.modelPhotos.create(caller.principal(), input, ctx.audit(req, &caller))));
    });

    router.add("POST", "/api/v1/model-photos/batch", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        caller.principal().require(dom::perm::kModelGenerate);
        const auto items = ctx.json(req).optObjectArray("items");
        if (!items) throw dom::validationFailed({{"items", "is required"}});
        std::vector<dom::ModelPhotoInput> inputs;
        inputs.reserve(items->size());
        for (const auto& item : *items) inputs.push_back(photoInput(item));
        const auto batch = ctx.services.modelPhotos.createBatch(caller.principal(), inputs, ctx.audit(req, &caller));
        dom::JsonWriter w;
        w.beginObject().field("batchId", batch.batchId).key("items").beginArray();
        for (const auto& p : batch.items) w.raw(dom::modelPhotoJson(p));
        w.endArray().endObject();
        return Response::json(202, w.take());
    });

    router.add("GET", "/api/v1/model-photos", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        dom::ModelPhotoQuery q;
        if (const auto raw = req.query("userId")) {
            const auto id = dom::text::parseInteger(*raw, 1, INT64_MAX);
            if (!id) throw dom::badRequest("userId must be an id", {{"userId", "must be an id"}});
            q.userId = *id;
        }
        if (const auto raw = req.query("status")) {
            q.status = dom::parsePhotoStatus(*raw);
            if (!q.status)
                throw dom::badRequest("status must be queued, processing, completed or failed",
                                      {{"status", "must be queued, processing, completed or failed"}});
        }
        q.gender = req.query("gender");
        q.styleTag = req.query("styleTag");
        if (const auto raw = req.query("batchId")) {
            if (!dom::isUuid(*raw)) throw dom::badRequest("batchId must be a UUID", {{"batchId", "must be a UUID"}});
            q.batchId = *raw;
        }
        const int limit = dom::parsePageLimit(req.query("limit"));
        if (auto c = req.query("cursor")) q.beforeId = dom::decodeIdCursor(kPhotoCursor, *c);
        q.limit = limit + 1;
        return pageResponse(
            ctx.services.modelPhotos.list(caller.principal(), q), limit,
            [](const dom::ModelPhoto& p) { return dom::modelPhotoJson(p); },
            [](const dom::ModelPhoto& p) { return dom::encodeIdCursor(kPhotoCursor, p.id); });
    });

    router.add("GET", "/api/v1/model-photos/{id}", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        return Response::json(200,
                              detailJson(ctx.services.modelPhotos.get(caller.principal(), RouteContext::pathId(req))));
    });

    router.add("POST", "/api/v1/model-photos/{id}/retry", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        return Response::json(202, dom::modelPhotoJson(ctx.services.modelPhotos.retry(
                                       caller.principal(), RouteContext::pathId(req), ctx.audit(req, &caller))));
    });

    router.add("POST", "/api/v1/model-photos/{id}/cancel", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        return Response::json(200, dom::modelPhotoJson(ctx.services.modelPhotos.cancel(
                                       caller.principal(), RouteContext::pathId(req), ctx.audit(req, &caller))));
    });

    router.add("DELETE", "/api/v1/model-photos/{id}", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        ctx.services.modelPhotos.remove(caller.principal(), RouteContext::pathId(req), ctx.audit(req, &caller));
        return Response::noContent();
    });

    router.add("GET", "/api/v1/model-images/{id}/file", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        const auto d = ctx.services.modelPhotos.imageDelivery(caller.principal(), RouteContext::pathId(req));
        return blobResponse(*ctx.services.blobs, d.key, d.contentType, dom::contentDisposition("inline", d.filename));
    });
}

}  // namespace mofang::fcgi
