#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/Permissions.hpp"
#include "domain/Time.hpp"

namespace mofang::domain {

inline constexpr std::size_t kMaxAuditReasonChars = 500;

// Who asked and from where: attached to every state-changing call.
struct AuditContext {
    std::optional<UserId> actorId;
    std::string ip;
    std::string userAgent;
    std::optional<std::string> reason;  // X-Audit-Reason
};

struct OperationLogEntry {
    std::int64_t id = 0;
    std::optional<UserId> userId;
    std::string action;      // <targetType>.<verb>
    std::string targetType;  // the part of action before the dot
    std::string targetId;
    std::string detailsJson;  // {"before"?, "after"?, "reason"?}
    std::string ip;
    std::string userAgent;
    Millis timestamp = 0;
};

// Builds an entry; `before`/`after` are serialised JSON values (or absent).
OperationLogEntry makeLogEntry(const AuditContext& ctx, std::string_view action, std::string targetId,
                               const std::optional<std::string>& beforeJson,
                               const std::optional<std::string>& afterJson, Millis now);

// Validates an X-Audit-Reason value (valid UTF-8, ≤ 500 characters); throws bad request.
std::optional<std::string> checkAuditReason(const std::optional<std::string>& raw);

struct OperationLogQuery {
    std::optional<UserId> userId;
    std::optional<std::string> action;
    std::optional<std::string> targetType;
    std::optional<std::string> targetId;
    std::optional<Millis> from;            // inclusive
    std::optional<Millis> to;              // inclusive
    std::optional<std::int64_t> beforeId;  // keyset: entries with a smaller id (newest first)
    int limit = 20;
};

}  // namespace mofang::domain
