#include <Poco/Exception.h>

#include <boost/test/unit_test.hpp>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "Fixtures.hpp"

using namespace mofang;
using namespace mofang::test;
using domain::Repositories;

namespace {

constexpr domain::Millis kCreated = 1'700'000'000'000;
constexpr domain::Millis kExpires = kCreated + 3'600'000;

domain::SessionRecord sessionOf(domain::UserId user, char tag, domain::Millis expiresAt = kExpires) {
    domain::SessionRecord s;
    s.tokenHash = std::string(64, tag);
    s.csrfToken = std::string("csrf-") + tag;
    s.userId = user;
    s.createdAt = kCreated;
    s.expiresAt = expiresAt;
    s.ip = "2001:db8::1";
    s.userAgent = "Mozilla/5.0 (contract)";
    return s;
}

struct WithSessions : WithSeedData {
    WithSessions() {
        store.transact([&](Repositories& r) {
            for (const auto& s : {aliceA, aliceB, aliceC, bobA}) r.sessions().insert(s);
        });
    }

    // Whether the row exists at all (any expiry is after instant 0).
    bool stored(const domain::SessionRecord& s) {
        bool found = false;
        store.read([&](Repositories& r) { found = r.sessions().findActive(s.tokenHash, 0).has_value(); });
        return found;
    }

    domain::SessionRecord aliceA = sessionOf(alice.id, 'a');
    domain::SessionRecord aliceB = sessionOf(alice.id, 'b', kExpires + 1000);
    domain::SessionRecord aliceC = sessionOf(alice.id, 'c', kCreated + 60'000);
    domain::SessionRecord bobA = sessionOf(bob.id, 'd');
};

}  // namespace

BOOST_AUTO_TEST_SUITE(session_repository, *boost::unit_test::label("db"))

BOOST_FIXTURE_TEST_CASE(find_active_returns_the_session_joined_with_its_user, WithSessions) {
    store.read([&](Repositories& r) {
        const auto found = r.sessions().findActive(aliceA.tokenHash, kCreated);
        BOOST_REQUIRE(found);
        BOOST_TEST(found->session.tokenHash == aliceA.tokenHash);
        BOOST_TEST(found->session.csrfToken == aliceA.csrfToken);
        BOOST_TEST(found->session.userId == alice.id);
        BOOST_TEST(found->session.createdAt == aliceA.createdAt);
        BOOST_TEST(found->session.expiresAt == aliceA.expiresAt);
        checkSameUser(found->user, alice);

        const auto bobs = r.sessions().findActive(bobA.tokenHash, kCreated);
        BOOST_REQUIRE(bobs);
        checkSameUser(bobs->user, bob);

        BOOST_TEST(!r.sessions().findActive(std::string(64, 'z'), kCreated));
        BOOST_TEST(!r.sessions().findActive("", kCreated));
    });
}

BOOST_FIXTURE_TEST_CASE(find_active_respects_expiry, WithSessions) {
    store.read([&](Repositories& r) {
        BOOST_TEST(r.sessions().findActive(aliceA.tokenHash, kExpires - 1).has_value());
        BOOST_TEST(!r.sessions().findActive(aliceA.tokenHash, kExpires), "now == expiresAt is expired");
        BOOST_TEST(!r.sessions().findActive(aliceA.tokenHash, kExpires + 1));
    });
}

BOOST_FIXTURE_TEST_CASE(find_active_reads_the_current_user_state, WithSessions) {
    domain::User blocked = alice;
    blocked.status = domain::UserStatus::Blocked;
    blocked.role = domain::Role::Viewer;
    store.transact([&](Repositories& r) { r.users().update(blocked); });
    store.read([&](Repositories& r) {
        const auto found = r.sessions().findActive(aliceA.tokenHash, kCreated);
        BOOST_REQUIRE(found);
        BOOST_TEST(found->user.status == domain::UserStatus::Blocked);
        BOOST_TEST(found->user.role == domain::Role::Viewer);
    });
}

BOOST_FIXTURE_TEST_CASE(remove_deletes_only_that_session, WithSessions) {
    store.transact([&](Repositories& r) { r.sessions().remove(aliceA.tokenHash); });
    BOOST_TEST(!stored(aliceA));
    BOOST_TEST(stored(aliceB));
    BOOST_TEST(stored(aliceC));
    BOOST_TEST(stored(bobA));
    // Removing what is not there is not an error.
    store.transact([&](Repositories& r) { r.sessions().remove(aliceA.tokenHash); });
    BOOST_TEST(committedRows("sessions") == 3);
}

BOOST_FIXTURE_TEST_CASE(remove_all_of_user_without_keep_removes_every_session_of_the_user, WithSessions) {
    store.transact([&](Repositories& r) { r.sessions().removeAllOfUser(alice.id, std::nullopt); });
    BOOST_TEST(!stored(aliceA));
    BOOST_TEST(!stored(aliceB));
    BOOST_TEST(!stored(aliceC));
    BOOST_TEST(stored(bobA));
    BOOST_TEST(committedRows("sessions") == 1);
}

BOOST_FIXTURE_TEST_CASE(remove_all_of_user_with_keep_spares_that_one_session, WithSessions) {
    store.transact([&](Repositories& r) { r.sessions().removeAllOfUser(alice.id, aliceB.tokenHash); });
    BOOST_TEST(!stored(aliceA));
    BOOST_TEST(stored(aliceB));
    BOOST_TEST(!stored(aliceC));
    BOOST_TEST(stored(bobA));

    // A kept token that is not the user's spares none of theirs and leaves its owner alone.
    store.transact([&](Repositories& r) { r.sessions().removeAllOfUser(alice.id, bobA.tokenHash); });
    BOOST_TEST(!stored(aliceB));
    BOOST_TEST(stored(bobA));
    BOOST_TEST(committedRows("sessions") == 1);
}

BOOST_FIXTURE_TEST_CASE(remove_expired_removes_sessions_expired_at_now, WithSessions) {
    // aliceC expires at kCreated + 60 s, aliceA and bobA at kExpires, aliceB a second later.
    store.transact([&](Repositories& r) { r.sessions().removeExpired(kCreated + 59'999); });
    BOOST_TEST(committedRows("sessions") == 4);
    store.transact([&](Repositories& r) { r.sessions().removeExpired(kExpires); });  // expiresAt <= now
    BOOST_TEST(!stored(aliceA));
    BOOST_TEST(!stored(aliceC));
    BOOST_TEST(!stored(bobA));
    BOOST_TEST(stored(aliceB));
    store.transact([&](Repositories& r) { r.sessions().removeExpired(kExpires + 1000); });
    BOOST_TEST(committedRows("sessions") == 0);
}

// Store::findActiveSession (the per-request check, kept prepared on a per-thread connection) must
// give what sessions().findActive() gives in read(), and see every committed change at once: a
// reused statement must not keep an old snapshot (logout, blocking, expiry take effect now).
BOOST_FIXTURE_TEST_CASE(find_active_session_of_the_store_matches_the_repository, WithSessions) {
    auto compare = [&](const std::string& token, domain::Millis now) {
        BOOST_TEST_CONTEXT("token " << token.substr(0, 1) << " at " << now) {
            std::optional<domain::ActiveSession> viaRepository;
            store.read([&](Repositories& r) { viaRepository = r.sessions().findActive(token, now); });
            const auto viaStore = store.findActiveSession(token, now);
            BOOST_REQUIRE_EQUAL(viaStore.has_value(), viaRepository.has_value());
            if (!viaStore) return;
            BOOST_TEST(viaStore->session.tokenHash == viaRepository->session.tokenHash);
            BOOST_TEST(viaStore->session.csrfToken == viaRepository->session.csrfToken);
            BOOST_TEST(viaStore->session.userId == viaRepository->session.userId);
            BOOST_TEST(viaStore->session.createdAt == viaRepository->session.createdAt);
            BOOST_TEST(viaStore->session.expiresAt == viaRepository->session.expiresAt);
            checkSameUser(viaStore->user, viaRepository->user);
        }
    };
    for (const auto* s : {&aliceA, &aliceB, &aliceC, &bobA})
        for (const domain::Millis now : {kCreated, kExpires - 1, kExpires, kExpires + 1000})
            compare(s->tokenHash, now);
    compare(std::string(64, 'z'), kCreated);

    // Found once (statement prepared), then changed by other requests: the next check sees it.
    BOOST_REQUIRE(store.findActiveSession(aliceA.tokenHash, kCreated));
    BOOST_TEST(!store.findActiveSession(bobA.tokenHash, kCreated)->user.lastLogin.has_value());
    domain::User blocked = alice;
    blocked.status = domain::UserStatus::Blocked;
    domain::User loggedIn = bob;
    loggedIn.lastLogin = kCreated + 5;
    store.transact([&](Repositories& r) {
        r.sessions().remove(aliceA.tokenHash);
        r.users().update(blocked);
        r.users().update(loggedIn);
        r.sessions().insert(sessionOf(bob.id, 'n'));
    });
    BOOST_TEST(!store.findActiveSession(aliceA.tokenHash, kCreated), "a removed session is still found");
    BOOST_TEST(store.findActiveSession(aliceB.tokenHash, kCreated)->user.status ==
               domain::UserStatus::Blocked);
    BOOST_TEST(store.findActiveSession(bobA.tokenHash, kCreated)->user.lastLogin.value_or(0) == kCreated + 5);
    BOOST_TEST(store.findActiveSession(std::string(64, 'n'), kCreated).has_value());
    compare(aliceA.tokenHash, kCreated);
    compare(std::string(64, 'n'), kCreated);
}

BOOST_FIXTURE_TEST_CASE(duplicate_token_hash_is_a_conflict, WithSessions) {
    auto dup = sessionOf(bob.id, 'a');
    const auto e =
        catchDomainError([&] { store.transact([&](Repositories& r) { r.sessions().insert(dup); }); });
    BOOST_REQUIRE(e);
    BOOST_TEST(e->kind() == domain::ErrorKind::Conflict);
    BOOST_TEST(e->code() == "conflict");
    store.read(
        [&](Repositories& r) { BOOST_TEST(r.sessions().findActive(dup.tokenHash, 0)->user.id == alice.id); });
}

// SQLite only enforces foreign keys with the pragma, which every pooled session must get.
BOOST_FIXTURE_TEST_CASE(a_session_of_an_unknown_user_is_refused, WithSeedData) {
    std::string text;
    try {
        store.transact([&](Repositories& r) { r.sessions().insert(sessionOf(carol.id + 100, 'x')); });
    } catch (const Poco::Exception& e) {
        text = e.displayText();
    } catch (const std::exception& e) {
        text = e.what();
    }
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    BOOST_TEST(text.find("foreign key") != std::string::npos, "thrown: '" << text << "'");
    BOOST_TEST(committedRows("sessions") == 0);
}

BOOST_AUTO_TEST_SUITE_END()
