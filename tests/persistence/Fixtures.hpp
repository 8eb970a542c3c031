#pragma once

// Layered fixtures of the repository contract tests (Base → WithDatabase → WithSeedData) and
// the helpers they share. One scenario list runs against the backend that MOFANG_TEST_BACKEND
// selects: "sqlite" (default; a fresh file per fixture) or "mysql" (a fresh database per fixture
// on the server that MOFANG_TEST_MYSQL points at).

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "domain/Errors.hpp"
#include "domain/OperationLog.hpp"
#include "domain/Ports.hpp"
#include "domain/User.hpp"
#include "persistence/Database.hpp"
#include "persistence/Migrations.hpp"
#include "persistence/SqlRepositories.hpp"

namespace mofang::domain {

std::ostream& operator<<(std::ostream& os, ErrorKind kind);
std::ostream& operator<<(std::ostream& os, Role role);
std::ostream& operator<<(std::ostream& os, UserStatus status);
std::ostream& operator<<(std::ostream& os, ProductSort sort);

}  // namespace mofang::domain

namespace mofang::test {

enum class Backend { SQLite, MySQL };

// The backend of this run, from MOFANG_TEST_BACKEND.
Backend backend();
inline bool onMySql() {
    return backend() == Backend::MySQL;
}

// Preconditions for tests that only make sense on MariaDB (they are skipped elsewhere).
boost::test_tools::assertion_result mysqlOnly(boost::unit_test::test_unit_id);
boost::test_tools::assertion_result mysqlWithRestart(boost::unit_test::test_unit_id);
// For suites that involve no database: they run once, in the SQLite run.
boost::test_tools::assertion_result sqliteRunOnly(boost::unit_test::test_unit_id);

// A fresh directory "<prefix>-XXXXXX" in the system's temp directory, removed with all it holds
// at the end (permissions of directories in it restored first, for tests that take them away).
struct TempDir {
    explicit TempDir(const std::string& prefix);
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::filesystem::path path;
};

// A fresh, empty database of the selected backend, removed again at the end.
struct Base {
    Base();
    ~Base();
    Base(const Base&) = delete;
    Base& operator=(const Base&) = delete;

    std::string uri;  // for persistence::Database

  private:
    std::string mysqlDatabase_;  // MySQL: the database this fixture created
    std::string sqliteDir_;      // SQLite: the directory that holds the file
};

// Base, migrated, with the Database (pool of 8) and the Store that the services use.
struct WithDatabase : Base {
    WithDatabase();

    // Rows in `table`, counted on a connection of its own (so: what is committed).
    std::int64_t committedRows(const std::string& table);

    persistence::Database db;
    persistence::SqlStore store;
    persistence::MigrationReport firstMigration;
};

// WithDatabase plus three users.
struct WithSeedData : WithDatabase {
    WithSeedData();

    domain::User alice;  // admin, active, two extra grants, has logged in
    domain::User bob;    // viewer, active, never logged in
    domain::User carol;  // uploader, blocked
};

// A user as the service would build it (password hash is opaque here).
domain::User makeUser(const std::string& username, const std::string& email,
                      domain::Role role = domain::Role::Viewer,
                      domain::UserStatus status = domain::UserStatus::Active);

// A live product as the service would build it (trimmed, distinct tags); created and updated `at`.
domain::Product makeProduct(const std::string& name, const std::string& spuCode, domain::UserId createdBy,
                            domain::Millis at = 1'700'000'000'000);

// The DomainError that `work` throws; fails the test (with what was thrown instead) otherwise.
std::optional<domain::DomainError> catchDomainError(const std::function<void()>& work);

// Field-by-field comparison with readable failure messages.
void checkSameUser(const domain::User& actual, const domain::User& expected);
void checkSameEntry(const domain::OperationLogEntry& actual, const domain::OperationLogEntry& expected);
void checkSameProduct(const domain::Product& actual, const domain::Product& expected);
void checkSameModule(const domain::MaterialModule& actual, const domain::MaterialModule& expected);

}  // namespace mofang::test
