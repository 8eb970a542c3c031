#include <Poco/Data/Session.h>
#include <Poco/Exception.h>

#include <boost/test/unit_test.hpp>
#include <stdexcept>
#include <string>

#include "Fixtures.hpp"
#include "persistence/SqlQuery.hpp"

using namespace mofang;
using namespace mofang::test;
using domain::Repositories;
using Poco::Data::Session;

namespace {

struct WorkFailed : std::runtime_error {
    WorkFailed() : std::runtime_error("the work failed after writing") {}
};

domain::OperationLogEntry entryFor(const std::string& action, const std::string& targetId) {
    domain::OperationLogEntry e;
    e.userId = 1;
    e.action = action;
    e.targetType = action.substr(0, action.find('.'));
    e.targetId = targetId;
    e.detailsJson = R"({"after":{"id":)" + targetId + "}}";
    e.ip = "192.0.2.1";
    e.userAgent = "contract-test";
    e.timestamp = 1'700'000'100'000;
    return e;
}

// The driver's message of whatever `work` throws (Poco keeps it in displayText, not what()).
std::string thrownText(const std::function<void()>& work) {
    try {
        work();
    } catch (const Poco::Exception& e) {
        return e.displayText();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(transactions, *boost::unit_test::label("db"))

// STACK-NOTES: Poco's MySQL Session::begin() leaves autocommit off after commit(), so the pooled
// session's next plain write would never be committed. With a pool of one, the transaction and
// the plain writes after it share one session; a second connection must see those writes.
BOOST_FIXTURE_TEST_CASE(a_plain_write_after_a_transaction_on_the_same_session_is_committed, WithDatabase) {
    persistence::Database single(uri, 1);
    persistence::SqlStore singleStore(single);
    BOOST_REQUIRE_EQUAL(single.poolCapacity(), 1);

    auto connectionId = [&] {
        Poco::Int64 id = -1;
        if (onMySql())
            single.run([&](Session& s) {
                auto rs = persistence::SqlQuery(s, "SELECT CONNECTION_ID()").rows();
                id = persistence::cellInt(rs, 0, 0);
            });
        return id;
    };
    const auto firstConnection = connectionId();

    for (int round = 1; round <= 2; ++round) {
        BOOST_TEST_CONTEXT("round " << round) {
            const auto name = "dave" + std::to_string(round);
            singleStore.transact(
                [&](Repositories& r) { r.users().insert(makeUser(name, name + "@example.com")); });
            if (onMySql())
                single.run([&](Session& s) {
                    auto rs = persistence::SqlQuery(s, "SELECT @@autocommit").rows();
                    BOOST_TEST(persistence::cellInt(rs, 0, 0) == 1, "autocommit is off after a transaction");
                });
            single.run([&](Session& s) {
                persistence::SqlQuery(s, "INSERT INTO login_failures (login_key, failed_at) VALUES (?, ?)")
                    .arg("plain-" + std::to_string(round))
                    .arg(round)
                    .exec();
            });
            singleStore.read([&](Repositories& r) { r.loginFailures().record("read-side", round); });

            // Seen from a connection of its own while `single` still holds its session.
            BOOST_TEST(committedRows("users") == round);
            BOOST_TEST(committedRows("login_failures") == 2 * round);
        }
    }
    BOOST_TEST(connectionId() == firstConnection, "the pool of one did not reuse its session");
    BOOST_TEST(single.sessionsInUse() == 0);
}

BOOST_FIXTURE_TEST_CASE(a_committed_transaction_is_visible_to_other_connections, WithSeedData) {
    store.transact([&](Repositories& r) {
        r.users().insert(makeUser("dave", "dave@example.com"));
        r.operationLogs().append(entryFor("user.create", "4"));
    });
    BOOST_TEST(committedRows("users") == 4);
    BOOST_TEST(committedRows("operation_logs") == 1);
}

BOOST_FIXTURE_TEST_CASE(an_exception_after_writing_rolls_everything_back, WithSeedData) {
    domain::User changed = alice;
    changed.email = "changed@example.com";
    changed.status = domain::UserStatus::Blocked;
    domain::SessionRecord session{"a" + std::string(63, '0'), "csrf", alice.id, 1, 2, "", ""};

    BOOST_CHECK_THROW(store.transact([&](Repositories& r) {
        r.users().insert(makeUser("dave", "dave@example.com"));
        r.users().update(changed);
        r.sessions().insert(session);
        r.loginFailures().record("dave", 5);
        r.operationLogs().append(entryFor("user.update", std::to_string(alice.id)));
        throw WorkFailed();  // the work's own exception reaches the caller unchanged
    }),
                      WorkFailed);

    BOOST_TEST(db.sessionsInUse() == 0);
    store.read([&](Repositories& r) {
        BOOST_TEST(!r.users().findByLogin("dave"));
        checkSameUser(*r.users().findById(alice.id), alice);
        BOOST_TEST(!r.sessions().findActive(session.tokenHash, 0));
        BOOST_TEST(r.loginFailures().since("dave", 0).empty());
        BOOST_TEST(r.operationLogs().list({}).empty());
    });
    BOOST_TEST(committedRows("users") == 3);
    BOOST_TEST(committedRows("sessions") == 0);
    BOOST_TEST(committedRows("login_failures") == 0);
    BOOST_TEST(committedRows("operation_logs") == 0);
}

// Ports.hpp: "an operation-log write that fails rolls back the change it records". The log
// table is renamed away so that the append itself fails, on either backend.
BOOST_FIXTURE_TEST_CASE(a_failing_log_write_rolls_back_the_change_it_records, WithSeedData) {
    db.run([](Session& s) {
        persistence::executeSql(s, "ALTER TABLE operation_logs RENAME TO operation_logs_away");
    });
    domain::User changed = alice;
    changed.email = "changed@example.com";

    const auto text = thrownText([&] {
        store.transact([&](Repositories& r) {
            r.users().update(changed);
            r.users().insert(makeUser("dave", "dave@example.com"));
            r.operationLogs().append(entryFor("user.update", std::to_string(alice.id)));
        });
    });
    BOOST_TEST(text.find("operation_logs") != std::string::npos, "thrown: " << text);
    BOOST_TEST(db.sessionsInUse() == 0);

    db.run([](Session& s) {
        persistence::executeSql(s, "ALTER TABLE operation_logs_away RENAME TO operation_logs");
    });
    store.read([&](Repositories& r) {
        checkSameUser(*r.users().findById(alice.id), alice);
        BOOST_TEST(!r.users().findByLogin("dave"));
        BOOST_TEST(!r.users().findByLogin("changed@example.com"));
    });
    BOOST_TEST(committedRows("users") == 3);
    BOOST_TEST(committedRows("operation_logs") == 0);
}

// MariaDB in strict mode refuses a value longer than its column (1406) instead of cutting it.
BOOST_FIXTURE_TEST_CASE(an_over_long_log_action_fails_and_rolls_back_the_change, WithSeedData,
                        *boost::unit_test::label("mysql") * boost::unit_test::precondition(mysqlOnly)) {
    domain::User changed = bob;
    changed.role = domain::Role::Admin;
    const auto text = thrownText([&] {
        store.transact([&](Repositories& r) {
            r.users().update(changed);
            r.operationLogs().append(entryFor("user." + std::string(70, 'x'), std::to_string(bob.id)));
        });
    });
    // Poco 1.11 leaves Exception::code() at 0; the server's errno is only in the text.
    BOOST_TEST(text.find("[mysql_stmt_errno]: 1406") != std::string::npos, "thrown: " << text);
    BOOST_TEST(text.find("Data too long for column 'action'") != std::string::npos, text);
    store.read([&](Repositories& r) {
        checkSameUser(*r.users().findById(bob.id), bob);
        BOOST_TEST(r.users().countActiveAdmins() == 1);
    });
    BOOST_TEST(committedRows("operation_logs") == 0);
}

BOOST_AUTO_TEST_SUITE_END()
