#include "fcgi/RouteContext.hpp"

#include <algorithm>
#include <limits>

#include "domain/Errors.hpp"
#include "domain/Text.hpp"

namespace mofang::fcgi {
namespace dom = mofang::domain;

Caller RouteContext::authenticate(const Request& request) const {
    bool byCookie = false;
    std::optional<std::string> token;
    if (auto h = request.header("Authorization")) {
        if (h->size() > 7 && dom::text::iequalsAscii(h->substr(0, 7), "bearer "))
            token = dom::text::trim(h->substr(7));
        else
            throw dom::unauthenticated("unsupported Authorization scheme; use Bearer");
    } else if (auto c = request.cookie(kSessionCookie)) {
        token = *c;
        byCookie = true;
    }
    if (!token || token->empty()) throw dom::unauthenticated();
    Caller caller{services.auth.authenticate(*token), byCookie};
    const auto header = request.header("X-CSRF-Token");
    dom::checkCsrf(request.method(), caller.byCookie,
                   header ? std::optional<std::string_view>(*header) : std::nullopt, caller.auth.csrfToken);
    return caller;
}

std::string RouteContext::clientIp(const Request& request) const {
    const auto& trusted = services.config.trustedProxies;
    const auto isTrusted = [&](const std::string& ip) {
        return std::find(trusted.begin(), trusted.end(), ip) != trusted.end();
    };
    std::string ip = request.remoteAddr();
    if (!isTrusted(ip)) return ip;
    const auto xff = request.header("X-Forwarded-For");
    if (!xff) return ip;
    // Walk from the nearest hop back; the first address we do not trust is the client.
    std::vector<std::string> hops;
    std::size_t start = 0;
    while (start <= xff->size()) {
        auto comma = xff->find(',', start);
        if (comma == std::string::npos) comma = xff->size();
        hops.push_back(dom::text::trim(xff->substr(start, comma - start)));
        start = comma + 1;
    }
    for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
        if (it->empty() || it->size() > 45 ||
            it->find_first_not_of("0123456789abcdefABCDEF.:") != std::string::npos)
            return ip;  // garbage: stop at the last address we could vouch for
        ip = *it;
        if (!isTrusted(ip)) return ip;
    }
    return ip;
}

dom::AuditContext RouteContext::audit(const Request& request, const Caller* caller) const {
    dom::AuditContext ctx;
    if (caller) ctx.actorId = caller->auth.user.id;
    ctx.ip = clientIp(request);
    ctx.userAgent = request.header("User-Agent").value_or("");
    if (!dom::text::isValidUtf8(ctx.userAgent)) ctx.userAgent = "(invalid UTF-8)";
    ctx.reason = dom::checkAuditReason(request.header("X-Audit-Reason"));
    return ctx;
}

std::int64_t RouteContext::pathId(const Request& request, const std::string& name) {
    const auto it = request.pathParams.find(name);
    if (it == request.pathParams.end()) throw dom::notFound();
    const auto id = dom::text::parseInteger(it->second, 1, std::numeric_limits<long long>::max());
    if (!id) throw dom::notFound();
    return *id;
}

}  // namespace mofang::fcgi
