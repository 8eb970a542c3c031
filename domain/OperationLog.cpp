#include "domain/OperationLog.hpp"

#include "domain/Errors.hpp"
#include "domain/Json.hpp"
#include "domain/Text.hpp"

namespace mofang::domain {

OperationLogEntry makeLogEntry(const AuditContext& ctx, std::string_view action, std::string targetId,
                               const std::optional<std::string>& beforeJson,
                               const std::optional<std::string>& afterJson, Millis now) {
    OperationLogEntry e;
    e.userId = ctx.actorId;
    e.action = std::string(action);
    e.targetType = std::string(action.substr(0, action.find('.')));
    e.targetId = std::move(targetId);
    JsonWriter w;
    w.beginObject();
    if (beforeJson) w.key("before").raw(*beforeJson);
    if (afterJson) w.key("after").raw(*afterJson);
    if (ctx.reason) w.field("reason", *ctx.reason);
    w.endObject();
    e.detailsJson = w.take();
    e.ip = ctx.ip;
    e.userAgent = text::isValidUtf8(ctx.userAgent) ? text::truncateUtf8(ctx.userAgent, 512) : "";
    e.timestamp = now;
    return e;
}

std::optional<std::string> checkAuditReason(const std::optional<std::string>& raw) {
    if (!raw) return std::nullopt;
    if (!text::isValidUtf8(*raw) || text::codePointCount(*raw) > kMaxAuditReasonChars)
        throw badRequest("X-Audit-Reason must be valid UTF-8 of at most 500 characters",
                         {{"X-Audit-Reason", "must be valid UTF-8 of at most 500 characters"}});
    auto trimmed = text::trim(*raw);
    if (trimmed.empty()) return std::nullopt;
    return trimmed;
}

}  // namespace mofang::domain
