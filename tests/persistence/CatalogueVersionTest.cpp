#include <Poco/Data/Session.h>

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "Fixtures.hpp"
#include "persistence/SqlQuery.hpp"

// The catalogue version (migration 6): one counter that every product change moves on in its
// own transaction, read by the session check, so that a process may keep product pages and
// facets for as long as the version it computed them at is the current one. And the session
// check itself, which reads it: Store::findActiveSession (on MariaDB its own libmariadb
// statement) must give exactly what sessions().findActive() gives.

using namespace mofang;
using namespace mofang::test;
using domain::Repositories;

namespace {

constexpr domain::Millis kNow = 1'700'000'100'000;
constexpr domain::Millis kExpires = kNow + 3'600'000;

const std::string kZhong = "\xE4\xB8\xAD";      // 中 (3 bytes)
const std::string kEmoji = "\xF0\x9F\x98\x80";  // 😀 (4 bytes)

std::string repeat(const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

domain::SessionRecord sessionOf(domain::UserId user, char tag, domain::Millis expiresAt = kExpires) {
    domain::SessionRecord s;
    s.tokenHash = std::string(64, tag);
    s.csrfToken = std::string("csrf-") + tag;
    s.userId = user;
    s.createdAt = kNow - 1000;
    s.expiresAt = expiresAt;
    s.ip = "192.0.2.1";
    s.userAgent = "contract";
    return s;
}

// -1 for "no version": optional<int64_t> does not print in Boost.Test messages.
std::int64_t orMinusOne(const std::optional<std::int64_t>& v) {
    return v.value_or(-1);
}

// Alice (admin, grants, last login) has a live session 'a', Bob (never logged in) 'b'.
struct WithLiveSession : WithSeedData {
    WithLiveSession() {
        store.transact([&](Repositories& r) {
            r.sessions().insert(aliceSession);
            r.sessions().insert(bobSession);
        });
    }

    // The version as committed, on a connection of its own; nullopt without the row.
    std::optional<std::int64_t> committedVersion() {
        persistence::Database other(uri, 1);
        std::optional<std::int64_t> v;
        other.run([&](Poco::Data::Session& s) {
            auto rs = persistence::SqlQuery(s, "SELECT version FROM catalogue_version WHERE id = 1").rows();
            if (rs.rowCount() > 0) v = persistence::cellInt(rs, 0, 0);
        });
        return v;
    }

    // The version as both session checks read it (they must agree); -1 for none.
    std::int64_t sessionVersion() {
        const auto viaStore = store.findActiveSession(aliceSession.tokenHash, kNow);
        std::optional<domain::ActiveSession> viaRepository;
        store.read(
            [&](Repositories& r) { viaRepository = r.sessions().findActive(aliceSession.tokenHash, kNow); });
        BOOST_REQUIRE(viaStore);
        BOOST_REQUIRE(viaRepository);
        BOOST_TEST(orMinusOne(viaStore->catalogueVersion) == orMinusOne(viaRepository->catalogueVersion),
                   "Store::findActiveSession and sessions().findActive() disagree");
        BOOST_TEST(orMinusOne(viaStore->catalogueVersion) == orMinusOne(committedVersion()));
        return orMinusOne(viaStore->catalogueVersion);
    }

    domain::ProductId insertProduct(const std::string& spu) {
        domain::ProductId id = 0;
        store.transact(
            [&](Repositories& r) { id = r.products().insert(makeProduct("Runner " + spu, spu, alice.id)); });
        return id;
    }

    domain::SessionRecord aliceSession = sessionOf(alice.id, 'a');
    domain::SessionRecord bobSession = sessionOf(bob.id, 'b');
};

// Both session checks for one token hash: the same answer, field by field.
void checkSameActiveSession(persistence::SqlStore& store, const std::string& tokenHash, domain::Millis now,
                            bool expectFound) {
    BOOST_TEST_CONTEXT("token hash of " << tokenHash.size() << " bytes at " << now) {
        std::optional<domain::ActiveSession> viaRepository;
        store.read([&](Repositories& r) { viaRepository = r.sessions().findActive(tokenHash, now); });
        std::optional<domain::ActiveSession> viaStore;
        BOOST_CHECK_NO_THROW(viaStore = store.findActiveSession(tokenHash, now));
        BOOST_TEST(viaRepository.has_value() == expectFound);
        BOOST_TEST(viaStore.has_value() == expectFound);
        if (!viaStore || !viaRepository) return;
        BOOST_TEST(viaStore->session.tokenHash == viaRepository->session.tokenHash);
        BOOST_TEST(viaStore->session.csrfToken == viaRepository->session.csrfToken);
        BOOST_TEST(viaStore->session.userId == viaRepository->session.userId);
        BOOST_TEST(viaStore->session.createdAt == viaRepository->session.createdAt);
        BOOST_TEST(viaStore->session.expiresAt == viaRepository->session.expiresAt);
        checkSameUser(viaStore->user, viaRepository->user);
        BOOST_TEST(orMinusOne(viaStore->catalogueVersion) == orMinusOne(viaRepository->catalogueVersion));
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(catalogue_version, *boost::unit_test::label("db"))

BOOST_FIXTURE_TEST_CASE(after_migrate_the_version_is_zero_and_the_session_checks_read_it, WithLiveSession) {
    BOOST_TEST(committedRows("catalogue_version") == 1);
    BOOST_TEST(orMinusOne(committedVersion()) == 0);
    BOOST_TEST(sessionVersion() == 0);
    // Every session reads the one catalogue version, whoever its user.
    const auto bobs = store.findActiveSession(bobSession.tokenHash, kNow);
    BOOST_REQUIRE(bobs);
    BOOST_TEST(orMinusOne(bobs->catalogueVersion) == 0);
}

BOOST_FIXTURE_TEST_CASE(insert_update_and_mark_deleted_each_move_it_on_by_one, WithLiveSession) {
    BOOST_REQUIRE_EQUAL(sessionVersion(), 0);  // prepares the session check before the changes

    const auto id = insertProduct("CV-1");
    BOOST_TEST(sessionVersion() == 1, "after insert");

    domain::Product changed = makeProduct("Runner renamed", "CV-1", alice.id, 1'700'000'000'500);
    changed.id = id;
    changed.styles = {"street", "retro"};
    store.transact([&](Repositories& r) { r.products().update(changed); });
    BOOST_TEST(sessionVersion() == 2, "after update");

    // An update that changes nothing is still a write of the product: it moves the version too.
    store.transact([&](Repositories& r) { r.products().update(changed); });
    BOOST_TEST(sessionVersion() == 3, "after an update to the same values");

    store.transact([&](Repositories& r) { r.products().markDeleted(id, 1'700'000'000'900); });
    BOOST_TEST(sessionVersion() == 4, "after markDeleted");

    // Several changes in one transaction: one step each.
    store.transact([&](Repositories& r) {
        const auto a = r.products().insert(makeProduct("A", "CV-2", alice.id));
        r.products().insert(makeProduct("B", "CV-3", alice.id));
        r.products().markDeleted(a, 1'700'000'001'000);
    });
    BOOST_TEST(sessionVersion() == 7, "after two inserts and a delete in one transaction");
}

BOOST_FIXTURE_TEST_CASE(mark_deleted_of_a_deleted_or_missing_product_leaves_it, WithLiveSession) {
    const auto id = insertProduct("CV-1");
    store.transact([&](Repositories& r) { r.products().markDeleted(id, 1'700'000'000'900); });
    BOOST_REQUIRE_EQUAL(sessionVersion(), 2);

    store.transact([&](Repositories& r) { r.products().markDeleted(id, 1'700'000'001'900); });
    BOOST_TEST(sessionVersion() == 2, "deleting a deleted product moved the version");
    store.transact([&](Repositories& r) { r.products().markDeleted(id + 1000, 1'700'000'001'900); });
    BOOST_TEST(sessionVersion() == 2, "deleting a product that does not exist moved the version");
}

BOOST_FIXTURE_TEST_CASE(a_rolled_back_change_leaves_it, WithLiveSession) {
    const auto id = insertProduct("CV-1");
    BOOST_REQUIRE_EQUAL(sessionVersion(), 1);

    BOOST_CHECK_THROW(store.transact([&](Repositories& r) {
        r.products().insert(makeProduct("Never", "CV-ROLLBACK", alice.id));
        throw std::runtime_error("abort after the insert");
    }),
                      std::runtime_error);
    BOOST_TEST(sessionVersion() == 1, "a rolled-back insert moved the version");
    store.read([&](Repositories& r) { BOOST_TEST(!r.products().findBySpu("CV-ROLLBACK").has_value()); });

    domain::Product changed = makeProduct("Never renamed", "CV-1", alice.id);
    changed.id = id;
    BOOST_CHECK_THROW(store.transact([&](Repositories& r) {
        r.products().update(changed);
        r.products().markDeleted(id, 1'700'000'000'900);
        throw std::runtime_error("abort after update and delete");
    }),
                      std::runtime_error);
    BOOST_TEST(sessionVersion() == 1, "a rolled-back update and delete moved the version");

    // A duplicate SPU code fails the insert itself: the transaction goes, the version stays.
    const auto e = catchDomainError([&] {
        store.transact([&](Repositories& r) { r.products().insert(makeProduct("Dup", "cv-1", alice.id)); });
    });
    BOOST_REQUIRE(e);
    BOOST_TEST(e->kind() == domain::ErrorKind::Conflict);
    BOOST_TEST(sessionVersion() == 1, "a failed insert moved the version");
}

// A writer on another connection commits: the next session check on this thread's kept
// statement sees the new version at once (no snapshot kept from the previous execution).
BOOST_FIXTURE_TEST_CASE(the_kept_session_check_sees_a_change_committed_elsewhere_at_once, WithLiveSession) {
    BOOST_REQUIRE_EQUAL(sessionVersion(), 0);
    {
        persistence::Database other(uri, 1);
        persistence::SqlStore otherStore(other);
        otherStore.transact(
            [&](Repositories& r) { r.products().insert(makeProduct("Elsewhere", "CV-OTHER", alice.id)); });
    }
    const auto found = store.findActiveSession(aliceSession.tokenHash, kNow);
    BOOST_REQUIRE(found);
    BOOST_TEST(orMinusOne(found->catalogueVersion) == 1);
}

// Without the row (a database edited by hand) the session check still works; there is just no
// version, so nothing is kept.
BOOST_FIXTURE_TEST_CASE(without_the_row_the_session_check_reads_no_version, WithLiveSession) {
    db.run([](Poco::Data::Session& s) { persistence::executeSql(s, "DELETE FROM catalogue_version"); });
    std::optional<domain::ActiveSession> viaStore;
    BOOST_CHECK_NO_THROW(viaStore = store.findActiveSession(aliceSession.tokenHash, kNow));
    BOOST_REQUIRE(viaStore);
    BOOST_TEST(!viaStore->catalogueVersion.has_value());
    checkSameUser(viaStore->user, alice);
    checkSameActiveSession(store, aliceSession.tokenHash, kNow, true);
    // Product writes still go through (the UPDATE finds no row).
    BOOST_CHECK_NO_THROW(insertProduct("CV-NOROW"));
    BOOST_TEST(!committedVersion().has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(session_check, *boost::unit_test::label("db"))

// The longest values every column the session check reads can hold, in 4-byte characters:
// the MariaDB statement reads into fixed buffers of 4 bytes per declared character.
BOOST_FIXTURE_TEST_CASE(the_store_check_matches_the_repository_for_the_longest_multibyte_values,
                        WithLiveSession) {
    domain::User wide = makeUser(repeat(kEmoji, 32), repeat(kEmoji, 254), domain::Role::Uploader);
    wide.passwordHash = repeat(kEmoji, 255);
    wide.permissions = {repeat(kEmoji, 1000)};  // stored as one 1000-character word
    wide.lastLogin = 1'700'000'050'000;
    domain::User mixed = makeUser(repeat(kZhong + kEmoji, 16), repeat(kZhong, 249) + "@x.cn");
    mixed.permissions = {"download.read_all", "model.read_all", "log.read"};
    store.transact([&](Repositories& r) {
        wide.id = r.users().insert(wide);
        mixed.id = r.users().insert(mixed);
    });
    domain::SessionRecord wideSession = sessionOf(wide.id, 'w');
    wideSession.csrfToken = repeat(kEmoji, 64);
    const domain::SessionRecord mixedSession = sessionOf(mixed.id, 'm');
    store.transact([&](Repositories& r) {
        r.sessions().insert(wideSession);
        r.sessions().insert(mixedSession);
    });

    for (int round = 0; round < 2; ++round) {  // the second round on the kept statement
        checkSameActiveSession(store, wideSession.tokenHash, kNow, true);
        checkSameActiveSession(store, mixedSession.tokenHash, kNow, true);
        checkSameActiveSession(store, aliceSession.tokenHash, kNow, true);
        checkSameActiveSession(store, bobSession.tokenHash, kNow, true);
    }

    const auto found = store.findActiveSession(wideSession.tokenHash, kNow);
    BOOST_REQUIRE(found);
    BOOST_TEST(found->session.csrfToken == wideSession.csrfToken);
    checkSameUser(found->user, wide);
    const auto foundMixed = store.findActiveSession(mixedSession.tokenHash, kNow);
    BOOST_REQUIRE(foundMixed);
    checkSameUser(foundMixed->user, mixed);
    const auto foundBob = store.findActiveSession(bobSession.tokenHash, kNow);
    BOOST_REQUIRE(foundBob);
    BOOST_TEST(!foundBob->user.lastLogin.has_value(), "a NULL last_login must stay absent");
    checkSameUser(foundBob->user, bob);
    const auto foundAlice = store.findActiveSession(aliceSession.tokenHash, kNow);
    BOOST_REQUIRE(foundAlice);
    checkSameUser(foundAlice->user, alice);
    BOOST_TEST(foundAlice->session.csrfToken == aliceSession.csrfToken);
    BOOST_TEST(foundAlice->session.createdAt == aliceSession.createdAt);
    BOOST_TEST(foundAlice->session.expiresAt == aliceSession.expiresAt);
    BOOST_TEST(foundAlice->session.userId == alice.id);

    // A long row read after a short one and the other way round: no bytes of one row linger
    // in the next (the buffers are reused).
    BOOST_TEST(store.findActiveSession(bobSession.tokenHash, kNow)->user.username == "bob");
    BOOST_TEST(store.findActiveSession(wideSession.tokenHash, kNow)->user.username == wide.username);
    BOOST_TEST(store.findActiveSession(bobSession.tokenHash, kNow)->user.email == "bob@example.com");
}

BOOST_FIXTURE_TEST_CASE(unknown_expired_and_malformed_hashes_find_nothing, WithLiveSession) {
    const std::string live = aliceSession.tokenHash;
    checkSameActiveSession(store, live, kNow, true);  // prepares the statement
    checkSameActiveSession(store, std::string(64, 'z'), kNow, false);
    checkSameActiveSession(store, live, kExpires, false);      // expiresAt == now: expired
    checkSameActiveSession(store, live, kExpires + 1, false);  // after
    checkSameActiveSession(store, live, kExpires - 1, true);
    checkSameActiveSession(store, live + "a", kNow, false);  // 65 characters, starting with a live hash
    checkSameActiveSession(store, std::string(65, 'a'), kNow, false);
    checkSameActiveSession(store, std::string(1000, 'a'), kNow, false);
    checkSameActiveSession(store, live.substr(0, 63), kNow, false);
    checkSameActiveSession(store, "", kNow, false);
    // A 65th character that a PAD SPACE comparison of CHAR(64) would ignore.
    std::optional<domain::ActiveSession> padded;
    BOOST_CHECK_NO_THROW(padded = store.findActiveSession(live + " ", kNow));
    BOOST_TEST(!padded.has_value(), "a 65-character hash found a session");
    // And the check still works after all of those.
    checkSameActiveSession(store, live, kNow, true);
}

BOOST_AUTO_TEST_SUITE_END()
