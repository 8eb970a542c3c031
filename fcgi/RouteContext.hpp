#pragma once

#include <string>
#include <vector>

#include "domain/AuthService.hpp"
#include "domain/OperationLog.hpp"
#include "fcgi/Http.hpp"
#include "fcgi/JsonInput.hpp"
#include "fcgi/Metrics.hpp"
#include "fcgi/Services.hpp"

namespace mofang::fcgi {

inline constexpr const char* kSessionCookie = "mofang_session";

struct Caller {
    domain::Authenticated auth;
    bool byCookie = false;
    const domain::Principal& principal() const { return auth.principal; }
};

// What every route needs from a request besides its own parsing: who calls (bearer or cookie,
// with the CSRF rule applied), the audit context (client IP through trusted proxies only,
// user agent, X-Audit-Reason), JSON bodies within the size limit, and path ids.
class RouteContext final {
  public:
    RouteContext(Services& s, Metrics& m) : services(s), metrics(m) {}

    // Throws 401 without a valid session, 403 csrf_failed per the CSRF rule.
    Caller authenticate(const Request& request) const;
    domain::AuditContext audit(const Request& request, const Caller* caller) const;
    std::string clientIp(const Request& request) const;
    JsonInput json(Request& request) const {
        return JsonInput::fromRequest(request, services.config.maxJsonBytes);
    }
    // A path parameter that must be a positive id; anything else is a 404.
    static std::int64_t pathId(const Request& request, const std::string& name = "id");

    Services& services;
    Metrics& metrics;
};

}  // namespace mofang::fcgi
