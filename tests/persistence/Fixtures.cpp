#include "Fixtures.hpp"

#include <Poco/Data/Session.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <stdexcept>
#include <typeinfo>

#include "persistence/SqlQuery.hpp"

namespace mofang::domain {

std::ostream& operator<<(std::ostream& os, ErrorKind kind) {
    return os << toString(kind);
}

std::ostream& operator<<(std::ostream& os, Role role) {
    return os << toString(role);
}
std::ostream& operator<<(std::ostream& os, UserStatus status) {
    return os << toString(status);
}
std::ostream& operator<<(std::ostream& os, ProductSort sort) {
    return os << (sort == ProductSort::CreatedDesc ? "createdAt desc" : "name asc");
}

}  // namespace mofang::domain

namespace mofang::test {
namespace {

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

std::string randomHex(std::size_t bytes) {
    static const char* kDigits = "0123456789abcdef";
    std::random_device rd;
    std::string out;
    for (std::size_t i = 0; i < bytes; ++i) {
        const auto b = rd() & 0xff;
        out += kDigits[b >> 4];
        out += kDigits[b & 0xf];
    }
    return out;
}

// MOFANG_TEST_MYSQL names a server (mysql://user:pass@host:port/); `database` is appended.
std::string mysqlUri(const std::string& database) {
    std::string server = env("MOFANG_TEST_MYSQL");
    while (!server.empty() && server.back() == '/') server.pop_back();
    return server + "/" + database;
}

// Runs `sql` on the server's own `mysql` database (CREATE/DROP DATABASE).
void onMySqlServer(const std::string& sql) {
    persistence::Database admin(mysqlUri("mysql"), 1);
    admin.run([&](Poco::Data::Session& s) { persistence::executeSql(s, sql); });
}

// Stops the whole run before any test when the selected backend cannot be reached: 77 is
// ctest's SKIP_RETURN_CODE for persistence_mysql.
struct BackendGate {
    BackendGate() {
        const std::string selected = env("MOFANG_TEST_BACKEND");
        if (!selected.empty() && selected != "sqlite" && selected != "mysql") {
            std::cerr << "MOFANG_TEST_BACKEND must be sqlite or mysql, not '" << selected << "'\n";
            std::exit(2);
        }
        if (selected == "mysql" && env("MOFANG_TEST_MYSQL").empty()) {
            std::cout << "skipped: MOFANG_TEST_MYSQL not set" << std::endl;
            std::exit(77);
        }
        BOOST_TEST_MESSAGE("persistence contract tests against " << (selected.empty() ? "sqlite" : selected));
    }
};

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(BackendGate);

Backend backend() {
    return env("MOFANG_TEST_BACKEND") == "mysql" ? Backend::MySQL : Backend::SQLite;
}

boost::test_tools::assertion_result mysqlOnly(boost::unit_test::test_unit_id) {
    boost::test_tools::assertion_result result(onMySql());
    result.message() << "MariaDB only (MOFANG_TEST_BACKEND=mysql)";
    return result;
}

boost::test_tools::assertion_result mysqlWithRestart(boost::unit_test::test_unit_id id) {
    auto result = mysqlOnly(id);
    if (!result) return result;
    boost::test_tools::assertion_result restart(!env("MOFANG_TEST_MARIADB_RESTART").empty());
    restart.message() << "needs MOFANG_TEST_MARIADB_RESTART";
    return restart;
}

boost::test_tools::assertion_result sqliteRunOnly(boost::unit_test::test_unit_id) {
    boost::test_tools::assertion_result result(!onMySql());
    result.message() << "no database involved: runs in the SQLite run only";
    return result;
}

TempDir::TempDir(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path = pattern;
}

TempDir::~TempDir() {
    namespace fs = std::filesystem;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(path, ec))
        if (e.is_directory(ec)) fs::permissions(e.path(), fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path, ec);
}

Base::Base() {
    if (onMySql()) {
        mysqlDatabase_ = "contract_" + randomHex(8);
        onMySqlServer("CREATE DATABASE " + mysqlDatabase_ + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        uri = mysqlUri(mysqlDatabase_);
    } else {
        std::string pattern = (std::filesystem::temp_directory_path() / "mofang-contract-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        sqliteDir_ = pattern;
        uri = "sqlite:" + sqliteDir_ + "/contract.db";
    }
}

Base::~Base() {
    try {
        if (!mysqlDatabase_.empty()) onMySqlServer("DROP DATABASE IF EXISTS " + mysqlDatabase_);
        if (!sqliteDir_.empty()) std::filesystem::remove_all(sqliteDir_);
    } catch (const std::exception& e) {
        std::cerr << "could not remove the test database: " << e.what() << "\n";
    }
}

WithDatabase::WithDatabase() : db(uri, 8), store(db), firstMigration(persistence::migrate(db)) {
    // MOFANG_TEST_PINNED=1: the test's own transactions run on a pinned session with its
    // statement cache, as mofang-worker's claim loop (a no-op on SQLite).
    if (const char* pinned = std::getenv("MOFANG_TEST_PINNED"); pinned && std::string(pinned) == "1")
        db.pinTransactionsOfThisThread();
}

std::int64_t WithDatabase::committedRows(const std::string& table) {
    persistence::Database other(uri, 1);
    std::int64_t n = 0;
    other.run([&](Poco::Data::Session& s) {
        auto rs = persistence::SqlQuery(s, "SELECT COUNT(*) FROM " + table).rows();
        n = persistence::cellInt(rs, 0, 0);
    });
    return n;
}

WithSeedData::WithSeedData() {
    alice = makeUser("alice", "alice@example.com", domain::Role::Admin);
    alice.permissions = {"log.read", "user.manage"};
    alice.lastLogin = 1'700'000'500'000;
    bob = makeUser("bob", "bob@example.com");
    carol = makeUser("carol", "carol@example.org", domain::Role::Uploader, domain::UserStatus::Blocked);
    store.transact([&](domain::Repositories& r) {
        for (auto* u : {&alice, &bob, &carol}) u->id = r.users().insert(*u);
    });
}

domain::User makeUser(const std::string& username, const std::string& email, domain::Role role,
                      domain::UserStatus status) {
    domain::User u;
    u.username = username;
    u.email = email;
    u.passwordHash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$" + username;
    u.role = role;
    u.status = status;
    u.createdAt = 1'700'000'000'000;
    u.updatedAt = 1'700'000'000'000;
    return u;
}

domain::Product makeProduct(const std::string& name, const std::string& spuCode, domain::UserId createdBy,
                            domain::Millis at) {
    domain::Product p;
    p.name = name;
    p.spuCode = spuCode;
    p.gender = "unisex";
    p.ageRange = "adult";
    p.scenarios = {"commute"};
    p.styles = {"casual"};
    p.createdBy = createdBy;
    p.createdAt = at;
    p.updatedAt = at;
    return p;
}

std::optional<domain::DomainError> catchDomainError(const std::function<void()>& work) {
    try {
        work();
    } catch (const domain::DomainError& e) {
        return e;
    } catch (const Poco::Exception& e) {
        BOOST_ERROR("expected a DomainError, got " << e.className() << ": " << e.displayText());
        return std::nullopt;
    } catch (const std::exception& e) {
        BOOST_ERROR("expected a DomainError, got " << typeid(e).name() << ": " << e.what());
        return std::nullopt;
    }
    BOOST_ERROR("expected a DomainError, nothing was thrown");
    return std::nullopt;
}

void checkSameUser(const domain::User& actual, const domain::User& expected) {
    BOOST_TEST(actual.id == expected.id);
    BOOST_TEST(actual.username == expected.username);
    BOOST_TEST(actual.email == expected.email);
    BOOST_TEST(actual.passwordHash == expected.passwordHash);
    BOOST_TEST(actual.role == expected.role);
    BOOST_TEST(actual.permissions == expected.permissions, boost::test_tools::per_element());
    BOOST_TEST(actual.status == expected.status);
    BOOST_TEST(actual.lastLogin.has_value() == expected.lastLogin.has_value());
    if (actual.lastLogin && expected.lastLogin) BOOST_TEST(*actual.lastLogin == *expected.lastLogin);
    BOOST_TEST(actual.createdAt == expected.createdAt);
    BOOST_TEST(actual.updatedAt == expected.updatedAt);
}

void checkSameEntry(const domain::OperationLogEntry& actual, const domain::OperationLogEntry& expected) {
    BOOST_TEST(actual.userId.has_value() == expected.userId.has_value());
    if (actual.userId && expected.userId) BOOST_TEST(*actual.userId == *expected.userId);
    BOOST_TEST(actual.action == expected.action);
    BOOST_TEST(actual.targetType == expected.targetType);
    BOOST_TEST(actual.targetId == expected.targetId);
    BOOST_TEST(actual.detailsJson == expected.detailsJson);
    BOOST_TEST(actual.ip == expected.ip);
    BOOST_TEST(actual.userAgent == expected.userAgent);
    BOOST_TEST(actual.timestamp == expected.timestamp);
}

void checkSameProduct(const domain::Product& actual, const domain::Product& expected) {
    BOOST_TEST(actual.id == expected.id);
    BOOST_TEST(actual.name == expected.name);
    BOOST_TEST(actual.spuCode == expected.spuCode);
    BOOST_TEST(actual.gender == expected.gender);
    BOOST_TEST(actual.ageRange == expected.ageRange);
    BOOST_TEST(actual.scenarios == expected.scenarios, boost::test_tools::per_element());
    BOOST_TEST(actual.styles == expected.styles, boost::test_tools::per_element());
    BOOST_TEST(actual.threeDDesigner == expected.threeDDesigner);
    BOOST_TEST(actual.graphicDesigner == expected.graphicDesigner);
    BOOST_TEST(actual.createdBy == expected.createdBy);
    BOOST_TEST(actual.createdAt == expected.createdAt);
    BOOST_TEST(actual.updatedAt == expected.updatedAt);
    BOOST_TEST(actual.deleted == expected.deleted);
}

void checkSameModule(const domain::MaterialModule& actual, const domain::MaterialModule& expected) {
    BOOST_TEST(actual.id == expected.id);
    BOOST_TEST(actual.productId == expected.productId);
    BOOST_TEST(actual.type == expected.type);
    BOOST_TEST(actual.subType == expected.subType);
    BOOST_TEST(actual.order == expected.order);
    BOOST_TEST(actual.createdAt == expected.createdAt);
    BOOST_TEST(actual.updatedAt == expected.updatedAt);
}

}  // namespace mofang::test
