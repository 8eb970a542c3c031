#include "fcgi/Services.hpp"

#include "fcgi/Log.hpp"
#include "persistence/LocalBlobStore.hpp"
#include "persistence/Migrations.hpp"
#include "persistence/S3BlobStore.hpp"

namespace mofang::fcgi {
namespace {

domain::AuthPolicy policyFrom(const domain::AppConfig& c) {
    domain::AuthPolicy p;
    p.sessionTtl = static_cast<domain::Millis>(c.sessionTtlHours) * 3600 * 1000;
    return p;
}

}  // namespace

std::unique_ptr<domain::BlobStore> openBlobStore(const std::string& uri) {
    if (uri.rfind("file:", 0) == 0) return std::make_unique<persistence::LocalBlobStore>(uri.substr(5));
    if (uri.rfind("s3://", 0) == 0) {
        // Storage failures become 503s, which the request log does not show: they are logged here.
        return std::make_unique<persistence::S3BlobStore>(
            persistence::parseS3Uri(uri), [](std::string_view event, const std::string& detail) {
                Log::warn(event, {{"error", detail}});
            });
    }
    throw domain::ConfigError("storage", "must be file:DIR or s3://BUCKET?endpoint=…");
}

Services::Services(domain::AppConfig cfg)
    : config(std::move(cfg)),
      db(config.db, config.dbPoolSize),
      store(db),
      auth(store, crypto, clock, policyFrom(config)),
      users(store, crypto, clock),
      operationLogs(store),
      products(store, clock),
      blobs(openBlobStore(config.storage)),
      materials(store, *blobs, renderer, clock, config.gcRetainDays),
      selections(store, clock),
      packages(store, crypto, clock),
      downloadGate(config.downloadPerUserLimit, config.downloadMaxConcurrent) {}

void Services::prepareDatabase() {
    if (config.autoMigrate) {
        const auto report = persistence::migrate(db);
        for (const auto& m : report.applied) Log::info("migration_applied", {{"migration", m}});
    } else if (persistence::currentSchemaVersion(db) < persistence::latestSchemaVersion()) {
        Log::warn("schema_outdated", {{"hint", "run mofangctl migrate"}});
    }
    if (config.adminPassword && users.ensureAdmin(*config.adminPassword))
        Log::info("admin_bootstrapped", {{"username", "admin"}});
}

}  // namespace mofang::fcgi
