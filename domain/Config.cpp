#include "domain/Config.hpp"

#include <algorithm>

#include "domain/Text.hpp"

namespace mofang::domain {
namespace {

std::optional<std::string> get(const std::map<std::string, std::string>& v, const std::string& key) {
    const auto it = v.find(key);
    if (it == v.end()) return std::nullopt;
    return text::trim(it->second);
}

long long longValue(const std::map<std::string, std::string>& v, const std::string& key, long long def,
                    long long min, long long max) {
    const auto raw = get(v, key);
    if (!raw || raw->empty()) return def;
    const auto n = text::parseInteger(*raw, min, max);
    if (!n)
        throw ConfigError(key,
                          "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return *n;
}

int intValue(const std::map<std::string, std::string>& v, const std::string& key, int def, long long min,
             long long max) {
    return static_cast<int>(longValue(v, key, def, min, max));
}

bool boolValue(const std::map<std::string, std::string>& v, const std::string& key, bool def) {
    const auto raw = get(v, key);
    if (!raw || raw->empty()) return def;
    const auto s = text::asciiLower(*raw);
    if (s == "true" || s == "yes" || s == "1" || s == "on") return true;
    if (s == "false" || s == "no" || s == "0" || s == "off") return false;
    throw ConfigError(key, "must be true or false");
}

}  // namespace

const std::vector<std::string>& knownConfigKeys() {
    static const std::vector<std::string> keys = {"db",
                                                  "storage",
                                                  "generator",
                                                  "admin.password",
                                                  "fcgi.listen",
                                                  "fcgi.threads",
                                                  "fcgi.socket_mode",
                                                  "fcgi.shutdown_timeout_ms",
                                                  "db.pool_size",
                                                  "db.auto_migrate",
                                                  "auth.session_ttl_hours",
                                                  "auth.cookie_secure",
                                                  "api.max_json_bytes",
                                                  "upload.max_bytes",
                                                  "gc.retain_days",
                                                  "download.per_user_limit",
                                                  "download.max_concurrent",
                                                  "net.trusted_proxies",
                                                  "generator.max_attempts",
                                                  "generator.timeout_seconds",
                                                  "worker.lease_seconds",
                                                  "worker.poll_ms",
                                                  "worker.backoff_ms",
                                                  "worker.id",
                                                  "storage.local_backup",
                                                  "debug.routes",
                                                  "log.level"};
    return keys;
}

std::string configEnvName(const std::string& key) {
    std::string name = "MOFANG_";
    for (const char c : key)
        name += c == '.' ? '_' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    return name;
}

AppConfig parseConfig(const std::map<std::string, std::string>& values) {
    for (const auto& [key, value] : values)
        if (std::find(knownConfigKeys().begin(), knownConfigKeys().end(), key) == knownConfigKeys().end())
            throw ConfigError(key, "unknown configuration key");

    AppConfig c;
    c.db = get(values, "db").value_or("");
    if (c.db.empty())
        throw ConfigError("db", "is required (sqlite:/path/mofang.db or mysql://user:pass@host/db)");
    if (c.db.rfind("sqlite:", 0) != 0 && c.db.rfind("mysql://", 0) != 0)
        throw ConfigError("db", "must start with sqlite: or mysql://");
    if (c.isSqlite() && c.db.size() <= 7) throw ConfigError("db", "sqlite: needs a file path");

    c.storage = get(values, "storage").value_or("");
    if (c.storage.empty()) throw ConfigError("storage", "is required (file:/path or s3://bucket?...)");
    if (c.storage.rfind("file:", 0) != 0 && c.storage.rfind("s3://", 0) != 0)
        throw ConfigError("storage", "must start with file: or s3://");

    if (c.storage == "file:") throw ConfigError("storage", "file: needs a directory path");

    c.generator = get(values, "generator").value_or("");
    if (c.generator.empty()) c.generator = "demo";
    if (c.generator != "demo" && c.generator != "null" && c.generator.rfind("demo?", 0) != 0 &&
        c.generator.rfind("openai:", 0) != 0)
        throw ConfigError("generator", "must be demo, demo?stepMs=N&steps=N, openai:https://host/v1?model=NAME&key=... "
                                       "or null (benchmarks)");
    c.generatorMaxAttempts = intValue(values, "generator.max_attempts", 3, 1, 100);
    c.generatorTimeoutSeconds = intValue(values, "generator.timeout_seconds", 120, 1, 3600);
    c.workerLeaseSeconds = intValue(values, "worker.lease_seconds", 60, 1, 86400);
    c.workerPollMs = intValue(values, "worker.poll_ms", 1000, 1, 600000);
    c.workerBackoffMs = intValue(values, "worker.backoff_ms", 2000, 1, 3600000);
    c.workerId = get(values, "worker.id").value_or("");
    if (c.workerId.size() > 100 || !text::isValidUtf8(c.workerId) || text::hasControlCharacters(c.workerId))
        throw ConfigError("worker.id", "must be at most 100 bytes of printable UTF-8");
    c.localBackup = get(values, "storage.local_backup").value_or("");
    if (!c.localBackup.empty() && c.localBackup.front() != '/')
        throw ConfigError("storage.local_backup", "must be an absolute directory path");

    if (auto pw = get(values, "admin.password"); pw && !pw->empty()) {
        if (text::codePointCount(*pw) < 10)
            throw ConfigError("admin.password", "must be at least 10 characters");
        c.adminPassword = pw;
    }

    c.listen = get(values, "fcgi.listen").value_or("");
    if (!c.listen.empty() && c.listen.rfind("unix:", 0) != 0) {
        const auto colon = c.listen.rfind(':');
        if (colon == std::string::npos || colon == 0 ||
            !text::parseInteger(c.listen.substr(colon + 1), 1, 65535))
            throw ConfigError("fcgi.listen", "must be unix:/path or host:port");
    } else if (c.listen == "unix:") {
        throw ConfigError("fcgi.listen", "unix: needs a socket path");
    }

    c.threads = intValue(values, "fcgi.threads", 16, 1, 1024);
    auto mode = get(values, "fcgi.socket_mode").value_or("");
    if (mode.empty()) mode = "0660";
    if (mode.empty() || mode.size() > 4 || mode.find_first_not_of("01234567") != std::string::npos)
        throw ConfigError("fcgi.socket_mode", "must be an octal mode such as 0660");
    c.socketMode = static_cast<unsigned>(std::stoul(mode, nullptr, 8));
    c.shutdownTimeoutMs = intValue(values, "fcgi.shutdown_timeout_ms", 30000, 0, 3600000);
    c.dbPoolSize = intValue(values, "db.pool_size", c.threads + 2, 1, 4096);
    if (c.dbPoolSize < c.threads)
        throw ConfigError("db.pool_size",
                          "must be at least fcgi.threads (" + std::to_string(c.threads) + ")");
    c.autoMigrate = boolValue(values, "db.auto_migrate", c.isSqlite());
    c.sessionTtlHours = intValue(values, "auth.session_ttl_hours", 168, 1, 24 * 366);
    c.cookieSecure = boolValue(values, "auth.cookie_secure", false);
    c.maxJsonBytes =
        static_cast<std::size_t>(intValue(values, "api.max_json_bytes", 1 << 20, 1024, 64 << 20));

    c.uploadMaxBytes = static_cast<std::uint64_t>(
        longValue(values, "upload.max_bytes", 64LL << 20, 1024, 1LL << 40));
    c.gcRetainDays = intValue(values, "gc.retain_days", 30, 0, 3650);
    c.downloadPerUserLimit = intValue(values, "download.per_user_limit", 3, 1, 1000);
    c.downloadMaxConcurrent = intValue(values, "download.max_concurrent", std::max(1, c.threads / 2), 1, c.threads);

    const auto proxies = get(values, "net.trusted_proxies").value_or("");
    std::size_t start = 0;
    while (start <= proxies.size()) {
        const auto comma = proxies.find(',', start);
        const auto item =
            text::trim(proxies.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (!item.empty()) {
            if (item.find_first_not_of("0123456789abcdefABCDEF.:") != std::string::npos)
                throw ConfigError("net.trusted_proxies", "must be a comma-separated list of IP addresses");
            c.trustedProxies.push_back(item);
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
    }

    c.debugRoutes = boolValue(values, "debug.routes", false);
    c.logLevel = get(values, "log.level").value_or("");
    if (c.logLevel.empty()) c.logLevel = "info";
    if (c.logLevel != "debug" && c.logLevel != "info" && c.logLevel != "warn" && c.logLevel != "error")
        throw ConfigError("log.level", "must be one of debug, info, warn, error");
    return c;
}

}  // namespace mofang::domain
