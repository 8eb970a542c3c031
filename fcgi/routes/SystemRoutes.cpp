#include "fcgi/routes/SystemRoutes.hpp"

#include <chrono>
#include <thread>

#include "domain/Errors.hpp"
#include "domain/Text.hpp"
#include "fcgi/ErrorMapping.hpp"

namespace mofang::fcgi {
namespace dom = mofang::domain;

void addSystemRoutes(Router& router, RouteContext& ctx) {
    router.add("GET", "/healthz", [](Request&) { return Response::json(200, R"({"status":"ok"})"); });

    router.add("GET", "/readyz", [&ctx](Request&) {
        std::string database = "up", storage = "up";
        try {
            ctx.services.db.ping();
        } catch (const dom::DomainError&) {
            database = "down";
        }
        try {
            ctx.services.blobs->check();
        } catch (const dom::DomainError&) {
            storage = "down";
        }
        const bool ready = database == "up" && storage == "up";
        auto r = Response::json(ready ? 200 : 503, std::string(R"({"status":")") + (ready ? "ready" : "unavailable") +
                                                        R"(","checks":{"database":")" + database +
                                                        R"(","storage":")" + storage + R"("}})");
        if (!ready) r.header("Retry-After", "5");
        return r;
    });

    router.add("GET", "/metrics", [&ctx](Request&) {
        auto body = ctx.metrics.render([&ctx](std::string& out) {
            out +=
                "# HELP mofang_db_pool_in_use Database sessions in use.\n# TYPE mofang_db_pool_in_use "
                "gauge\n";
            out += "mofang_db_pool_in_use " + std::to_string(ctx.services.db.sessionsInUse()) + "\n";
            out +=
                "# HELP mofang_db_pool_capacity Database pool size.\n# TYPE mofang_db_pool_capacity gauge\n";
            out += "mofang_db_pool_capacity " + std::to_string(ctx.services.db.poolCapacity()) + "\n";
        });
        return Response::text(200, std::move(body), "text/plain; version=0.0.4; charset=utf-8");
    });

    if (!ctx.services.config.debugRoutes) return;
    router.add("GET", "/api/v1/debug/sleep", [](Request& req) {
        const auto ms = dom::text::parseInteger(req.query("ms").value_or("0"), 0, 60000);
        if (!ms) throw dom::badRequest("ms must be 0..60000", {{"ms", "must be 0..60000"}});
        std::this_thread::sleep_for(std::chrono::milliseconds(*ms));
        return Response::json(200, R"({"sleptMs":)" + std::to_string(*ms) + "}");
    });
}

}  // namespace mofang::fcgi
