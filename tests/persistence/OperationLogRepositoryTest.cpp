#include <boost/test/unit_test.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "Fixtures.hpp"

using namespace mofang;
using namespace mofang::test;
using domain::OperationLogEntry;
using domain::OperationLogQuery;
using domain::Repositories;

namespace {

// Ten entries, appended in time order; entry i has timestamp (i + 1) * 1000.
struct WithLog : WithSeedData {
    WithLog() {
        struct Row {
            std::optional<domain::UserId> user;
            const char* action;
            const char* targetId;
        };
        const std::vector<Row> rows = {
            {alice.id, "user.create", "2"},           // 0
            {alice.id, "user.update", "2"},           // 1
            {bob.id, "product.create", "p1"},         // 2
            {std::nullopt, "auth.login_failed", ""},  // 3: no actor
            {alice.id, "user.update", "3"},           // 4
            {bob.id, "product.update", "p1"},         // 5
            {carol.id, "product.delete", "p2"},       // 6
            {std::nullopt, "auth.login_failed", ""},  // 7
            {alice.id, "auth.login", "1"},            // 8
            {bob.id, "user.update", "2"},             // 9
        };
        for (std::size_t i = 0; i < rows.size(); ++i) {
            OperationLogEntry e;
            e.userId = rows[i].user;
            e.action = rows[i].action;
            e.targetType = e.action.substr(0, e.action.find('.'));
            e.targetId = rows[i].targetId;
            e.detailsJson = R"({"after":{"n":)" + std::to_string(i) + "}}";
            e.ip = i % 2 ? "198.51.100.7" : "";
            e.userAgent = i % 3 ? "curl/8.0" : "";
            e.timestamp = static_cast<domain::Millis>(i + 1) * 1000;
            entries.push_back(e);
        }
        // One transaction per entry, as the services append them.
        for (const auto& e : entries) store.transact([&](Repositories& r) { r.operationLogs().append(e); });
    }

    std::vector<OperationLogEntry> list(const OperationLogQuery& q) {
        std::vector<OperationLogEntry> out;
        store.read([&](Repositories& r) { out = r.operationLogs().list(q); });
        return out;
    }

    // The seeded indexes of `q`'s result, in the order returned; checks every field on the way.
    std::vector<int> indexesOf(const OperationLogQuery& q) {
        std::vector<int> out;
        for (const auto& e : list(q)) {
            const int i = static_cast<int>(e.timestamp / 1000) - 1;
            BOOST_REQUIRE(i >= 0 && i < static_cast<int>(entries.size()));
            BOOST_TEST_CONTEXT("entry " << i) {
                checkSameEntry(e, entries[i]);
            }
            out.push_back(i);
        }
        return out;
    }

    std::vector<OperationLogEntry> entries;
};

using Indexes = std::vector<int>;

OperationLogQuery all(int limit = 100) {
    OperationLogQuery q;
    q.limit = limit;
    return q;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(operation_log_repository, *boost::unit_test::label("db"))

BOOST_FIXTURE_TEST_CASE(list_returns_every_entry_newest_first_with_every_field, WithLog) {
    BOOST_TEST(indexesOf(all()) == (Indexes{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}), boost::test_tools::per_element());
    const auto listed = list(all());
    std::set<std::int64_t> ids;
    for (std::size_t i = 0; i < listed.size(); ++i) {
        BOOST_TEST(listed[i].id > 0);
        if (i > 0) BOOST_TEST(listed[i].id < listed[i - 1].id);
        ids.insert(listed[i].id);
    }
    BOOST_TEST(ids.size() == entries.size());
    BOOST_TEST(indexesOf(all(3)) == (Indexes{9, 8, 7}), boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(null_user_id_round_trips_and_is_not_matched_by_a_user_filter, WithLog) {
    const auto listed = list(all());
    BOOST_REQUIRE_EQUAL(listed.size(), 10u);
    BOOST_TEST(!listed[2].userId.has_value());  // entry 7
    BOOST_TEST(!listed[6].userId.has_value());  // entry 3
    BOOST_TEST(listed[0].userId.value_or(-1) == bob.id);
    for (const auto id : {alice.id, bob.id, carol.id}) {
        auto q = all();
        q.userId = id;
        for (const auto& e : list(q)) BOOST_TEST(e.userId.value_or(-1) == id);
    }
}

BOOST_FIXTURE_TEST_CASE(each_filter_selects_exactly_its_entries, WithLog) {
    auto q = all();
    q.userId = alice.id;
    BOOST_TEST(indexesOf(q) == (Indexes{8, 4, 1, 0}), boost::test_tools::per_element());

    q = all();
    q.action = "user.update";
    BOOST_TEST(indexesOf(q) == (Indexes{9, 4, 1}), boost::test_tools::per_element());
    q.action = "USER.UPDATE";  // actions are exact
    BOOST_TEST(indexesOf(q).empty());

    q = all();
    q.targetType = "product";
    BOOST_TEST(indexesOf(q) == (Indexes{6, 5, 2}), boost::test_tools::per_element());

    q = all();
    q.targetId = "p1";
    BOOST_TEST(indexesOf(q) == (Indexes{5, 2}), boost::test_tools::per_element());
    q.targetType = "user";
    q.targetId = "2";
    BOOST_TEST(indexesOf(q) == (Indexes{9, 1, 0}), boost::test_tools::per_element());

    q = all();
    q.userId = bob.id;
    q.targetType = "product";
    BOOST_TEST(indexesOf(q) == (Indexes{5, 2}), boost::test_tools::per_element());

    q = all();
    q.userId = carol.id + 100;
    BOOST_TEST(indexesOf(q).empty());
}

BOOST_FIXTURE_TEST_CASE(from_and_to_are_inclusive, WithLog) {
    auto q = all();
    q.from = 3000;
    q.to = 6000;
    BOOST_TEST(indexesOf(q) == (Indexes{5, 4, 3, 2}), boost::test_tools::per_element());
    q.from = 3001;
    q.to = 5999;
    BOOST_TEST(indexesOf(q) == (Indexes{4, 3}), boost::test_tools::per_element());
    q.from = 4000;
    q.to = 4000;
    BOOST_TEST(indexesOf(q) == (Indexes{3}), boost::test_tools::per_element());

    q = all();
    q.from = 9000;
    BOOST_TEST(indexesOf(q) == (Indexes{9, 8}), boost::test_tools::per_element());
    q = all();
    q.to = 2000;
    BOOST_TEST(indexesOf(q) == (Indexes{1, 0}), boost::test_tools::per_element());
    q.from = 2001;
    BOOST_TEST(indexesOf(q).empty());
}

BOOST_FIXTURE_TEST_CASE(keyset_paging_by_before_id_walks_every_entry_exactly_once, WithLog) {
    auto walk = [&](OperationLogQuery q) {
        std::vector<int> seen;
        std::vector<std::size_t> pageSizes;
        for (int guard = 0; guard < 20; ++guard) {
            const auto page = list(q);
            pageSizes.push_back(page.size());
            if (page.empty()) break;
            for (const auto& e : page) seen.push_back(static_cast<int>(e.timestamp / 1000) - 1);
            q.beforeId = page.back().id;
        }
        return std::make_pair(seen, pageSizes);
    };

    const auto [seen, sizes] = walk(all(3));
    BOOST_TEST(seen == (Indexes{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}), boost::test_tools::per_element());
    BOOST_TEST(sizes == (std::vector<std::size_t>{3, 3, 3, 1, 0}), boost::test_tools::per_element());

    // Paging composes with filters.
    auto q = all(2);
    q.action = "user.update";
    const auto [filtered, filteredSizes] = walk(q);
    BOOST_TEST(filtered == (Indexes{9, 4, 1}), boost::test_tools::per_element());
    BOOST_TEST(filteredSizes == (std::vector<std::size_t>{2, 1, 0}), boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(details_json_text_round_trips_unchanged, WithSeedData) {
    OperationLogEntry e;
    e.userId = alice.id;
    e.action = "user.update";
    e.targetType = "user";
    e.targetId = std::to_string(bob.id);
    std::string big(20'000, 'x');
    e.detailsJson =
        R"({"before":{"email":"bob@example.com","permissions":[]},)"
        R"("after":{"email":"b\"o\\b@example.com","note":"line1\nline2\ttab \u00e9 \ud83d\ude00"},)"
        R"("reason":"  spaced  ","big":")" +
        big + R"("})";
    e.ip = "203.0.113.9";
    e.userAgent = "Mozilla/5.0 (X11; Linux x86_64)";
    e.timestamp = 1'700'000'000'123;
    store.transact([&](Repositories& r) { r.operationLogs().append(e); });

    OperationLogQuery q;
    std::vector<OperationLogEntry> listed;
    store.read([&](Repositories& r) { listed = r.operationLogs().list(q); });
    BOOST_REQUIRE_EQUAL(listed.size(), 1u);
    checkSameEntry(listed[0], e);
    BOOST_TEST(listed[0].detailsJson.size() == e.detailsJson.size());
}

BOOST_AUTO_TEST_SUITE_END()
