#include "fcgi/routes/MaterialRoutes.hpp"

#include "domain/Errors.hpp"
#include "domain/ImageProbe.hpp"
#include "domain/MaterialService.hpp"
#include "domain/Text.hpp"
#include "fcgi/Multipart.hpp"

namespace mofang::fcgi {
namespace dom = mofang::domain;

namespace {

constexpr std::size_t kChunk = 256 * 1024;
constexpr std::size_t kMaxFilesPerRequest = 200;

std::string partLabel(const PartHeaders& part, std::size_t index) {
    return "file " + std::to_string(index + 1) + (part.filename ? " (" + *part.filename + ")" : "");
}

// Streams one file part into a new blob, sniffing its type and size on the way: an unsupported
// type stops at its first bytes (415), a file over the limit as soon as it passes it (413). The
// blob is discarded with the writer when anything throws.
dom::StagedUpload stageFile(MultipartReader& reader, const PartHeaders& part, std::size_t index,
                            dom::BlobStore& blobs, std::uint64_t maxBytes, std::vector<char>& buffer) {
    dom::StagedUpload staged;
    staged.blob = blobs.create();
    staged.clientFilename = part.filename;
    dom::ImageProbe probe;
    const auto unsupported = [&] {
        return dom::unsupportedMediaType(partLabel(part, index) +
                                         " is not a JPEG, PNG, WebP or GIF image (judged by its content)");
    };
    for (;;) {
        const auto n = reader.read(buffer.data(), buffer.size());
        if (n == 0) break;
        if (staged.blob->size() + n > maxBytes)
            throw dom::payloadTooLarge(partLabel(part, index) + " is larger than " + std::to_string(maxBytes) +
                                       " bytes");
        if (probe.state() == dom::ImageProbe::State::NeedMore) {
            probe.feed(buffer.data(), n);
            if (probe.state() == dom::ImageProbe::State::Unsupported) throw unsupported();
        }
        staged.blob->write(buffer.data(), n);
    }
    probe.finish();
    switch (probe.state()) {
        case dom::ImageProbe::State::Known:
            break;
        case dom::ImageProbe::State::Unsupported:
        case dom::ImageProbe::State::NeedMore:
            throw unsupported();
        case dom::ImageProbe::State::Invalid:
            throw dom::DomainError(dom::ErrorKind::UnsupportedMediaType, "undecodable_image",
                                   partLabel(part, index) + " has a malformed or truncated image header");
    }
    staged.format = probe.format();
    staged.width = probe.width();
    staged.height = probe.height();
    return staged;
}

Response deliver(RouteContext& ctx, Request& req, dom::MaterialBytes which, const char* disposition) {
    const auto caller = ctx.authenticate(req);
    const auto d = ctx.services.materials.delivery(caller.principal(), RouteContext::pathId(req), which);
    return blobResponse(*ctx.services.blobs, d.key, d.contentType, dom::contentDisposition(disposition, d.filename));
}

dom::MaterialInput materialInput(const JsonInput& body) {
    dom::MaterialInput in;
    in.filename = body.optString("filename");
    in.order = body.optInt("order");
    return in;
}

std::vector<dom::MaterialId> materialIds(const JsonInput& body) {
    const auto raw = body.optStringArray("materialIds");
    if (!raw) throw dom::validationFailed({{"materialIds", "is required"}});
    std::vector<dom::MaterialId> ids;
    for (const auto& s : *raw) {
        const auto id = dom::text::parseInteger(s, 1, INT64_MAX);
        if (!id) throw dom::validationFailed({{"materialIds", "'" + s + "' is not a material id"}});
        ids.push_back(*id);
    }
    return ids;
}

Response itemsResponse(int status, const std::vector<dom::Material>& ms) {
    return Response::json(status, R"({"items":)" + dom::materialsJson(ms) + "}");
}

}  // namespace

void addMaterialRoutes(Router& router, RouteContext& ctx) {
    router.add("POST", "/api/v1/modules/{id}/materials", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        const auto moduleId = RouteContext::pathId(req);
        // Refuse before reading a byte of the body.
        ctx.services.materials.checkUpload(caller.principal(), moduleId);
        const auto boundary = multipartBoundary(req.contentType());
        if (!boundary) throw dom::unsupportedMediaType("Content-Type must be multipart/form-data with a boundary");
        const auto audit = ctx.audit(req, &caller);

        MultipartReader reader([&req](char* buf, std::size_t n) { return req.readSome(buf, n); }, *boundary);
        std::vector<dom::StagedUpload> files;
        std::vector<char> buffer(kChunk);
        while (auto part = reader.nextPart()) {
            if (part->name != "file") continue;  // other fields are ignored (their bytes skipped)
            if (files.size() == kMaxFilesPerRequest)
                throw dom::validationFailed(
                    {{"file", "at most " + std::to_string(kMaxFilesPerRequest) + " files per request"}});
            files.push_back(stageFile(reader, *part, files.size(), *ctx.services.blobs,
                                      ctx.services.config.uploadMaxBytes, buffer));
        }
        return itemsResponse(201, ctx.services.materials.upload(caller.principal(), moduleId, files, audit));
    });

    router.add("PUT", "/api/v1/modules/{id}/materials/order", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        caller.principal().require(dom::perm::kProductWrite);
        const auto moduleId = RouteContext::pathId(req);
        const auto ids = materialIds(ctx.json(req));
        return itemsResponse(200, ctx.services.materials.reorder(caller.principal(), moduleId, ids,
                                                                 ctx.audit(req, &caller)));
    });

    router.add("POST", "/api/v1/modules/{id}/materials/from-model-image", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        caller.principal().require(dom::perm::kProductWrite);
        const auto moduleId = RouteContext::pathId(req);
        const auto raw = ctx.json(req).optString("modelImageId");
        if (!raw) throw dom::validationFailed({{"modelImageId", "is required"}});
        const auto imageId = dom::text::parseInteger(*raw, 1, INT64_MAX);
        if (!imageId) throw dom::validationFailed({{"modelImageId", "must be a model image id"}});
        return Response::json(201, dom::materialJson(ctx.services.materials.importModelImage(
                                       caller.principal(), moduleId, *imageId, ctx.audit(req, &caller))));
    });

    router.add("GET", "/api/v1/materials/{id}", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        return Response::json(
            200, dom::materialJson(ctx.services.materials.get(caller.principal(), RouteContext::pathId(req))));
    });

    router.add("PATCH", "/api/v1/materials/{id}", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        caller.principal().require(dom::perm::kProductWrite);
        const auto id = RouteContext::pathId(req);
        const auto input = materialInput(ctx.json(req));
        return Response::json(200, dom::materialJson(ctx.services.materials.update(caller.principal(), id, input,
                                                                                   ctx.audit(req, &caller))));
    });

    router.add("DELETE", "/api/v1/materials/{id}", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        ctx.services.materials.remove(caller.principal(), RouteContext::pathId(req), ctx.audit(req, &caller));
        return Response::noContent();
    });

    router.add("GET", "/api/v1/materials/{id}/file",
               [&ctx](Request& req) { return deliver(ctx, req, dom::MaterialBytes::File, "attachment"); });
    router.add("GET", "/api/v1/materials/{id}/thumbnail",
               [&ctx](Request& req) { return deliver(ctx, req, dom::MaterialBytes::Thumbnail, "inline"); });
    router.add("GET", "/api/v1/materials/{id}/preview",
               [&ctx](Request& req) { return deliver(ctx, req, dom::MaterialBytes::Preview, "inline"); });
}

}  // namespace mofang::fcgi
