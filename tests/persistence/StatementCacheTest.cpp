// Pinned transactions and their statement cache (Database::pinTransactionsOfThisThread): the
// statements are prepared once per connection and run again with new values, each run's rows
// are its own, a failed statement is prepared anew, and a call site whose arguments change
// shape is refused.

#include <Poco/Data/Session.h>

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>

#include "Fixtures.hpp"
#include "persistence/SqlQuery.hpp"

using namespace mofang;
using namespace mofang::test;
using Poco::Data::Session;

namespace {

// The server's count of statements prepared on this connection so far.
std::int64_t preparedSoFar(Session& s) {
    Poco::Data::Statement stmt(s);
    std::string name, value;
    stmt << "SHOW SESSION STATUS LIKE 'Com_stmt_prepare'", Poco::Data::Keywords::into(name),
        Poco::Data::Keywords::into(value), Poco::Data::Keywords::now;
    return std::stoll(value);
}

void createTable(persistence::Database& db) {
    db.run([](Session& s) {
        persistence::executeSql(s, "CREATE TABLE cache_probe (id BIGINT PRIMARY KEY, label VARCHAR(40) NOT NULL)");
    });
}

std::string labelOf(Session& s, std::int64_t id) {
    auto rs = persistence::SqlQuery(s, "SELECT label FROM cache_probe WHERE id = ?").arg(id).rows();
    return rs.rowCount() ? persistence::cellText(rs, 0, 0) : "(none)";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(statement_cache, *boost::unit_test::label("mysql") * boost::unit_test::precondition(mysqlOnly))

BOOST_FIXTURE_TEST_CASE(statements_are_prepared_once_per_connection_and_rerun_with_new_values, WithDatabase) {
    createTable(db);
    db.pinTransactionsOfThisThread();
    for (std::int64_t id = 1; id <= 5; ++id)
        db.transact([&](Session& s) {
            persistence::SqlQuery(s, "INSERT INTO cache_probe (id, label) VALUES (?, ?)")
                .arg(id)
                .arg("label " + std::to_string(id))
                .exec();
        });
    std::int64_t before = 0, after = 0;
    db.transact([&](Session& s) { before = preparedSoFar(s); });
    db.transact([&](Session& s) {
        for (std::int64_t id = 1; id <= 5; ++id) BOOST_TEST(labelOf(s, id) == "label " + std::to_string(id));
        BOOST_TEST(labelOf(s, 99) == "(none)");
    });
    db.transact([&](Session& s) {
        for (std::int64_t id = 5; id >= 1; --id) BOOST_TEST(labelOf(s, id) == "label " + std::to_string(id));
        // Each run reads what is there now: an update in between is seen.
        persistence::SqlQuery(s, "UPDATE cache_probe SET label = ? WHERE id = ?").arg("changed").arg(3).exec();
        BOOST_TEST(labelOf(s, 3) == "changed");
        after = preparedSoFar(s);
    });
    // The SELECT and the UPDATE were prepared once each (and SHOW STATUS of `after` itself).
    BOOST_TEST(after - before <= 3);
    BOOST_TEST(committedRows("cache_probe") == 5);
}

BOOST_FIXTURE_TEST_CASE(a_failed_statement_is_prepared_anew_and_the_transaction_rolled_back, WithDatabase) {
    createTable(db);
    db.pinTransactionsOfThisThread();
    const auto insert = [&](std::int64_t id, const std::string& label) {
        db.transact([&](Session& s) {
            persistence::SqlQuery(s, "INSERT INTO cache_probe (id, label) VALUES (?, ?)").arg(id).arg(label).exec();
        });
    };
    insert(1, "one");
    const auto e = catchDomainError([&] {
        db.transact([&](Session& s) {
            persistence::SqlQuery(s, "INSERT INTO cache_probe (id, label) VALUES (?, ?)").arg(2).arg("two").exec();
            persistence::SqlQuery(s, "INSERT INTO cache_probe (id, label) VALUES (?, ?)").arg(1).arg("again").exec();
        });
    });
    BOOST_REQUIRE(e);
    BOOST_TEST(e->kind() == domain::ErrorKind::Conflict);
    BOOST_TEST(committedRows("cache_probe") == 1);  // the row 2 of the failed transaction is gone
    insert(2, "two");
    insert(3, "three");
    db.transact([&](Session& s) { BOOST_TEST(labelOf(s, 3) == "three"); });
    BOOST_TEST(committedRows("cache_probe") == 3);
}

BOOST_FIXTURE_TEST_CASE(arguments_that_change_shape_are_refused, WithDatabase) {
    createTable(db);
    db.pinTransactionsOfThisThread();
    db.transact([&](Session& s) { BOOST_TEST(labelOf(s, 1) == "(none)"); });
    BOOST_CHECK_THROW(db.transact([&](Session& s) {
        persistence::SqlQuery(s, "SELECT label FROM cache_probe WHERE id = ?").arg("text, not a number").rows();
    }),
                      std::logic_error);
    BOOST_CHECK_THROW(db.transact([&](Session& s) {
        persistence::SqlQuery(s, "SELECT label FROM cache_probe WHERE id = ?").rows();
    }),
                      std::logic_error);
    // And the statement still works the way it was first used.
    db.transact([&](Session& s) { BOOST_TEST(labelOf(s, 1) == "(none)"); });
}

BOOST_FIXTURE_TEST_CASE(a_connection_lost_between_transactions_starts_over_on_a_new_one, WithDatabase) {
    createTable(db);
    db.pinTransactionsOfThisThread();
    db.transact([&](Session& s) {
        persistence::SqlQuery(s, "INSERT INTO cache_probe (id, label) VALUES (?, ?)").arg(1).arg("one").exec();
    });
    for (int round = 0; round < 3; ++round) {
        std::int64_t connection = 0;
        db.transact([&](Session& s) {
            BOOST_TEST(labelOf(s, 1) == "one");
            auto rs = persistence::SqlQuery(s, "SELECT CONNECTION_ID()").rows();
            connection = persistence::cellInt(rs, 0, 0);
        });
        // The server ends the pinned connection (as a restart would): the client reconnects
        // on its next query, and the statements prepared on the old connection are unknown.
        db.run([&](Session& s) { persistence::executeSql(s, "KILL " + std::to_string(connection)); });
        try {
            db.transact([&](Session& s) {
                BOOST_TEST(labelOf(s, 1) == "one");
                persistence::SqlQuery(s, "UPDATE cache_probe SET label = ? WHERE id = ?").arg("one").arg(1).exec();
            });
        } catch (const Poco::Exception& e) {
            BOOST_FAIL("round " << round << ": " << e.displayText());
        }
    }
}

BOOST_FIXTURE_TEST_CASE(the_same_text_twice_at_once_runs_the_second_uncached, WithDatabase) {
    createTable(db);
    db.pinTransactionsOfThisThread();
    db.transact([&](Session& s) {
        for (std::int64_t id : {1, 2})
            persistence::SqlQuery(s, "INSERT INTO cache_probe (id, label) VALUES (?, ?)")
                .arg(id)
                .arg("label " + std::to_string(id))
                .exec();
    });
    db.transact([&](Session& s) {
        const std::string text = "SELECT label FROM cache_probe WHERE id = ?";
        persistence::SqlQuery first(s, text);
        first.arg(1);
        persistence::SqlQuery second(s, text);
        second.arg(2);
        auto two = second.rows();
        auto one = first.rows();
        BOOST_TEST(persistence::cellText(one, 0, 0) == "label 1");
        BOOST_TEST(persistence::cellText(two, 0, 0) == "label 2");
    });
}

BOOST_FIXTURE_TEST_CASE(other_threads_and_plain_runs_use_the_pool, WithDatabase) {
    createTable(db);
    db.pinTransactionsOfThisThread();
    db.transact([&](Session& s) { labelOf(s, 1); });
    std::thread other([&] {
        db.transact([&](Session& s) {
            persistence::SqlQuery(s, "INSERT INTO cache_probe (id, label) VALUES (?, ?)").arg(7).arg("seven").exec();
        });
    });
    other.join();
    db.run([&](Session& s) { BOOST_TEST(labelOf(s, 7) == "seven"); });
    db.transact([&](Session& s) { BOOST_TEST(labelOf(s, 7) == "seven"); });
    BOOST_TEST(db.sessionsInUse() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
