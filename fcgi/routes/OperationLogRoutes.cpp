#include "fcgi/routes/OperationLogRoutes.hpp"

#include <limits>

#include "domain/Errors.hpp"
#include "domain/Json.hpp"
#include "domain/Paging.hpp"
#include "domain/Text.hpp"
#include "fcgi/PageResponse.hpp"

namespace mofang::fcgi {
namespace dom = mofang::domain;

namespace {

constexpr const char* kCursorTag = "oplog";

std::optional<dom::Millis> timeParam(const Request& req, const std::string& name) {
    const auto raw = req.query(name);
    if (!raw) return std::nullopt;
    const auto t = dom::parseRfc3339(*raw);
    if (!t) throw dom::badRequest(name + " must be an RFC 3339 time", {{name, "must be an RFC 3339 time"}});
    return t;
}

std::string entryJson(const dom::OperationLogEntry& e) {
    dom::JsonWriter w;
    w.beginObject().field("id", std::to_string(e.id)).key("userId");
    if (e.userId)
        w.value(std::to_string(*e.userId));
    else
        w.null();
    w.field("action", e.action)
        .field("targetType", e.targetType)
        .field("targetId", e.targetId)
        .key("details")
        .raw(e.detailsJson.empty() ? "{}" : e.detailsJson)
        .field("ip", e.ip)
        .field("userAgent", e.userAgent)
        .field("timestamp", dom::formatRfc3339(e.timestamp))
        .endObject();
    return w.take();
}

}  // namespace

void addOperationLogRoutes(Router& router, RouteContext& ctx) {
    router.add("GET", "/api/v1/operation-logs", [&ctx](Request& req) {
        const auto caller = ctx.authenticate(req);
        caller.principal().require(dom::perm::kLogRead);
        dom::OperationLogQuery q;
        const int limit = dom::parsePageLimit(req.query("limit"));
        if (auto u = req.query("userId")) {
            const auto id = dom::text::parseInteger(*u, 1, std::numeric_limits<long long>::max());
            if (!id) throw dom::badRequest("userId must be a user id", {{"userId", "must be a user id"}});
            q.userId = *id;
        }
        q.action = req.query("action");
        q.targetType = req.query("targetType");
        q.targetId = req.query("targetId");
        q.from = timeParam(req, "from");
        q.to = timeParam(req, "to");
        if (auto c = req.query("cursor")) q.beforeId = dom::decodeIdCursor(kCursorTag, *c);
        q.limit = limit + 1;
        return pageResponse(
            ctx.services.operationLogs.list(caller.principal(), q), limit, entryJson,
            [](const dom::OperationLogEntry& e) { return dom::encodeIdCursor(kCursorTag, e.id); });
    });
}

}  // namespace mofang::fcgi
