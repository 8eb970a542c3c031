#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "Fakes.hpp"
#include "Support.hpp"
#include "domain/AuthService.hpp"

namespace bdata = boost::unit_test::data;
using namespace mofang::domain;
using mofang::test::FakeClock;
using mofang::test::FakeCrypto;
using mofang::test::FakeStore;
using mofang::test::fieldsOf;
using mofang::test::testAudit;
using mofang::test::thrownBy;

namespace {

constexpr const char* kPassword = "correct horse battery";
constexpr Millis kMinute = 60 * 1000;

struct CsrfCase {
    std::string method;
    bool byCookie;
    std::optional<std::string> header;
    bool passes;
};
std::ostream& operator<<(std::ostream& os, const CsrfCase& c) {
    os << c.method << (c.byCookie ? " cookie " : " bearer ");
    (c.header ? os << "header '" << *c.header << "'" : os << "no header");
    return os << " -> " << (c.passes ? "ok" : "csrf_failed");
}

constexpr const char* kCsrf = "csrf-123";
const std::vector<CsrfCase> kCsrfCases = {
    {"GET", true, std::nullopt, true},
    {"HEAD", true, std::nullopt, true},
    {"OPTIONS", true, std::nullopt, true},
    {"GET", true, "wrong", true},
    {"POST", true, std::nullopt, false},
    {"PUT", true, std::nullopt, false},
    {"PATCH", true, std::nullopt, false},
    {"DELETE", true, std::nullopt, false},
    {"POST", true, "csrf-124", false},
    {"POST", true, "csrf-12", false},
    {"POST", true, "csrf-1234", false},
    {"POST", true, "CSRF-123", false},
    {"POST", true, "", false},
    {"DELETE", true, "wrong", false},
    {"POST", true, kCsrf, true},
    {"PATCH", true, kCsrf, true},
    {"DELETE", true, kCsrf, true},
    {"POST", false, std::nullopt, true},
    {"DELETE", false, "wrong", true},
};

struct MethodCase {
    std::string method;
    bool changing;
};
std::ostream& operator<<(std::ostream& os, const MethodCase& c) {
    return os << c.method << " -> " << c.changing;
}
const std::vector<MethodCase> kMethods = {
    {"GET", false}, {"HEAD", false}, {"OPTIONS", false}, {"POST", true},
    {"PUT", true},  {"PATCH", true}, {"DELETE", true},
};

struct BadLoginCase {
    std::string name;
    std::string login;
    std::string password;
    std::vector<std::string> fields;
};
std::ostream& operator<<(std::ostream& os, const BadLoginCase& c) {
    return os << c.name;
}
const std::vector<BadLoginCase> kBadLogins = {
    {"empty login", "", kPassword, {"login"}},
    {"blank login", " \t ", kPassword, {"login"}},
    {"login too long", std::string(255, 'a'), kPassword, {"login"}},
    {"login not UTF-8",
     "ali\xFF"
     "ce",
     kPassword,
     {"login"}},
    {"empty password", "alice", "", {"password"}},
    {"password over 1024 bytes", "alice", std::string(1025, 'p'), {"password"}},
    {"both empty", "", "", {"login", "password"}},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(csrf)

BOOST_DATA_TEST_CASE(check_csrf, bdata::make(kCsrfCases), c) {
    const auto header = c.header ? std::optional<std::string_view>(*c.header) : std::nullopt;
    if (c.passes) {
        BOOST_CHECK_NO_THROW(checkCsrf(c.method, c.byCookie, header, kCsrf));
        return;
    }
    const auto e = thrownBy([&] { checkCsrf(c.method, c.byCookie, header, kCsrf); });
    BOOST_TEST(e.kind() == ErrorKind::Forbidden);
    BOOST_TEST(e.code() == "csrf_failed");
}

BOOST_AUTO_TEST_CASE(a_session_without_csrf_token_never_matches) {
    const auto e = thrownBy([] { checkCsrf("POST", true, std::string_view(""), ""); });
    BOOST_TEST(e.code() == "csrf_failed");
}

BOOST_DATA_TEST_CASE(is_state_changing, bdata::make(kMethods), c) {
    BOOST_TEST(isStateChanging(c.method) == c.changing);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(auth_login)

BOOST_AUTO_TEST_CASE(success_creates_a_session_and_logs_it) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    const UserId id = store.addUser("alice", kPassword, Role::Uploader);
    const Millis t0 = clock.t;

    const LoginResult r = auth.login("alice", kPassword, testAudit());

    BOOST_TEST(r.user.id == id);
    BOOST_TEST(!r.token.empty());
    BOOST_TEST(!r.csrfToken.empty());
    BOOST_TEST(r.token != r.csrfToken);
    BOOST_TEST(r.expiresAt == t0 + 7LL * 24 * 3600 * 1000);
    BOOST_TEST_REQUIRE(r.user.lastLogin.has_value());
    BOOST_TEST(*r.user.lastLogin == t0);
    BOOST_TEST_REQUIRE(store.user(id).lastLogin.has_value());
    BOOST_TEST(*store.user(id).lastLogin == t0);

    BOOST_TEST_REQUIRE(store.state.sessions.size() == 1u);
    const SessionRecord& s = store.state.sessions.front();
    BOOST_TEST(s.tokenHash == crypto.sha256Hex(r.token));  // the token itself is not stored
    BOOST_TEST(s.csrfToken == r.csrfToken);
    BOOST_TEST(s.userId == id);
    BOOST_TEST(s.createdAt == t0);
    BOOST_TEST(s.expiresAt == r.expiresAt);
    BOOST_TEST(s.ip == "203.0.113.7");
    BOOST_TEST(s.userAgent == "test-agent/1.0");

    BOOST_TEST_REQUIRE(store.state.logs.size() == 1u);
    const OperationLogEntry& log = store.state.logs.front();
    BOOST_TEST(log.action == "auth.login");
    BOOST_TEST(log.targetType == "auth");
    BOOST_TEST(log.targetId == std::to_string(id));
    BOOST_TEST_REQUIRE(log.userId.has_value());
    BOOST_TEST(*log.userId == id);
    BOOST_TEST(log.ip == "203.0.113.7");
    BOOST_TEST(log.timestamp == t0);
    BOOST_TEST(log.detailsJson == R"({"after":{"login":"alice","outcome":"ok"}})");
}

BOOST_AUTO_TEST_CASE(login_by_email_in_any_case_and_trimmed) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    const UserId id = store.addUser("alice", kPassword);
    BOOST_TEST(auth.login(" ALICE@Example.COM ", kPassword, testAudit()).user.id == id);
    BOOST_TEST(auth.login("Alice", kPassword, testAudit()).user.id == id);
}

BOOST_AUTO_TEST_CASE(two_logins_get_different_tokens) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    store.addUser("alice", kPassword);
    const auto a = auth.login("alice", kPassword, testAudit());
    const auto b = auth.login("alice", kPassword, testAudit());
    BOOST_TEST(a.token != b.token);
    BOOST_TEST(a.csrfToken != b.csrfToken);
    BOOST_TEST(store.state.sessions.size() == 2u);
}

BOOST_AUTO_TEST_CASE(wrong_password_and_unknown_user_fail_the_same_way) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    const UserId id = store.addUser("alice", kPassword);

    const auto wrong = thrownBy([&] { auth.login("alice", "not the password", testAudit()); });
    const auto unknown = thrownBy([&] { auth.login("nobody", kPassword, testAudit()); });

    for (const auto* e : {&wrong, &unknown}) {
        BOOST_TEST(e->kind() == ErrorKind::Unauthenticated);
        BOOST_TEST(e->code() == "invalid_credentials");
        BOOST_TEST(e->details().empty());
        BOOST_TEST(e->retryAfterSeconds() == 0);
    }
    BOOST_TEST(std::string(wrong.what()) == std::string(unknown.what()));

    BOOST_TEST(store.state.sessions.empty());
    BOOST_TEST(!store.user(id).lastLogin.has_value());
    BOOST_TEST(store.actions() == (std::vector<std::string>{"auth.login_failed", "auth.login_failed"}),
               boost::test_tools::per_element());
    BOOST_TEST(store.state.logs[0].targetId == std::to_string(id));
    BOOST_TEST(store.state.logs[1].targetId == "");
    BOOST_TEST(!store.state.logs[1].userId.has_value());
    BOOST_TEST(store.state.logs[1].detailsJson ==
               R"({"after":{"login":"nobody","outcome":"invalid_credentials"}})");
    BOOST_TEST(store.state.loginFailures["alice"].size() == 1u);
    BOOST_TEST(store.state.loginFailures["nobody"].size() == 1u);
}

BOOST_AUTO_TEST_CASE(wrong_password_is_401_whatever_the_status) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    store.addUser("inactive", kPassword, Role::Viewer, UserStatus::Inactive);
    store.addUser("blocked", kPassword, Role::Viewer, UserStatus::Blocked);
    for (const char* login : {"inactive", "blocked"}) {
        const auto e = thrownBy([&] { auth.login(login, "not the password", testAudit()); });
        BOOST_TEST(e.kind() == ErrorKind::Unauthenticated, login);
        BOOST_TEST(e.code() == "invalid_credentials", login);
    }
}

BOOST_AUTO_TEST_CASE(right_password_of_an_inactive_or_blocked_account_is_forbidden) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    const UserId inactive = store.addUser("inactive", kPassword, Role::Admin, UserStatus::Inactive);
    const UserId blocked = store.addUser("blocked", kPassword, Role::Admin, UserStatus::Blocked);

    const auto e1 = thrownBy([&] { auth.login("inactive", kPassword, testAudit()); });
    BOOST_TEST(e1.kind() == ErrorKind::Forbidden);
    BOOST_TEST(e1.code() == "account_inactive");

    const auto e2 = thrownBy([&] { auth.login("blocked", kPassword, testAudit()); });
    BOOST_TEST(e2.kind() == ErrorKind::Forbidden);
    BOOST_TEST(e2.code() == "account_blocked");

    BOOST_TEST(store.state.sessions.empty());
    BOOST_TEST(!store.user(inactive).lastLogin.has_value());
    BOOST_TEST(!store.user(blocked).lastLogin.has_value());
}

BOOST_DATA_TEST_CASE(malformed_input_is_a_validation_error, bdata::make(kBadLogins), c) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    store.addUser("alice", kPassword);
    const auto e = thrownBy([&] { auth.login(c.login, c.password, testAudit()); });
    BOOST_TEST(e.kind() == ErrorKind::Validation);
    BOOST_TEST(e.code() == "validation_failed");
    BOOST_TEST(fieldsOf(e) == c.fields, boost::test_tools::per_element());
    BOOST_TEST(store.state.loginFailures.empty());  // not counted as a failed attempt
    BOOST_TEST(store.state.logs.empty());
}

BOOST_AUTO_TEST_CASE(sixth_attempt_is_rate_limited_even_with_the_right_password) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    const UserId id = store.addUser("alice", kPassword);
    // Failures count per login, case-insensitively.
    for (const char* login : {"alice", "Alice", "ALICE", "alice", "aLiCe"}) {
        const auto e = thrownBy([&] { auth.login(login, "wrong password", testAudit()); });
        BOOST_TEST(e.code() == "invalid_credentials", login);
    }
    const auto limited = thrownBy([&] { auth.login("alice", kPassword, testAudit()); });
    BOOST_TEST(limited.kind() == ErrorKind::RateLimited);
    BOOST_TEST(limited.code() == "too_many_attempts");
    BOOST_TEST(limited.retryAfterSeconds() > 0);
    BOOST_TEST(limited.retryAfterSeconds() == 15 * 60);  // all five failed at this very instant
    BOOST_TEST(store.state.sessions.empty());
    BOOST_TEST(!store.user(id).lastLogin.has_value());
}

BOOST_AUTO_TEST_CASE(unknown_login_is_rate_limited_too_and_other_logins_are_not) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    store.addUser("bob", kPassword);
    for (int i = 0; i < 5; ++i)
        BOOST_TEST(thrownBy([&] { auth.login("ghost", "x", testAudit()); }).code() == "invalid_credentials");
    const auto e = thrownBy([&] { auth.login("ghost", "x", testAudit()); });
    BOOST_TEST(e.kind() == ErrorKind::RateLimited);
    BOOST_TEST(e.code() == "too_many_attempts");
    BOOST_CHECK_NO_THROW(auth.login("bob", kPassword, testAudit()));
}

BOOST_AUTO_TEST_CASE(window_expiry_lets_the_login_in_again) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    store.addUser("alice", kPassword);
    for (int i = 0; i < 5; ++i) thrownBy([&] { auth.login("alice", "wrong password", testAudit()); });

    clock.advance(10 * kMinute);
    const auto e = thrownBy([&] { auth.login("alice", kPassword, testAudit()); });
    BOOST_TEST(e.kind() == ErrorKind::RateLimited);
    BOOST_TEST(e.retryAfterSeconds() == 5 * 60);

    clock.advance(5 * kMinute + 1);
    BOOST_CHECK_NO_THROW(auth.login("alice", kPassword, testAudit()));
    // The success cleared the count: the next failure is an ordinary 401.
    BOOST_TEST(thrownBy([&] { auth.login("alice", "wrong password", testAudit()); }).code() ==
               "invalid_credentials");
}

BOOST_AUTO_TEST_CASE(the_window_slides_one_failure_at_a_time) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    store.addUser("alice", kPassword);
    const Millis t0 = clock.t;
    for (int i = 0; i < 5; ++i) {
        thrownBy([&] { auth.login("alice", "wrong password", testAudit()); });
        clock.advance(kMinute);
    }
    // Now t0 + 5 min; the oldest failure (t0) leaves the window at t0 + 15 min.
    const auto e = thrownBy([&] { auth.login("alice", kPassword, testAudit()); });
    BOOST_TEST(e.code() == "too_many_attempts");
    BOOST_TEST(e.retryAfterSeconds() == 10 * 60);

    clock.t = t0 + 15 * kMinute + 1;  // four failures left in the window
    BOOST_CHECK_NO_THROW(auth.login("alice", kPassword, testAudit()));
}

BOOST_AUTO_TEST_CASE(success_below_the_limit_resets_the_count) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    store.addUser("alice", kPassword);
    for (int i = 0; i < 4; ++i) thrownBy([&] { auth.login("alice", "wrong password", testAudit()); });
    BOOST_CHECK_NO_THROW(auth.login("alice", kPassword, testAudit()));
    for (int i = 0; i < 5; ++i)
        BOOST_TEST(thrownBy([&] { auth.login("alice", "wrong password", testAudit()); }).code() ==
                   "invalid_credentials");
    BOOST_TEST(thrownBy([&] { auth.login("alice", kPassword, testAudit()); }).code() == "too_many_attempts");
}

BOOST_AUTO_TEST_CASE(a_failed_log_write_leaves_no_session) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    const UserId id = store.addUser("alice", kPassword);
    store.failLogAppends = true;
    const auto e = thrownBy([&] { auth.login("alice", kPassword, testAudit()); });
    BOOST_TEST(e.kind() == ErrorKind::Unavailable);
    BOOST_TEST(store.state.sessions.empty());
    BOOST_TEST(!store.user(id).lastLogin.has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(auth_sessions)

BOOST_AUTO_TEST_CASE(authenticate_returns_the_user_principal_and_csrf_token) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    const UserId id = store.addUser("alice", kPassword, Role::Viewer, UserStatus::Active, {"log.read"});
    const auto r = auth.login("alice", kPassword, testAudit());

    const Authenticated a = auth.authenticate(r.token);
    BOOST_TEST(a.user.id == id);
    BOOST_TEST(a.principal.id() == id);
    BOOST_TEST(a.principal.role() == Role::Viewer);
    BOOST_TEST(a.principal.has("log.read"));
    BOOST_TEST(!a.principal.has("user.manage"));
    BOOST_TEST(a.tokenHash == crypto.sha256Hex(r.token));
    BOOST_TEST(a.csrfToken == r.csrfToken);
}

BOOST_AUTO_TEST_CASE(role_and_grant_changes_apply_to_open_sessions_at_once) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    const UserId id = store.addUser("alice", kPassword);
    const auto r = auth.login("alice", kPassword, testAudit());
    BOOST_TEST(!auth.authenticate(r.token).principal.has("user.manage"));
    store.user(id).role = Role::Admin;
    BOOST_TEST(auth.authenticate(r.token).principal.has("user.manage"));
    store.user(id).role = Role::Viewer;
    store.user(id).permissions = {"model.read_all"};
    BOOST_TEST(auth.authenticate(r.token).principal.has("model.read_all"));
}

BOOST_DATA_TEST_CASE(unusable_tokens_are_unauthenticated,
                     bdata::make(std::vector<std::string>{"", "no-such-token", std::string(257, 't')}),
                     token) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    store.addUser("alice", kPassword);
    auth.login("alice", kPassword, testAudit());
    const auto e = thrownBy([&] { auth.authenticate(token); });
    BOOST_TEST(e.kind() == ErrorKind::Unauthenticated);
    BOOST_TEST(e.code() == "unauthenticated");
}

BOOST_AUTO_TEST_CASE(expired_session_is_unauthenticated) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    store.addUser("alice", kPassword);
    const auto r = auth.login("alice", kPassword, testAudit());
    clock.t = r.expiresAt - 1;
    BOOST_CHECK_NO_THROW(auth.authenticate(r.token));
    clock.t = r.expiresAt;
    const auto e = thrownBy([&] { auth.authenticate(r.token); });
    BOOST_TEST(e.kind() == ErrorKind::Unauthenticated);
}

BOOST_DATA_TEST_CASE(sessions_of_a_blocked_or_inactive_user_stop_working,
                     bdata::make(std::vector<std::string>{"blocked", "inactive"}), status) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    const UserId id = store.addUser("alice", kPassword);
    const auto r = auth.login("alice", kPassword, testAudit());
    // Changed behind the service's back: the session row is still there.
    store.user(id).status = *parseUserStatus(status);
    const auto e = thrownBy([&] { auth.authenticate(r.token); });
    BOOST_TEST(e.kind() == ErrorKind::Unauthenticated);
    BOOST_TEST(e.code() == "unauthenticated");
}

BOOST_AUTO_TEST_CASE(logout_removes_only_this_session) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    const UserId id = store.addUser("alice", kPassword);
    const auto first = auth.login("alice", kPassword, testAudit());
    const auto second = auth.login("alice", kPassword, testAudit());

    auth.logout(auth.authenticate(first.token), testAudit());

    const auto e = thrownBy([&] { auth.authenticate(first.token); });
    BOOST_TEST(e.kind() == ErrorKind::Unauthenticated);
    BOOST_CHECK_NO_THROW(auth.authenticate(second.token));
    BOOST_TEST(store.sessionsOf(id) == 1);
    BOOST_TEST_REQUIRE(!store.state.logs.empty());
    const auto& log = store.state.logs.back();
    BOOST_TEST(log.action == "auth.logout");
    BOOST_TEST(log.targetId == std::to_string(id));
    BOOST_TEST_REQUIRE(log.userId.has_value());
    BOOST_TEST(*log.userId == id);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(auth_password_change)

BOOST_AUTO_TEST_CASE(wrong_current_password_is_forbidden_and_changes_nothing) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    const UserId id = store.addUser("alice", kPassword);
    const auto r = auth.login("alice", kPassword, testAudit());
    const auto who = auth.authenticate(r.token);
    const auto logsBefore = store.state.logs.size();

    const auto e =
        thrownBy([&] { auth.changePassword(who, "not my password", "a brand new password", testAudit()); });
    BOOST_TEST(e.kind() == ErrorKind::Forbidden);
    BOOST_TEST(e.code() == "invalid_credentials");
    BOOST_TEST(store.user(id).passwordHash == crypto.hashPassword(kPassword));
    BOOST_TEST(store.state.logs.size() == logsBefore);
    BOOST_CHECK_NO_THROW(auth.authenticate(r.token));
}

BOOST_AUTO_TEST_CASE(invalid_input_names_the_fields) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    store.addUser("alice", kPassword);
    const auto who = auth.authenticate(auth.login("alice", kPassword, testAudit()).token);

    const auto weak = thrownBy([&] { auth.changePassword(who, kPassword, "short", testAudit()); });
    BOOST_TEST(weak.kind() == ErrorKind::Validation);
    BOOST_TEST(fieldsOf(weak) == std::vector<std::string>{"newPassword"}, boost::test_tools::per_element());

    const auto both = thrownBy([&] { auth.changePassword(who, "", "\xFF\xFF", testAudit()); });
    BOOST_TEST(both.kind() == ErrorKind::Validation);
    BOOST_TEST(fieldsOf(both) == (std::vector<std::string>{"currentPassword", "newPassword"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(success_ends_other_sessions_and_keeps_this_one) {
    FakeStore store;
    FakeCrypto crypto;
    FakeClock clock;
    AuthService auth(store, crypto, clock, AuthPolicy{});
    const UserId id = store.addUser("alice", kPassword);
    const UserId bobId = store.addUser("bob", kPassword);
    const auto current = auth.login("alice", kPassword, testAudit());
    const auto other = auth.login("alice", kPassword, testAudit());
    const auto bob = auth.login("bob", kPassword, testAudit());
    clock.advance(kMinute);

    auth.changePassword(auth.authenticate(current.token), kPassword, "密码密码密码密码密码", testAudit());

    BOOST_TEST(store.user(id).passwordHash == crypto.hashPassword("密码密码密码密码密码"));
    BOOST_TEST(store.user(id).updatedAt == clock.t);
    BOOST_CHECK_NO_THROW(auth.authenticate(current.token));
    BOOST_TEST(thrownBy([&] { auth.authenticate(other.token); }).kind() == ErrorKind::Unauthenticated);
    BOOST_CHECK_NO_THROW(auth.authenticate(bob.token));
    BOOST_TEST(store.sessionsOf(id) == 1);
    BOOST_TEST(store.sessionsOf(bobId) == 1);

    const auto& log = store.state.logs.back();
    BOOST_TEST(log.action == "auth.password_change");
    BOOST_TEST(log.targetId == std::to_string(id));
    BOOST_TEST(log.detailsJson == "{}");

    BOOST_TEST(thrownBy([&] { auth.login("alice", kPassword, testAudit()); }).code() ==
               "invalid_credentials");
    BOOST_CHECK_NO_THROW(auth.login("alice", "密码密码密码密码密码", testAudit()));
}

BOOST_AUTO_TEST_SUITE_END()
