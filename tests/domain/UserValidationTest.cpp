#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "Support.hpp"
#include "domain/Errors.hpp"
#include "domain/User.hpp"

namespace bdata = boost::unit_test::data;
using namespace mofang::domain;
using mofang::test::escaped;
using mofang::test::fieldsOf;
using mofang::test::thrownBy;

namespace {

struct Case {
    std::string input;
    bool valid;
};
std::ostream& operator<<(std::ostream& os, const Case& c) {
    return os << "'" << escaped(c.input) << "' -> " << (c.valid ? "valid" : "invalid");
}

// ---- username: 3–32 of [A-Za-z0-9_.-]

const std::vector<Case> kUsernames = {
    {"abc", true},
    {"ab", false},
    {"", false},
    {std::string(32, 'a'), true},
    {std::string(33, 'a'), false},
    {"Alice_01.x-y", true},
    {"ALICE", true},
    {"a.b", true},
    {"a b", false},
    {"a@b", false},
    {"a/b", false},
    {"a+b", false},
    {"tab\there", false},
    {"\xE5\xBC\xA0\xE4\xB8\x89", false},  // 张三: letters, but not ASCII ones
    {"Jos\xC3\xA9", false},               // José
    {"abc\xEF\xBC\xA1", false},           // fullwidth Ａ
    {std::string("ab\0c", 4), false},
};

// ---- email

const std::vector<Case> kEmails = {
    {"a@b.co", true},
    {"a@b.c", true},
    {"first.last+tag@example.com", true},
    {"UPPER@EXAMPLE.COM", true},
    {"user@sub.example.org", true},
    {"o'brien@example.ie", true},
    {"x@\xE4\xBE\x8B\xE5\xAD\x90.\xE4\xB8\xAD\xE5\x9B\xBD", false},  // x@例子.中国: ASCII only
    {"x@xn--fsqu00a.xn--fiqs8s", true},                                   // the same, as ACE
    {std::string(64, 'l') + "@example.com", true},
    {"", false},
    {"plain", false},
    {"@example.com", false},
    {"a@", false},
    {"a@@example.com", false},
    {"a@b@example.com", false},
    {"a@com", false},
    {"a@.com", false},
    {"a@com.", false},
    {"a@b..com", false},
    {"a@-b.com", false},
    {"a@b_c.com", false},
    {"a@b c.com", false},
    {".a@example.com", false},
    {"a.@example.com", false},
    {"a..b@example.com", false},
    {"a b@example.com", false},
    {"<a>@example.com", false},
    {"a,b@example.com", false},
    {"\"a\"@example.com", false},
    {std::string(65, 'l') + "@example.com", false},
    {"a@" + std::string(250, 'd') + ".com", false},  // longer than 254
    {"a@exa\xFFmple.com", false},                    // invalid UTF-8
};

// ---- password: at least 10 characters (code points), at most 1024 bytes, valid UTF-8

struct PasswordCase {
    std::string name;
    std::string password;
    std::optional<std::string> reasonContains;  // nullopt: acceptable
};
std::ostream& operator<<(std::ostream& os, const PasswordCase& c) {
    return os << c.name;
}

std::string repeat(const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

const std::vector<PasswordCase> kPasswords = {
    {"10 CJK characters (30 bytes)", "密码密码密码密码密码", {}},
    {"9 CJK characters (27 bytes)", "密码密码密码密码密", "at least 10"},
    {"10 ASCII", "0123456789", {}},
    {"9 ASCII", "012345678", "at least 10"},
    {"empty", "", "at least 10"},
    {"10 emoji (40 bytes)", repeat("\xF0\x9F\x98\x80", 10), {}},
    {"9 emoji (36 bytes, > 10 bytes)", repeat("\xF0\x9F\x98\x80", 9), "at least 10"},
    {"1024 bytes", std::string(1024, 'p'), {}},
    {"1025 bytes", std::string(1025, 'p'), "at most 1024"},
    {"invalid UTF-8", "password\xFF\xFEzz", "UTF-8"},
    {"truncated sequence", "0123456789\xE5\xAF", "UTF-8"},
    {"surrogate", "0123456789\xED\xA0\x80", "UTF-8"},
};

NewUser validNewUser() {
    NewUser u;
    u.username = "alice";
    u.email = "alice@example.com";
    u.password = "correct horse battery";
    u.role = "uploader";
    u.permissions = {"log.read"};
    u.status = "active";
    return u;
}

struct NewUserCase {
    std::string name;
    NewUser input;
    std::vector<std::string> fields;  // expected, in order; empty: valid
};
std::ostream& operator<<(std::ostream& os, const NewUserCase& c) {
    return os << c.name;
}

template <class F>
NewUser changed(F&& change) {
    NewUser u = validNewUser();
    change(u);
    return u;
}

const std::vector<NewUserCase> kNewUsers = {
    {"valid", validNewUser(), {}},
    {"valid without grants", changed([](NewUser& u) { u.permissions.clear(); }), {}},
    {"every role", changed([](NewUser& u) { u.role = "admin"; }), {}},
    {"blocked status is a status", changed([](NewUser& u) { u.status = "blocked"; }), {}},
    {"short username", changed([](NewUser& u) { u.username = "al"; }), {"username"}},
    {"unicode username", changed([](NewUser& u) { u.username = "\xE5\xBC\xA0\xE4\xB8\x89"; }), {"username"}},
    {"bad email", changed([](NewUser& u) { u.email = "alice"; }), {"email"}},
    {"short password", changed([](NewUser& u) { u.password = "short"; }), {"password"}},
    {"unknown role", changed([](NewUser& u) { u.role = "superuser"; }), {"role"}},
    {"empty role", changed([](NewUser& u) { u.role = ""; }), {"role"}},
    {"role in capitals", changed([](NewUser& u) { u.role = "Admin"; }), {"role"}},
    {"unknown status", changed([](NewUser& u) { u.status = "deleted"; }), {"status"}},
    {"unknown grant at index 1",
     changed([](NewUser& u) {
         u.permissions = {"log.read", "log.write", "user.manage"};
     }),
     {"permissions[1]"}},
    {"every field broken",
     changed([](NewUser& u) {
         u.username = "x";
         u.email = "@";
         u.password = "123";
         u.role = "root";
         u.status = "gone";
         u.permissions = {"product.read", "nope", "also.nope"};
     }),
     {"username", "email", "password", "role", "status", "permissions[1]", "permissions[2]"}},
};

struct PatchCase {
    std::string name;
    UserPatch patch;
    std::vector<std::string> fields;
};
std::ostream& operator<<(std::ostream& os, const PatchCase& c) {
    return os << c.name;
}

template <class F>
UserPatch patched(F&& change) {
    UserPatch p;
    change(p);
    return p;
}

const std::vector<PatchCase> kPatches = {
    {"empty patch", UserPatch{}, {}},
    {"every field valid",
     patched([](UserPatch& p) {
         p.email = "new@example.com";
         p.role = "viewer";
         p.permissions = std::vector<std::string>{"log.read", "model.read_all"};
         p.status = "inactive";
         p.password = "another long password";
     }),
     {}},
    {"empty grants", patched([](UserPatch& p) { p.permissions = std::vector<std::string>{}; }), {}},
    {"bad email", patched([](UserPatch& p) { p.email = "no-at-sign"; }), {"email"}},
    {"unknown role", patched([](UserPatch& p) { p.role = "owner"; }), {"role"}},
    {"unknown status", patched([](UserPatch& p) { p.status = "banned"; }), {"status"}},
    {"short password", patched([](UserPatch& p) { p.password = "123456789"; }), {"password"}},
    {"unknown grant at index 1",
     patched([](UserPatch& p) {
         p.permissions = std::vector<std::string>{"log.read", "everything"};
     }),
     {"permissions[1]"}},
    {"every field broken",
     patched([](UserPatch& p) {
         p.email = "a@b";
         p.role = "";
         p.permissions = std::vector<std::string>{"x", "product.read", "y"};
         p.status = "Active";
         p.password = "\xFF";
     }),
     {"email", "password", "role", "status", "permissions[0]", "permissions[2]"}},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(user_validation)

BOOST_DATA_TEST_CASE(check_username, bdata::make(kUsernames), c) {
    const auto error = checkUsername(c.input);
    BOOST_TEST(!error.has_value() == c.valid);
    if (error) BOOST_TEST(!error->empty());
}

BOOST_DATA_TEST_CASE(check_email, bdata::make(kEmails), c) {
    const auto error = checkEmail(c.input);
    BOOST_TEST(!error.has_value() == c.valid);
    if (error) BOOST_TEST(!error->empty());
}

BOOST_DATA_TEST_CASE(check_password, bdata::make(kPasswords), c) {
    const auto error = checkPassword(c.password);
    BOOST_TEST(error.has_value() == c.reasonContains.has_value());
    if (error && c.reasonContains) BOOST_TEST(error->find(*c.reasonContains) != std::string::npos, *error);
}

BOOST_DATA_TEST_CASE(validate_new_user, bdata::make(kNewUsers), c) {
    if (c.fields.empty()) {
        BOOST_CHECK_NO_THROW(validate(c.input));
        return;
    }
    const auto e = thrownBy([&] { validate(c.input); });
    BOOST_TEST(e.kind() == ErrorKind::Validation);
    BOOST_TEST(e.code() == "validation_failed");
    BOOST_TEST(fieldsOf(e) == c.fields, boost::test_tools::per_element());
    for (const auto& d : e.details()) BOOST_TEST(!d.message.empty(), d.field);
    // The message names the first broken field.
    BOOST_TEST(std::string(e.what()).rfind(c.fields.front() + ": ", 0) == 0u, e.what());
}

BOOST_DATA_TEST_CASE(validate_user_patch, bdata::make(kPatches), c) {
    if (c.fields.empty()) {
        BOOST_CHECK_NO_THROW(validate(c.patch));
        return;
    }
    const auto e = thrownBy([&] { validate(c.patch); });
    BOOST_TEST(e.kind() == ErrorKind::Validation);
    BOOST_TEST(e.code() == "validation_failed");
    BOOST_TEST(fieldsOf(e) == c.fields, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unknown_grant_message_names_the_grant) {
    NewUser u = validNewUser();
    u.permissions = {"product.read", "nope"};
    const auto e = thrownBy([&] { validate(u); });
    BOOST_TEST_REQUIRE(e.details().size() == 1u);
    BOOST_TEST(e.details()[0].field == "permissions[1]");
    BOOST_TEST(e.details()[0].message.find("nope") != std::string::npos, e.details()[0].message);
}

BOOST_AUTO_TEST_CASE(status_parse_and_to_string_round_trip) {
    for (const auto status : {UserStatus::Active, UserStatus::Inactive, UserStatus::Blocked}) {
        const auto back = parseUserStatus(toString(status));
        BOOST_TEST_REQUIRE(back.has_value());
        BOOST_TEST(*back == status);
    }
    for (const char* bad : {"", "Active", "deleted", "active "})
        BOOST_TEST(!parseUserStatus(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(normalise_permissions_sorts_and_dedups) {
    const auto out = normalisePermissions({"user.manage", "log.read", "user.manage", "download.read_all"});
    const std::vector<std::string> expected = {"download.read_all", "log.read", "user.manage"};
    BOOST_TEST(out == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(user_json_is_public_fields_only) {
    User u;
    u.id = 42;
    u.username = "alice";
    u.email = "alice@example.com";
    u.passwordHash = "secret-hash";
    u.role = Role::Uploader;
    u.permissions = {"log.read"};
    u.status = UserStatus::Blocked;
    u.createdAt = 0;
    u.updatedAt = 1795325050123;
    BOOST_TEST(userJson(u) ==
               R"({"id":"42","username":"alice","email":"alice@example.com","role":"uploader",)"
               R"("permissions":["log.read"],"status":"blocked","lastLogin":null,)"
               R"("createdAt":"1970-01-01T00:00:00.000Z","updatedAt":"2026-11-22T05:24:10.123Z"})");
    u.lastLogin = 1795325050123;
    BOOST_TEST(userJson(u).find(R"("lastLogin":"2026-11-22T05:24:10.123Z")") != std::string::npos);
    BOOST_TEST(userJson(u).find("secret-hash") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
