#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "Fixtures.hpp"

using namespace mofang;
using namespace mofang::test;
using domain::Millis;
using domain::Repositories;

namespace {

struct WithFailures : WithDatabase {
    WithFailures() {
        // Recorded out of order, and with a twin instant, on purpose.
        store.transact([&](Repositories& r) {
            for (Millis at : {3000, 1000, 2000, 2000}) r.loginFailures().record("alice", at);
            r.loginFailures().record("bob", 1500);
            r.loginFailures().record("alice@example.com", 2500);
        });
    }

    std::vector<Millis> since(const std::string& key, Millis from) {
        std::vector<Millis> out;
        store.read([&](Repositories& r) { out = r.loginFailures().since(key, from); });
        return out;
    }
};

using Times = std::vector<Millis>;

}  // namespace

BOOST_AUTO_TEST_SUITE(login_failure_repository, *boost::unit_test::label("db"))

BOOST_FIXTURE_TEST_CASE(since_returns_the_times_of_that_key_ascending, WithFailures) {
    BOOST_TEST(since("alice", 0) == (Times{1000, 2000, 2000, 3000}), boost::test_tools::per_element());
    BOOST_TEST(since("bob", 0) == (Times{1500}), boost::test_tools::per_element());
    BOOST_TEST(since("alice@example.com", 0) == (Times{2500}), boost::test_tools::per_element());
    BOOST_TEST(since("carol", 0).empty());
}

BOOST_FIXTURE_TEST_CASE(since_window_starts_inclusive, WithFailures) {
    BOOST_TEST(since("alice", 2000) == (Times{2000, 2000, 3000}), boost::test_tools::per_element());
    BOOST_TEST(since("alice", 2001) == (Times{3000}), boost::test_tools::per_element());
    BOOST_TEST(since("alice", 3000) == (Times{3000}), boost::test_tools::per_element());
    BOOST_TEST(since("alice", 3001).empty());
}

BOOST_FIXTURE_TEST_CASE(clear_removes_only_that_key, WithFailures) {
    store.transact([&](Repositories& r) { r.loginFailures().clear("alice"); });
    BOOST_TEST(since("alice", 0).empty());
    BOOST_TEST(since("bob", 0) == (Times{1500}), boost::test_tools::per_element());
    BOOST_TEST(since("alice@example.com", 0) == (Times{2500}), boost::test_tools::per_element());
    BOOST_TEST(committedRows("login_failures") == 2);
    // Clearing an empty key is fine, and recording starts over.
    store.transact([&](Repositories& r) {
        r.loginFailures().clear("alice");
        r.loginFailures().record("alice", 4000);
    });
    BOOST_TEST(since("alice", 0) == (Times{4000}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
