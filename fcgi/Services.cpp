#include "fcgi/Services.hpp"

#include "fcgi/Log.hpp"
#include <algorithm>
#include <stdexcept>

#include "persistence/DemoGenerator.hpp"
#include "persistence/LocalBlobStore.hpp"
#include "persistence/LocalFileBackup.hpp"
#include "persistence/Migrations.hpp"
#include "persistence/NullGenerator.hpp"
#include "persistence/OpenAiGenerator.hpp"
#include "persistence/S3BlobStore.hpp"

namespace mofang::fcgi {
namespace {

domain::AuthPolicy policyFrom(const domain::AppConfig& c) {
    domain::AuthPolicy p;
    p.sessionTtl = static_cast<domain::Millis>(c.sessionTtlHours) * 3600 * 1000;
    return p;
}

domain::WorkerPolicy workerPolicyFrom(const domain::AppConfig& c) {
    domain::WorkerPolicy p;
    p.lease = static_cast<domain::Millis>(c.workerLeaseSeconds) * 1000;
    p.backoffBase = c.workerBackoffMs;
    p.backoffMax = std::max<domain::Millis>(p.backoffBase, 300'000);
    p.retainDays = c.gcRetainDays;
    return p;
}

}  // namespace

std::unique_ptr<domain::Generator> openGenerator(const domain::AppConfig& config) {
    if (config.generator == "null") return std::make_unique<persistence::NullGenerator>();
    if (config.generator == "demo" || config.generator.rfind("demo?", 0) == 0)
        return std::make_unique<persistence::DemoGenerator>(persistence::parseDemoGeneratorUri(config.generator));
    auto options = persistence::parseOpenAiGeneratorUri(config.generator);
    if (config.generator.find("timeout=") == std::string::npos) options.timeoutSeconds = config.generatorTimeoutSeconds;
    return std::make_unique<persistence::OpenAiGenerator>(options);
}

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
      downloadGate(config.downloadPerUserLimit, config.downloadMaxConcurrent),
      modelPhotos(store, clock, random, config.generatorMaxAttempts),
      backup(config.localBackup.empty() ? nullptr : std::make_unique<persistence::LocalFileBackup>(config.localBackup)),
      generation(store, *blobs, renderer, clock, random, workerPolicyFrom(config), backup.get()) {}

void Services::prepareDatabase() {
    if (config.autoMigrate) {
        const auto report = persistence::migrate(db);
        for (const auto& m : report.applied) Log::info("migration_applied", {{"migration", m}});
    } else if (const int current = persistence::currentSchemaVersion(db);
               current < persistence::latestSchemaVersion()) {
        // Requests would fail on the tables this build needs (the session check reads one of
        // them): better not to start than to answer every request with an error.
        throw std::runtime_error("the database schema is at version " + std::to_string(current) +
                                 ", this build needs version " +
                                 std::to_string(persistence::latestSchemaVersion()) +
                                 ": run mofangctl migrate (or set db.auto_migrate=true)");
    }
    if (config.adminPassword && users.ensureAdmin(*config.adminPassword))
        Log::info("admin_bootstrapped", {{"username", "admin"}});
}

}  // namespace mofang::fcgi
