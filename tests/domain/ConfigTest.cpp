#include <algorithm>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "domain/Config.hpp"

namespace bdata = boost::unit_test::data;
using namespace mofang::domain;

namespace {

using Values = std::map<std::string, std::string>;

const Values kMinimal = {{"db", "sqlite:/x"}, {"storage", "file:/y"}};

// The minimal map with `changes` applied on top of it.
Values with(const Values& changes) {
    Values v = kMinimal;
    for (const auto& [key, value] : changes) v[key] = value;
    return v;
}

// The key of the ConfigError that parsing throws, or "" when it does not throw.
std::string failingKey(const Values& values) {
    try {
        parseConfig(values);
    } catch (const ConfigError& e) {
        // The message starts with the key, so start-up can print it as it is.
        BOOST_TEST(std::string(e.what()).rfind(e.key() + ": ", 0) == 0u, e.what());
        return e.key();
    }
    return "";
}

struct BadCase {
    std::string name;
    Values changes;
    std::string key;
};
std::ostream& operator<<(std::ostream& os, const BadCase& c) {
    return os << c.name << " -> " << c.key;
}

const std::vector<BadCase> kBad = {
    {"unknown key (typo)", {{"fcgi.thread", "8"}}, "fcgi.thread"},
    {"unknown key", {{"colour", "blue"}}, "colour"},
    {"empty db", {{"db", ""}}, "db"},
    {"blank db", {{"db", "   "}}, "db"},
    {"postgres db", {{"db", "postgres://u@h/db"}}, "db"},
    {"mysql without slashes", {{"db", "mysql:u@h/db"}}, "db"},
    {"sqlite without a path", {{"db", "sqlite:"}}, "db"},
    {"empty storage", {{"storage", ""}}, "storage"},
    {"ftp storage", {{"storage", "ftp://host/dir"}}, "storage"},
    {"bad generator", {{"generator", "magic"}}, "generator"},
    {"short admin.password", {{"admin.password", "short"}}, "admin.password"},
    {"9-character admin.password", {{"admin.password", "密码密码密码密码密"}}, "admin.password"},
    {"listen without port", {{"fcgi.listen", "localhost"}}, "fcgi.listen"},
    {"listen port 0", {{"fcgi.listen", "127.0.0.1:0"}}, "fcgi.listen"},
    {"listen port 65536", {{"fcgi.listen", "127.0.0.1:65536"}}, "fcgi.listen"},
    {"listen port not a number", {{"fcgi.listen", "127.0.0.1:http"}}, "fcgi.listen"},
    {"listen without host", {{"fcgi.listen", ":9000"}}, "fcgi.listen"},
    {"unix without path", {{"fcgi.listen", "unix:"}}, "fcgi.listen"},
    {"threads 0", {{"fcgi.threads", "0"}}, "fcgi.threads"},
    {"threads negative", {{"fcgi.threads", "-4"}}, "fcgi.threads"},
    {"threads 1025", {{"fcgi.threads", "1025"}}, "fcgi.threads"},
    {"threads not a number", {{"fcgi.threads", "many"}}, "fcgi.threads"},
    {"socket_mode 999", {{"fcgi.socket_mode", "999"}}, "fcgi.socket_mode"},
    {"socket_mode 5 digits", {{"fcgi.socket_mode", "06600"}}, "fcgi.socket_mode"},
    {"socket_mode symbolic", {{"fcgi.socket_mode", "rw-rw----"}}, "fcgi.socket_mode"},
    {"shutdown timeout negative", {{"fcgi.shutdown_timeout_ms", "-1"}}, "fcgi.shutdown_timeout_ms"},
    {"pool 0", {{"db.pool_size", "0"}}, "db.pool_size"},
    {"pool smaller than default threads", {{"db.pool_size", "15"}}, "db.pool_size"},
    {"pool smaller than threads", {{"fcgi.threads", "8"}, {"db.pool_size", "4"}}, "db.pool_size"},
    {"bad bool auto_migrate", {{"db.auto_migrate", "maybe"}}, "db.auto_migrate"},
    {"bad bool cookie_secure", {{"auth.cookie_secure", "2"}}, "auth.cookie_secure"},
    {"bad bool debug.routes", {{"debug.routes", "yes please"}}, "debug.routes"},
    {"session ttl 0", {{"auth.session_ttl_hours", "0"}}, "auth.session_ttl_hours"},
    {"max json bytes too small", {{"api.max_json_bytes", "10"}}, "api.max_json_bytes"},
    {"proxy host name", {{"net.trusted_proxies", "10.0.0.1, localhost"}}, "net.trusted_proxies"},
    {"proxy CIDR", {{"net.trusted_proxies", "10.0.0.0/8"}}, "net.trusted_proxies"},
    {"log level", {{"log.level", "verbose"}}, "log.level"},
    {"log level case", {{"log.level", "INFO"}}, "log.level"},
};

struct BoolCase {
    std::string text;
    bool value;
};
std::ostream& operator<<(std::ostream& os, const BoolCase& c) {
    return os << "'" << c.text << "' -> " << c.value;
}
const std::vector<BoolCase> kBools = {
    {"true", true},   {"TRUE", true},   {"yes", true}, {"on", true},   {"On", true}, {"1", true},
    {" true ", true}, {"false", false}, {"no", false}, {"off", false}, {"0", false}, {"False", false},
};

struct ProxyCase {
    std::string text;
    std::vector<std::string> expected;
};
std::ostream& operator<<(std::ostream& os, const ProxyCase& c) {
    return os << "'" << c.text << "'";
}
const std::vector<ProxyCase> kProxies = {
    {"", {}},
    {"127.0.0.1", {"127.0.0.1"}},
    {"127.0.0.1, ::1 ,10.0.0.2", {"127.0.0.1", "::1", "10.0.0.2"}},
    {"1.2.3.4,,", {"1.2.3.4"}},
    {" , ,", {}},
    {"fe80::1,2001:DB8::2", {"fe80::1", "2001:DB8::2"}},
};

struct EnvCase {
    std::string key;
    std::string env;
};
std::ostream& operator<<(std::ostream& os, const EnvCase& c) {
    return os << c.key << " -> " << c.env;
}
const std::vector<EnvCase> kEnvNames = {
    {"fcgi.threads", "MOFANG_FCGI_THREADS"},
    {"db", "MOFANG_DB"},
    {"admin.password", "MOFANG_ADMIN_PASSWORD"},
    {"db.pool_size", "MOFANG_DB_POOL_SIZE"},
    {"net.trusted_proxies", "MOFANG_NET_TRUSTED_PROXIES"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(defaults_of_a_minimal_sqlite_config) {
    const AppConfig c = parseConfig(kMinimal);
    BOOST_TEST(c.db == "sqlite:/x");
    BOOST_TEST(c.isSqlite());
    BOOST_TEST(c.storage == "file:/y");
    BOOST_TEST(c.generator == "demo");
    BOOST_TEST(!c.adminPassword.has_value());
    BOOST_TEST(c.listen == "");
    BOOST_TEST(c.threads == 16);
    BOOST_TEST(c.socketMode == 0660u);
    BOOST_TEST(c.shutdownTimeoutMs == 30000);
    BOOST_TEST(c.dbPoolSize == 18);  // threads + 2
    BOOST_TEST(c.autoMigrate);
    BOOST_TEST(c.sessionTtlHours == 168);
    BOOST_TEST(!c.cookieSecure);
    BOOST_TEST(c.maxJsonBytes == std::size_t{1} << 20);
    BOOST_TEST(c.trustedProxies.empty());
    BOOST_TEST(!c.debugRoutes);
    BOOST_TEST(c.logLevel == "info");
}

BOOST_DATA_TEST_CASE(bad_value_names_its_key, bdata::make(kBad), c) {
    BOOST_TEST(failingKey(with(c.changes)) == c.key);
}

BOOST_AUTO_TEST_CASE(required_keys) {
    BOOST_TEST(failingKey({{"storage", "file:/y"}}) == "db");
    BOOST_TEST(failingKey({{"db", "sqlite:/x"}}) == "storage");
    BOOST_TEST(failingKey({}) == "db");
}

BOOST_AUTO_TEST_CASE(every_key_set_to_a_good_value) {
    const AppConfig c = parseConfig({
        {"db", " mysql://mofang:pw@db.internal:3306/mofang "},
        {"storage", "s3://bucket?endpoint=http://127.0.0.1:4568&region=us-east-1"},
        {"generator", "openai:https://api.example.com/v1?model=m&key=k"},
        {"admin.password", "密码密码密码密码密码"},
        {"fcgi.listen", "127.0.0.1:9000"},
        {"fcgi.threads", " 8 "},
        {"fcgi.socket_mode", "0600"},
        {"fcgi.shutdown_timeout_ms", "0"},
        {"db.pool_size", "8"},
        {"db.auto_migrate", "yes"},
        {"auth.session_ttl_hours", "24"},
        {"auth.cookie_secure", "on"},
        {"api.max_json_bytes", "1024"},
        {"net.trusted_proxies", "127.0.0.1"},
        {"debug.routes", "1"},
        {"log.level", "debug"},
    });
    BOOST_TEST(c.db == "mysql://mofang:pw@db.internal:3306/mofang");  // trimmed
    BOOST_TEST(!c.isSqlite());
    BOOST_TEST(c.storage == "s3://bucket?endpoint=http://127.0.0.1:4568&region=us-east-1");
    BOOST_TEST(c.generator == "openai:https://api.example.com/v1?model=m&key=k");
    BOOST_TEST_REQUIRE(c.adminPassword.has_value());
    BOOST_TEST(*c.adminPassword == "密码密码密码密码密码");
    BOOST_TEST(c.listen == "127.0.0.1:9000");
    BOOST_TEST(c.threads == 8);
    BOOST_TEST(c.socketMode == 0600u);
    BOOST_TEST(c.shutdownTimeoutMs == 0);
    BOOST_TEST(c.dbPoolSize == 8);  // equal to threads is enough
    BOOST_TEST(c.autoMigrate);
    BOOST_TEST(c.sessionTtlHours == 24);
    BOOST_TEST(c.cookieSecure);
    BOOST_TEST(c.maxJsonBytes == 1024u);
    BOOST_TEST(c.trustedProxies == std::vector<std::string>{"127.0.0.1"}, boost::test_tools::per_element());
    BOOST_TEST(c.debugRoutes);
    BOOST_TEST(c.logLevel == "debug");
}

BOOST_DATA_TEST_CASE(good_listen_values,
                     bdata::make(std::vector<std::string>{"", "unix:/run/mofang/fcgi.sock", "127.0.0.1:9000",
                                                          "localhost:1", "[::1]:65535", "0.0.0.0:9000"}),
                     listen) {
    BOOST_TEST(parseConfig(with({{"fcgi.listen", listen}})).listen == listen);
}

BOOST_AUTO_TEST_CASE(pool_size_defaults_to_threads_plus_two) {
    BOOST_TEST(parseConfig(with({{"fcgi.threads", "4"}})).dbPoolSize == 6);
    BOOST_TEST(parseConfig(with({{"fcgi.threads", "1"}})).dbPoolSize == 3);
}

BOOST_AUTO_TEST_CASE(socket_mode_is_octal) {
    BOOST_TEST(parseConfig(with({{"fcgi.socket_mode", "660"}})).socketMode == 0660u);
    BOOST_TEST(parseConfig(with({{"fcgi.socket_mode", "0777"}})).socketMode == 0777u);
    BOOST_TEST(parseConfig(with({{"fcgi.socket_mode", "0"}})).socketMode == 0u);
}

BOOST_AUTO_TEST_CASE(auto_migrate_defaults_by_database) {
    BOOST_TEST(parseConfig(with({{"db", "mysql://u:p@h:3306/mofang"}})).autoMigrate == false);
    BOOST_TEST(parseConfig(with({{"db", "mysql:///mofang?socket=/run/mysqld/mysqld.sock"}})).autoMigrate ==
               false);
    BOOST_TEST(parseConfig(with({{"db", "mysql://u:p@h/m"}, {"db.auto_migrate", "true"}})).autoMigrate ==
               true);
    BOOST_TEST(parseConfig(with({{"db", "sqlite:/x"}})).autoMigrate == true);
    BOOST_TEST(parseConfig(with({{"db.auto_migrate", "false"}})).autoMigrate == false);
}

BOOST_AUTO_TEST_CASE(empty_optional_values_mean_default) {
    const AppConfig c =
        parseConfig(with({{"fcgi.threads", ""}, {"db.auto_migrate", " "}, {"admin.password", ""}}));
    BOOST_TEST(c.threads == 16);
    BOOST_TEST(c.autoMigrate);
    BOOST_TEST(!c.adminPassword.has_value());
}

BOOST_DATA_TEST_CASE(bool_values, bdata::make(kBools), c) {
    BOOST_TEST(parseConfig(with({{"auth.cookie_secure", c.text}})).cookieSecure == c.value);
}

BOOST_DATA_TEST_CASE(trusted_proxies_list, bdata::make(kProxies), c) {
    const auto proxies = parseConfig(with({{"net.trusted_proxies", c.text}})).trustedProxies;
    BOOST_TEST(proxies == c.expected, boost::test_tools::per_element());
}

BOOST_DATA_TEST_CASE(env_name, bdata::make(kEnvNames), c) {
    BOOST_TEST(configEnvName(c.key) == c.env);
}

BOOST_AUTO_TEST_CASE(every_known_key_has_a_distinct_env_name) {
    std::set<std::string> names;
    for (const auto& key : knownConfigKeys()) {
        const auto name = configEnvName(key);
        BOOST_TEST(name.rfind("MOFANG_", 0) == 0u, name);
        BOOST_TEST(name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == std::string::npos,
                   name);
        names.insert(name);
    }
    BOOST_TEST(names.size() == knownConfigKeys().size());
}

BOOST_AUTO_TEST_SUITE_END()
