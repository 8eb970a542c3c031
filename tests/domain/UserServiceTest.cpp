#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "Fakes.hpp"
#include "Support.hpp"
#include "domain/UserService.hpp"

namespace bdata = boost::unit_test::data;
using namespace mofang::domain;
using mofang::test::FakeClock;
using mofang::test::FakeCrypto;
using mofang::test::FakeStore;
using mofang::test::fieldsOf;
using mofang::test::thrownBy;

namespace {

constexpr const char* kPassword = "correct horse battery";

AuditContext auditBy(UserId actor) {
    return AuditContext{actor, "203.0.113.9", "admin-ui", std::nullopt};
}

NewUser newUser(const std::string& username, const std::string& email) {
    NewUser u;
    u.username = username;
    u.email = email;
    u.password = "a long enough password";
    u.role = "viewer";
    return u;
}

// The stored state of a user, for "nothing changed" checks (userJson leaves the hash out).
std::string snapshot(FakeStore& store, UserId id) {
    const User& u = store.user(id);
    return userJson(u) + "|" + u.passwordHash;
}

struct DuplicateCase {
    std::string username;
    std::string email;
    std::vector<std::string> fields;
};
std::ostream& operator<<(std::ostream& os, const DuplicateCase& c) {
    return os << c.username << " " << c.email;
}
// Against the existing user alice / alice@example.com.
const std::vector<DuplicateCase> kDuplicates = {
    {"alice", "new@example.com", {"username"}},
    {"ALICE", "new@example.com", {"username"}},
    {"bob", "alice@example.com", {"email"}},
    {"bob", "Alice@Example.COM", {"email"}},
    {"Alice", "ALICE@EXAMPLE.COM", {"username", "email"}},
};

struct DemoteCase {
    std::string name;
    UserPatch patch;
};
std::ostream& operator<<(std::ostream& os, const DemoteCase& c) {
    return os << c.name;
}
UserPatch rolePatch(const std::string& role) {
    UserPatch p;
    p.role = role;
    return p;
}
UserPatch statusPatch(const std::string& status) {
    UserPatch p;
    p.status = status;
    return p;
}
const std::vector<DemoteCase> kDemotions = {
    {"to viewer", rolePatch("viewer")},
    {"to uploader", rolePatch("uploader")},
    {"blocked", statusPatch("blocked")},
    {"inactive", statusPatch("inactive")},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(user_service_create)

BOOST_AUTO_TEST_CASE(needs_user_manage) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    const UserId viewerId = store.addUser("viewer", kPassword);
    const Principal viewer(viewerId, Role::Viewer, {});
    const auto e =
        thrownBy([&] { users.create(viewer, newUser("bob", "bob@example.com"), auditBy(viewerId)); });
    BOOST_TEST(e.kind() == ErrorKind::Forbidden);
    BOOST_TEST(e.code() == "forbidden");
    BOOST_TEST(store.state.users.size() == 1u);

    const Principal granted(viewerId, Role::Viewer, {"user.manage"});
    BOOST_CHECK_NO_THROW(users.create(granted, newUser("bob", "bob@example.com"), auditBy(viewerId)));
}

BOOST_AUTO_TEST_CASE(stores_the_user_and_logs_it) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    const UserId adminId = store.addUser("admin", kPassword, Role::Admin);
    const Principal admin(adminId, Role::Admin, {});
    NewUser input = newUser("Bob", "bob@example.com");
    input.role = "uploader";
    input.permissions = {"log.read", "download.read_all", "log.read"};

    const User created = users.create(admin, input, auditBy(adminId));

    BOOST_TEST(created.id == 2);
    BOOST_TEST(created.username == "Bob");
    BOOST_TEST(created.email == "bob@example.com");
    BOOST_TEST(created.role == Role::Uploader);
    BOOST_TEST(created.permissions == (std::vector<std::string>{"download.read_all", "log.read"}),
               boost::test_tools::per_element());
    BOOST_TEST(created.status == UserStatus::Active);
    BOOST_TEST(created.passwordHash == crypto.hashPassword("a long enough password"));
    BOOST_TEST(created.createdAt == clock.t);
    BOOST_TEST(created.updatedAt == clock.t);
    BOOST_TEST(!created.lastLogin.has_value());
    BOOST_TEST(userJson(store.user(created.id)) == userJson(created));

    BOOST_TEST_REQUIRE(store.state.logs.size() == 1u);
    const auto& log = store.state.logs.front();
    BOOST_TEST(log.action == "user.create");
    BOOST_TEST(log.targetType == "user");
    BOOST_TEST(log.targetId == "2");
    BOOST_TEST_REQUIRE(log.userId.has_value());
    BOOST_TEST(*log.userId == adminId);
    BOOST_TEST(log.detailsJson == R"({"after":)" + userJson(created) + "}");
    BOOST_TEST(log.detailsJson.find(created.passwordHash) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(status_and_role_are_taken_from_the_input) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    NewUser input = newUser("carol", "carol@example.com");
    input.role = "admin";
    input.status = "inactive";
    const User created = users.create(UserService::systemPrincipal(), input, auditBy(0));
    BOOST_TEST(created.role == Role::Admin);
    BOOST_TEST(created.status == UserStatus::Inactive);
}

BOOST_AUTO_TEST_CASE(invalid_input_stores_nothing) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    NewUser input = newUser("x", "not-an-email");
    input.permissions = {"log.read", "bogus"};
    const auto e = thrownBy([&] { users.create(UserService::systemPrincipal(), input, auditBy(0)); });
    BOOST_TEST(e.kind() == ErrorKind::Validation);
    BOOST_TEST(fieldsOf(e) == (std::vector<std::string>{"username", "email", "permissions[1]"}),
               boost::test_tools::per_element());
    BOOST_TEST(store.state.users.empty());
    BOOST_TEST(store.state.logs.empty());
}

BOOST_DATA_TEST_CASE(duplicate_username_or_email_is_a_conflict_naming_the_field, bdata::make(kDuplicates),
                     c) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    store.addUser("alice", kPassword);  // alice@example.com
    const auto e = thrownBy(
        [&] { users.create(UserService::systemPrincipal(), newUser(c.username, c.email), auditBy(0)); });
    BOOST_TEST(e.kind() == ErrorKind::Conflict);
    BOOST_TEST(e.code() == "conflict");
    BOOST_TEST(fieldsOf(e) == c.fields, boost::test_tools::per_element());
    BOOST_TEST(store.state.users.size() == 1u);
    BOOST_TEST(store.state.logs.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(user_service_update)

BOOST_AUTO_TEST_CASE(blocking_logs_user_block_and_ends_every_session_of_the_user) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    const UserId adminId = store.addUser("admin", kPassword, Role::Admin);
    const UserId bobId = store.addUser("bob", kPassword);
    store.addSession(bobId, "sha:b1");
    store.addSession(bobId, "sha:b2");
    store.addSession(adminId, "sha:a1");
    const User before = store.user(bobId);
    clock.advance(1000);

    const User after =
        users.update(Principal(adminId, Role::Admin, {}), bobId, statusPatch("blocked"), auditBy(adminId));

    BOOST_TEST(after.status == UserStatus::Blocked);
    BOOST_TEST(after.updatedAt == clock.t);
    BOOST_TEST(store.user(bobId).status == UserStatus::Blocked);
    BOOST_TEST(store.sessionsOf(bobId) == 0);
    BOOST_TEST(store.sessionsOf(adminId) == 1);
    BOOST_TEST_REQUIRE(store.state.logs.size() == 1u);
    const auto& log = store.state.logs.front();
    BOOST_TEST(log.action == "user.block");
    BOOST_TEST(log.targetType == "user");
    BOOST_TEST(log.targetId == std::to_string(bobId));
    BOOST_TEST(log.detailsJson ==
               R"({"before":)" + userJson(before) + R"(,"after":)" + userJson(after) + "}");
}

BOOST_AUTO_TEST_CASE(role_and_grant_change_logs_user_update_and_keeps_sessions) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    const UserId adminId = store.addUser("admin", kPassword, Role::Admin);
    const UserId bobId = store.addUser("bob", kPassword);
    store.addSession(bobId, "sha:b1");
    UserPatch patch;
    patch.role = "uploader";
    patch.permissions = std::vector<std::string>{"model.read_all", "log.read", "model.read_all"};

    const User after = users.update(Principal(adminId, Role::Admin, {}), bobId, patch, auditBy(adminId));

    BOOST_TEST(after.role == Role::Uploader);
    BOOST_TEST(after.permissions == (std::vector<std::string>{"log.read", "model.read_all"}),
               boost::test_tools::per_element());
    BOOST_TEST(userJson(store.user(bobId)) == userJson(after));
    BOOST_TEST(store.sessionsOf(bobId) == 1);
    BOOST_TEST(store.actions() == std::vector<std::string>{"user.update"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(deactivation_and_password_reset_end_sessions_as_user_update) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    const UserId adminId = store.addUser("admin", kPassword, Role::Admin);
    const UserId bobId = store.addUser("bob", kPassword);
    const UserId carolId = store.addUser("carol", kPassword);
    store.addSession(bobId, "sha:b1");
    store.addSession(carolId, "sha:c1");
    const Principal admin(adminId, Role::Admin, {});

    users.update(admin, bobId, statusPatch("inactive"), auditBy(adminId));
    UserPatch reset;
    reset.password = "a fresh password";
    users.update(admin, carolId, reset, auditBy(adminId));

    BOOST_TEST(store.sessionsOf(bobId) == 0);
    BOOST_TEST(store.sessionsOf(carolId) == 0);
    BOOST_TEST(store.user(carolId).passwordHash == crypto.hashPassword("a fresh password"));
    BOOST_TEST(store.actions() == (std::vector<std::string>{"user.update", "user.update"}),
               boost::test_tools::per_element());
    // The hash never reaches the log.
    for (const auto& log : store.state.logs) BOOST_TEST(log.detailsJson.find("h:") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(updating_an_already_blocked_user_is_user_update) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    const UserId adminId = store.addUser("admin", kPassword, Role::Admin);
    const UserId bobId = store.addUser("bob", kPassword, Role::Viewer, UserStatus::Blocked);
    UserPatch patch;
    patch.status = "blocked";
    patch.email = "bob2@example.com";
    users.update(Principal(adminId, Role::Admin, {}), bobId, patch, auditBy(adminId));
    BOOST_TEST(store.actions() == std::vector<std::string>{"user.update"}, boost::test_tools::per_element());
}

BOOST_DATA_TEST_CASE(the_last_active_admin_cannot_be_demoted, bdata::make(kDemotions), c) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    const UserId adminId = store.addUser("admin", kPassword, Role::Admin);
    store.addUser("former", kPassword, Role::Admin, UserStatus::Inactive);  // not active: does not count
    store.addSession(adminId, "sha:a1");
    const auto before = snapshot(store, adminId);

    const auto e = thrownBy(
        [&] { users.update(Principal(adminId, Role::Admin, {}), adminId, c.patch, auditBy(adminId)); });
    BOOST_TEST(e.kind() == ErrorKind::Conflict);
    BOOST_TEST(e.code() == "conflict");
    BOOST_TEST(snapshot(store, adminId) == before);
    BOOST_TEST(store.sessionsOf(adminId) == 1);
    BOOST_TEST(store.state.logs.empty());
}

BOOST_DATA_TEST_CASE(an_admin_can_be_demoted_while_another_is_active, bdata::make(kDemotions), c) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    const UserId adminId = store.addUser("admin", kPassword, Role::Admin);
    const UserId otherId = store.addUser("other", kPassword, Role::Admin);
    BOOST_CHECK_NO_THROW(
        users.update(Principal(adminId, Role::Admin, {}), otherId, c.patch, auditBy(adminId)));
    const User& other = store.user(otherId);
    BOOST_TEST(!(other.role == Role::Admin && other.status == UserStatus::Active));
}

BOOST_AUTO_TEST_CASE(the_last_active_admin_may_change_other_fields) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    const UserId adminId = store.addUser("admin", kPassword, Role::Admin);
    UserPatch patch;
    patch.email = "root@example.com";
    patch.permissions = std::vector<std::string>{"log.read"};
    patch.role = "admin";
    patch.status = "active";
    BOOST_CHECK_NO_THROW(users.update(Principal(adminId, Role::Admin, {}), adminId, patch, auditBy(adminId)));
    BOOST_TEST(store.user(adminId).email == "root@example.com");
}

BOOST_AUTO_TEST_CASE(email_taken_by_another_user_is_a_conflict) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    store.addUser("alice", kPassword);  // alice@example.com
    const UserId bobId = store.addUser("bob", kPassword);
    const auto before = snapshot(store, bobId);
    UserPatch patch;
    patch.email = "ALICE@example.com";
    const auto e = thrownBy([&] { users.update(UserService::systemPrincipal(), bobId, patch, auditBy(0)); });
    BOOST_TEST(e.kind() == ErrorKind::Conflict);
    BOOST_TEST(fieldsOf(e) == std::vector<std::string>{"email"}, boost::test_tools::per_element());
    BOOST_TEST(snapshot(store, bobId) == before);

    patch.email = "BOB@example.com";  // one's own address, in another case
    BOOST_CHECK_NO_THROW(users.update(UserService::systemPrincipal(), bobId, patch, auditBy(0)));
    BOOST_TEST(store.user(bobId).email == "BOB@example.com");
}

BOOST_AUTO_TEST_CASE(unknown_user_invalid_patch_and_missing_permission) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    const UserId bobId = store.addUser("bob", kPassword);

    const auto missing = thrownBy(
        [&] { users.update(UserService::systemPrincipal(), 999, statusPatch("active"), auditBy(0)); });
    BOOST_TEST(missing.kind() == ErrorKind::NotFound);
    BOOST_TEST(missing.code() == "not_found");

    const auto invalid =
        thrownBy([&] { users.update(UserService::systemPrincipal(), bobId, rolePatch("god"), auditBy(0)); });
    BOOST_TEST(invalid.kind() == ErrorKind::Validation);
    BOOST_TEST(fieldsOf(invalid) == std::vector<std::string>{"role"}, boost::test_tools::per_element());

    const auto denied = thrownBy([&] {
        users.update(Principal(bobId, Role::Uploader, {"log.read"}), bobId, rolePatch("admin"),
                     auditBy(bobId));
    });
    BOOST_TEST(denied.kind() == ErrorKind::Forbidden);
    BOOST_TEST(denied.code() == "forbidden");
    BOOST_TEST(store.user(bobId).role == Role::Viewer);
}

BOOST_AUTO_TEST_CASE(a_failed_log_write_rolls_the_update_back) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    const UserId adminId = store.addUser("admin", kPassword, Role::Admin);
    const UserId bobId = store.addUser("bob", kPassword);
    store.addSession(bobId, "sha:b1");
    const auto before = snapshot(store, bobId);
    UserPatch patch;
    patch.status = "blocked";
    patch.role = "uploader";
    patch.password = "another long password";
    const Principal admin(adminId, Role::Admin, {});

    store.failLogAppends = true;
    const auto e = thrownBy([&] { users.update(admin, bobId, patch, auditBy(adminId)); });
    BOOST_TEST(e.kind() == ErrorKind::Unavailable);
    BOOST_TEST(e.code() == "unavailable");
    BOOST_TEST(snapshot(store, bobId) == before);
    BOOST_TEST(store.sessionsOf(bobId) == 1);
    BOOST_TEST(store.state.logs.empty());
    BOOST_TEST(store.rollbacks == 1);

    store.failLogAppends = false;
    BOOST_CHECK_NO_THROW(users.update(admin, bobId, patch, auditBy(adminId)));
    BOOST_TEST(store.user(bobId).status == UserStatus::Blocked);
    BOOST_TEST(store.sessionsOf(bobId) == 0);
}

BOOST_AUTO_TEST_CASE(a_failed_log_write_rolls_the_creation_back) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    store.failLogAppends = true;
    const auto e = thrownBy(
        [&] { users.create(UserService::systemPrincipal(), newUser("bob", "bob@example.com"), auditBy(0)); });
    BOOST_TEST(e.kind() == ErrorKind::Unavailable);
    BOOST_TEST(store.state.users.empty());
    BOOST_TEST(store.state.logs.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(user_service_reads)

BOOST_AUTO_TEST_CASE(get_list_and_find_by_username) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    const UserId aliceId = store.addUser("alice", kPassword);
    store.addUser("bob", kPassword);
    store.addUser("carol", kPassword);
    const Principal admin(99, Role::Admin, {});

    BOOST_TEST(users.get(admin, aliceId).username == "alice");
    const auto missing = thrownBy([&] { users.get(admin, 12345); });
    BOOST_TEST(missing.kind() == ErrorKind::NotFound);
    BOOST_TEST(missing.code() == "not_found");

    const auto page = users.list(admin, aliceId, 1);
    BOOST_TEST_REQUIRE(page.size() == 1u);
    BOOST_TEST(page[0].username == "bob");
    BOOST_TEST(users.list(admin, std::nullopt, 20).size() == 3u);

    BOOST_TEST(users.findByUsername(admin, "ALICE").id == aliceId);
    // Only the username: an email address does not name a user here.
    BOOST_TEST(thrownBy([&] { users.findByUsername(admin, "alice@example.com"); }).kind() ==
               ErrorKind::NotFound);
}

BOOST_AUTO_TEST_CASE(reads_need_user_manage) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    const UserId aliceId = store.addUser("alice", kPassword);
    const Principal self(aliceId, Role::Uploader, {});
    BOOST_TEST(thrownBy([&] { users.get(self, aliceId); }).code() == "forbidden");
    BOOST_TEST(thrownBy([&] { users.list(self, std::nullopt, 20); }).code() == "forbidden");
    BOOST_TEST(thrownBy([&] { users.findByUsername(self, "alice"); }).code() == "forbidden");
}

BOOST_AUTO_TEST_CASE(system_principal_is_an_admin_of_no_user) {
    const Principal system = UserService::systemPrincipal();
    BOOST_TEST(system.id() == 0);
    BOOST_TEST(system.has("user.manage"));
    BOOST_TEST(system.has("log.read"));
}

BOOST_AUTO_TEST_CASE(operation_logs_need_log_read_and_come_newest_first) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    OperationLogService logs(store);
    users.create(UserService::systemPrincipal(), newUser("bob", "bob@example.com"), auditBy(0));
    users.create(UserService::systemPrincipal(), newUser("carol", "carol@example.com"), auditBy(0));

    const auto e = thrownBy([&] { logs.list(Principal(1, Role::Uploader, {}), OperationLogQuery{}); });
    BOOST_TEST(e.kind() == ErrorKind::Forbidden);

    const auto entries = logs.list(Principal(1, Role::Viewer, {"log.read"}), OperationLogQuery{});
    BOOST_TEST_REQUIRE(entries.size() == 2u);
    BOOST_TEST(entries[0].targetId == "2");
    BOOST_TEST(entries[1].targetId == "1");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(user_service_bootstrap)

BOOST_AUTO_TEST_CASE(ensure_admin_creates_once) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);

    BOOST_TEST(users.ensureAdmin("bootstrap password"));
    BOOST_TEST_REQUIRE(store.state.users.size() == 1u);
    const User admin = store.state.users.begin()->second;
    BOOST_TEST(admin.username == "admin");
    BOOST_TEST(admin.role == Role::Admin);
    BOOST_TEST(admin.status == UserStatus::Active);
    BOOST_TEST(admin.passwordHash == crypto.hashPassword("bootstrap password"));
    BOOST_TEST(!checkEmail(admin.email).has_value());
    BOOST_TEST_REQUIRE(store.state.logs.size() == 1u);
    const auto& log = store.state.logs.front();
    BOOST_TEST(log.action == "user.create");
    BOOST_TEST(!log.userId.has_value());
    BOOST_TEST(log.detailsJson.find(R"("reason":"admin.password bootstrap")") != std::string::npos,
               log.detailsJson);

    BOOST_TEST(!users.ensureAdmin("bootstrap password"));
    BOOST_TEST(!users.ensureAdmin("a different password"));
    BOOST_TEST(store.state.users.size() == 1u);
    BOOST_TEST(store.state.logs.size() == 1u);
    BOOST_TEST(store.user(admin.id).passwordHash == crypto.hashPassword("bootstrap password"));  // not reset
}

BOOST_AUTO_TEST_CASE(ensure_admin_does_nothing_when_another_admin_is_active) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    store.addUser("root", kPassword, Role::Admin);
    BOOST_TEST(!users.ensureAdmin("bootstrap password"));
    BOOST_TEST(store.state.users.size() == 1u);
}

BOOST_AUTO_TEST_CASE(ensure_admin_rejects_a_weak_password) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    const auto e = thrownBy([&] { users.ensureAdmin("short"); });
    BOOST_TEST(e.kind() == ErrorKind::Validation);
    BOOST_TEST(fieldsOf(e) == std::vector<std::string>{"admin.password"}, boost::test_tools::per_element());
    BOOST_TEST(store.state.users.empty());
}

BOOST_AUTO_TEST_CASE(ensure_admin_leaves_an_existing_non_admin_named_admin_alone) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    UserService users(store, crypto, clock);
    const UserId id = store.addUser("Admin", kPassword, Role::Viewer);
    const auto before = snapshot(store, id);
    const auto e = thrownBy([&] { users.ensureAdmin("bootstrap password"); });
    BOOST_TEST(e.kind() == ErrorKind::Conflict);
    BOOST_TEST(e.code() == "conflict");
    BOOST_TEST(snapshot(store, id) == before);
    BOOST_TEST(store.state.users.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
