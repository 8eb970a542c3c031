#include <Poco/Data/Session.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <stdexcept>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "Fixtures.hpp"
#include "persistence/SqlQuery.hpp"

using namespace mofang;
using namespace mofang::test;
using domain::Repositories;
using Poco::Data::Session;

namespace {

void selectOne(Session& s) {
    auto rs = persistence::SqlQuery(s, "SELECT 1").rows();
    BOOST_TEST(persistence::cellInt(rs, 0, 0) == 1);
}

// Every way the services reach a database must report `unavailable` (503 + Retry-After), never
// a driver exception (500).
void checkEveryOperationIsUnavailable(persistence::Database& db) {
    persistence::SqlStore store(db);
    const std::vector<std::pair<const char*, std::function<void()>>> operations = {
        {"run", [&] { db.run(selectOne); }},
        {"transact", [&] { db.transact(selectOne); }},
        {"ping", [&] { db.ping(); }},
        {"store.read", [&] { store.read([](Repositories& r) { r.users().findById(1); }); }},
        {"store.transact",
         [&] { store.transact([](Repositories& r) { r.loginFailures().record("x", 1); }); }},
        {"store.findActiveSession", [&] { store.findActiveSession(std::string(64, 'a'), 0); }},
        {"migrate", [&] { persistence::migrate(db); }},
    };
    for (const auto& [name, operation] : operations) {
        BOOST_TEST_CONTEXT(name) {
            const auto e = catchDomainError(operation);
            BOOST_REQUIRE(e);
            BOOST_TEST(e->kind() == domain::ErrorKind::Unavailable);
            BOOST_TEST(e->code() == "unavailable");
            BOOST_TEST(e->retryAfterSeconds() > 0);
        }
    }
    BOOST_TEST(db.sessionsInUse() == 0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(database_failures, *boost::unit_test::label("db"))

BOOST_AUTO_TEST_CASE(a_server_that_refuses_connections_is_unavailable,
                     *boost::unit_test::label("mysql") * boost::unit_test::precondition(mysqlOnly)) {
    persistence::Database down("mysql://root:root@127.0.0.1:1/x", 2);
    checkEveryOperationIsUnavailable(down);
}

// SQLite would retry opening a file in a missing directory for Poco's whole 60 s login
// timeout (twice, with the retry): the URI check refuses it at once, naming the directory.
BOOST_AUTO_TEST_CASE(a_sqlite_file_in_a_missing_directory_is_refused_at_once) {
    try {
        persistence::Database missing("sqlite:/nonexistent-mofang-contract-dir/sub/contract.db", 2);
        BOOST_FAIL("expected std::invalid_argument");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()).find("/nonexistent-mofang-contract-dir/sub") != std::string::npos);
    }
}

// The pool throws at once when every session is taken (STACK-NOTES): that is a 503 too.
BOOST_FIXTURE_TEST_CASE(an_exhausted_pool_is_unavailable, Base) {
    persistence::Database single(uri, 1);
    persistence::migrate(single);
    bool innerRan = false;
    single.run([&](Session& outer) {
        selectOne(outer);
        const auto e = catchDomainError([&] { single.run([&](Session&) { innerRan = true; }); });
        BOOST_REQUIRE(e);
        BOOST_TEST(e->kind() == domain::ErrorKind::Unavailable);
        BOOST_TEST(e->code() == "unavailable");
        BOOST_TEST(single.sessionsInUse() == 1);
    });
    BOOST_TEST(!innerRan);
    BOOST_TEST(single.sessionsInUse() == 0);
    single.ping();  // and the pool recovers once the session is back
}

// STACK-NOTES: after a restart the pool hands out dead sessions; the Database reconnects and
// retries once (2006/2013/1243), so the request after the restart already succeeds.
BOOST_FIXTURE_TEST_CASE(the_first_operations_after_a_server_restart_succeed, WithSeedData,
                        *boost::unit_test::label("mysql") *
                            boost::unit_test::precondition(mysqlWithRestart)) {
    // Two idle sessions in the pool, both about to die with the server, and this thread's
    // pinned connection with its prepared session check.
    db.run([&](Session& outer) {
        selectOne(outer);
        db.run(selectOne);
    });
    BOOST_TEST(db.sessionsInUse() == 0);
    const domain::SessionRecord session{std::string(64, 'r'), "csrf", alice.id, 1, 4'000'000'000'000, "", ""};
    store.transact([&](Repositories& r) { r.sessions().insert(session); });
    BOOST_REQUIRE(store.findActiveSession(session.tokenHash, 2));

    // Its stdout (the port) is of no use here; its stderr explains a failure.
    const std::string restart = std::string(std::getenv("MOFANG_TEST_MARIADB_RESTART")) + " >/dev/null";
    const int rc = std::system(restart.c_str());
    BOOST_REQUIRE_MESSAGE(rc == 0, "MOFANG_TEST_MARIADB_RESTART failed with " << rc);

    std::optional<domain::ActiveSession> found;
    BOOST_CHECK_NO_THROW(found = store.findActiveSession(session.tokenHash, 2));
    BOOST_TEST((found && found->user.id == alice.id));
    auto dave = makeUser("dave", "dave@example.com");
    BOOST_CHECK_NO_THROW(store.transact([&](Repositories& r) { dave.id = r.users().insert(dave); }));
    BOOST_CHECK_NO_THROW(store.read([&](Repositories& r) {
        const auto user = r.users().findByLogin("DAVE");
        BOOST_REQUIRE(user);
        BOOST_TEST(user->id == dave.id);
    }));
    // Both pooled sessions in use at once: the second one was dead too.
    BOOST_CHECK_NO_THROW(db.run([&](Session& outer) {
        selectOne(outer);
        db.run(selectOne);
    }));
    BOOST_CHECK_NO_THROW(db.ping());
    BOOST_TEST(committedRows("users") == 4);
    BOOST_TEST(db.sessionsInUse() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
