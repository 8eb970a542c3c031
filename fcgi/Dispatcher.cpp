#include "fcgi/Dispatcher.hpp"

#include <Poco/Exception.h>

#include <atomic>
#include <chrono>

#include "domain/Errors.hpp"
#include "domain/Json.hpp"
#include "fcgi/ErrorMapping.hpp"
#include "fcgi/Log.hpp"

namespace mofang::fcgi {
namespace dom = mofang::domain;

namespace {

std::string fallbackRequestId() {
    static std::atomic<std::uint64_t> counter{0};
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    return "m" + std::to_string(now) + "-" + std::to_string(counter.fetch_add(1));
}

}  // namespace

Response Dispatcher::handle(std::map<std::string, std::string> params, Request::BodyReader body) {
    const auto start = std::chrono::steady_clock::now();
    metrics_.started();
    std::string pattern = "unmatched";
    std::string requestId;
    std::string method, path;
    Response response;
    try {
        Request request(std::move(params), std::move(body));
        requestId = request.requestId().empty() ? fallbackRequestId() : request.requestId();
        method = request.method();
        path = request.path();
        auto match = router_.match(request);
        pattern = match.pattern;
        if (!match.handler) {
            if (!match.allowed.empty()) {
                std::string allow;
                for (const auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
                response =
                    errorResponse(dom::DomainError(dom::ErrorKind::MethodNotAllowed, "method_not_allowed",
                                                   "method " + request.method() + " is not allowed here"));
                response.header("Allow", allow);
            } else {
                throw dom::notFound("no such resource");
            }
        } else {
            response = (*match.handler)(request);
        }
    } catch (const dom::DomainError& e) {
        response = errorResponse(e);
    } catch (const Poco::Exception& e) {
        // Poco's what() is only the class name; displayText() says what happened.
        if (requestId.empty()) requestId = fallbackRequestId();
        Log::error("request_failed",
                   {{"request_id", requestId}, {"method", method}, {"path", path}, {"error", e.displayText()}});
        response = internalErrorResponse(requestId);
    } catch (const std::exception& e) {
        if (requestId.empty()) requestId = fallbackRequestId();
        Log::error("request_failed",
                   {{"request_id", requestId}, {"method", method}, {"path", path}, {"error", e.what()}});
        response = internalErrorResponse(requestId);
    } catch (...) {
        if (requestId.empty()) requestId = fallbackRequestId();
        Log::error("request_failed",
                   {{"request_id", requestId}, {"method", method}, {"path", path}, {"error", "unknown"}});
        response = internalErrorResponse(requestId);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    metrics_.finished(method.empty() ? pattern : method + " " + pattern, response.status, seconds);
    return response;
}

}  // namespace mofang::fcgi
