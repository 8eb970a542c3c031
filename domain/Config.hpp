#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mofang::domain {

// A configuration problem, naming the key, so start-up can stop with a clear message.
class ConfigError : public std::runtime_error {
  public:
    ConfigError(std::string key, const std::string& message)
        : std::runtime_error(key + ": " + message), key_(std::move(key)) {}
    const std::string& key() const { return key_; }

  private:
    std::string key_;
};

struct AppConfig {
    std::string db;         // sqlite:/path or mysql://user:pass@host:port/name
    std::string storage;    // file:/path or s3://bucket?...
    std::string generator;  // demo or openai:https://...
    std::optional<std::string> adminPassword;
    std::string listen;  // unix:/path, host:port, or empty (inherited socket)
    int threads = 16;
    unsigned socketMode = 0660;
    int shutdownTimeoutMs = 30000;
    int dbPoolSize = 0;  // resolved: ≥ threads + 2
    bool autoMigrate = true;
    int sessionTtlHours = 168;
    bool cookieSecure = false;
    std::size_t maxJsonBytes = 1 << 20;
    std::uint64_t uploadMaxBytes = 64ULL << 20;  // per uploaded file
    int gcRetainDays = 30;                       // soft-deleted rows keep their blobs this long
    int downloadPerUserLimit = 3;                // package downloads one user may run at once
    int downloadMaxConcurrent = 8;               // per process; resolved: fcgi.threads / 2
    int generatorMaxAttempts = 3;      // claims of a generation task before it fails
    int generatorTimeoutSeconds = 120;  // one generator call (openai), unless its URI says otherwise
    int workerLeaseSeconds = 60;        // how long a claim holds a task without a heartbeat
    int workerPollMs = 1000;            // idle wait between claims when nothing is due
    int workerBackoffMs = 2000;         // first retry delay after a transient generator failure
    std::string workerId;               // "" → host:pid
    std::string localBackup;            // storage.local_backup: a directory for copies of results
    std::vector<std::string> trustedProxies;
    bool debugRoutes = false;
    std::string logLevel = "info";

    bool isSqlite() const { return db.rfind("sqlite:", 0) == 0; }
};

// Every key the configuration may hold; anything else is a typo and stops start-up.
const std::vector<std::string>& knownConfigKeys();
// `MOFANG_<KEY>` for a key: upper case, dots as underscores.
std::string configEnvName(const std::string& key);
// Validates and resolves defaults. Throws ConfigError naming the first bad key.
AppConfig parseConfig(const std::map<std::string, std::string>& values);

}  // namespace mofang::domain
