#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "Fixtures.hpp"

using namespace mofang;
using namespace mofang::test;
using domain::Repositories;

// STACK-NOTES: MySQL's default utf8 is utf8mb3, which refuses 4-byte characters (emoji, CJK
// Extension B). The repositories must store what they are given and give it back byte for byte.

namespace {

const std::string kEmoji = "\xF0\x9F\x98\x80";        // 😀 U+1F600, 4 bytes
const std::string kExtB = "\xF0\xA0\x80\x80";         // 𠀀 U+20000, 4 bytes
const std::string kCjk = "\xE4\xB8\xAD\xE6\x96\x87";  // 中文, 3 bytes each

}  // namespace

BOOST_AUTO_TEST_SUITE(utf8mb4, *boost::unit_test::label("db"))

BOOST_FIXTURE_TEST_CASE(four_byte_characters_round_trip_in_user_fields, WithSeedData) {
    BOOST_TEST(kEmoji == "😀");
    BOOST_TEST(kExtB == "𠀀");
    auto u = makeUser("ext-b", "用户" + kEmoji + kExtB + "@例子.测试");
    u.passwordHash = "hash-" + kCjk + kEmoji;
    store.transact([&](Repositories& r) { u.id = r.users().insert(u); });
    store.read([&](Repositories& r) {
        const auto byId = r.users().findById(u.id);
        BOOST_REQUIRE(byId);
        checkSameUser(*byId, u);
        BOOST_TEST(byId->email.size() == u.email.size());
        const auto byEmail = r.users().findByLogin(u.email);
        BOOST_REQUIRE(byEmail);
        BOOST_TEST(byEmail->id == u.id);
        BOOST_TEST(r.users().emailTaken(u.email, 0));
        BOOST_TEST(!r.users().emailTaken(u.email, u.id));
    });

    // Updated to another such address, and back from a fresh connection.
    u.email = kExtB + "." + kCjk + "@" + kEmoji + ".example";
    store.transact([&](Repositories& r) { r.users().update(u); });
    persistence::Database other(uri, 1);
    persistence::SqlStore otherStore(other);
    otherStore.read([&](Repositories& r) { checkSameUser(*r.users().findById(u.id), u); });
}

BOOST_FIXTURE_TEST_CASE(four_byte_characters_round_trip_in_the_operation_log, WithSeedData) {
    domain::OperationLogEntry e;
    e.userId = alice.id;
    e.action = "user.update";
    e.targetType = "user";
    e.targetId = kExtB + kEmoji;
    e.detailsJson = R"({"reason":")" + kEmoji + " " + kExtB + " " + kCjk + R"(","after":{"email":"用户)" +
                    kEmoji + R"(@例子.测试"}})";
    e.ip = "192.0.2.1";
    e.userAgent = "Mozilla/5.0 " + kEmoji + " " + kExtB + " " + kCjk;
    e.timestamp = 1'700'000'000'000;
    store.transact([&](Repositories& r) { r.operationLogs().append(e); });

    std::vector<domain::OperationLogEntry> listed;
    domain::OperationLogQuery q;
    q.targetId = e.targetId;  // and the 4-byte value works as a filter
    store.read([&](Repositories& r) { listed = r.operationLogs().list(q); });
    BOOST_REQUIRE_EQUAL(listed.size(), 1u);
    checkSameEntry(listed[0], e);
    BOOST_TEST(listed[0].detailsJson.size() == e.detailsJson.size());
    BOOST_TEST(listed[0].userAgent.size() == e.userAgent.size());
}

BOOST_FIXTURE_TEST_CASE(four_byte_characters_round_trip_in_sessions_and_login_failures, WithSeedData) {
    domain::SessionRecord s{std::string(64, 'e'),  "csrf", alice.id, 1, 1'000'000, "::1",
                            "UA " + kEmoji + kExtB};
    const std::string key = kCjk + kEmoji + "@例子.测试";
    store.transact([&](Repositories& r) {
        r.sessions().insert(s);
        r.loginFailures().record(key, 42);
    });
    store.read([&](Repositories& r) {
        BOOST_TEST(r.sessions().findActive(s.tokenHash, 0).has_value());
        const auto times = r.loginFailures().since(key, 0);
        BOOST_TEST(times == (std::vector<domain::Millis>{42}), boost::test_tools::per_element());
        // A different 4-byte character is a different key (utf8mb4_bin compares bytes).
        BOOST_TEST(r.loginFailures().since(kCjk + kExtB + "@例子.测试", 0).empty());
    });
}

BOOST_AUTO_TEST_SUITE_END()
