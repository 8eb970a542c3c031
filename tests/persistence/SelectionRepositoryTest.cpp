#include <Poco/Data/Session.h>

#include <algorithm>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "Fixtures.hpp"
#include "persistence/SqlQuery.hpp"

using namespace mofang;
using namespace mofang::test;
using domain::DownloadId;
using domain::DownloadQuery;
using domain::DownloadRecord;
using domain::DownloadType;
using domain::Repositories;
using domain::Selection;
using domain::SelectionId;
using domain::SelectionItem;
using domain::SelectionQuery;

namespace bdata = boost::unit_test::data;

namespace {

constexpr domain::Millis kT0 = 1'700'000'000'000;
constexpr std::uint64_t kGiB = 1024ull * 1024 * 1024;

using Ids = std::vector<std::int64_t>;
// An item as the tests compare and print it.
struct Item {
    std::int64_t moduleId = 0;
    std::int64_t materialId = 0;
    bool operator==(const Item&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Item& item) {
    return os << "(" << item.moduleId << ", " << item.materialId << ")";
}
using Items = std::vector<Item>;

Items itemsOf(const Selection& s) {
    Items out;
    for (const auto& item : s.items) out.push_back({item.moduleId, item.materialId});
    return out;
}

// `n` items whose material ids are distinct and in an order unlike their positions (so that a
// store returning them by id rather than by position shows).
// The item tables hold plain ids: the service validates them, the schema has no foreign keys
// to modules or materials.
std::vector<SelectionItem> manyItems(std::size_t n, domain::ModuleId firstModule = 10) {
    std::vector<SelectionItem> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto k = static_cast<std::int64_t>((i * 7919) % (n + 1));  // 7919 is prime: distinct
        out.push_back({firstModule + static_cast<std::int64_t>(i % 3), 1000 + k});
    }
    return out;
}

// WithSeedData plus two products, and helpers that each run in a transaction of their own.
struct WithProducts : WithSeedData {
    WithProducts() {
        shoe = makeProduct("Shoe", "SHOE-1", alice.id);
        bag = makeProduct("Bag", "BAG-1", alice.id);
        store.transact([&](Repositories& r) {
            shoe.id = r.products().insert(shoe);
            bag.id = r.products().insert(bag);
        });
    }

    Selection selection(domain::UserId userId, domain::ProductId productId, std::vector<SelectionItem> items,
                        domain::Millis at = kT0) const {
        Selection s;
        s.userId = userId;
        s.productId = productId;
        s.items = std::move(items);
        s.createdAt = at;
        s.updatedAt = at;
        return s;
    }
    SelectionId insert(Selection& s) {
        store.transact([&](Repositories& r) { s.id = r.selections().insert(s); });
        return s.id;
    }
    std::optional<Selection> find(SelectionId id) {
        std::optional<Selection> out;
        store.read([&](Repositories& r) { out = r.selections().findById(id); });
        return out;
    }
    std::vector<Selection> list(const SelectionQuery& q) {
        std::vector<Selection> out;
        store.read([&](Repositories& r) { out = r.selections().list(q); });
        return out;
    }
    Ids listIds(const SelectionQuery& q) {
        Ids out;
        for (const auto& s : list(q)) out.push_back(s.id);
        return out;
    }
    // Item rows of one selection, counted on a connection of its own.
    std::int64_t itemRows(SelectionId id) {
        persistence::Database other(uri, 1);
        std::int64_t n = 0;
        other.run([&](Poco::Data::Session& s) {
            auto rs =
                persistence::SqlQuery(s, "SELECT COUNT(*) FROM user_selection_items WHERE selection_id = ?")
                    .arg(id)
                    .rows();
            n = persistence::cellInt(rs, 0, 0);
        });
        return n;
    }

    DownloadRecord download(domain::UserId userId, domain::ProductId productId, SelectionId selectionId,
                            DownloadType type = DownloadType::Package, std::uint64_t size = 12'345) const {
        DownloadRecord d;
        d.userId = userId;
        d.productId = productId;
        d.selectionId = selectionId;
        d.downloadTime = kT0 + 1000;
        d.type = type;
        d.etag = "\"" + std::string(64, 'a') + "\"";
        d.size = size;
        return d;
    }
    DownloadId insert(DownloadRecord& d) {
        store.transact([&](Repositories& r) { d.id = r.downloads().insert(d); });
        return d.id;
    }
    std::vector<DownloadRecord> downloads(const DownloadQuery& q) {
        std::vector<DownloadRecord> out;
        store.read([&](Repositories& r) { out = r.downloads().list(q); });
        return out;
    }
    Ids downloadIds(const DownloadQuery& q) {
        Ids out;
        for (const auto& d : downloads(q)) out.push_back(d.id);
        return out;
    }

    domain::Product shoe, bag;
};

void checkSameSelection(const Selection& actual, const Selection& expected) {
    BOOST_TEST(actual.id == expected.id);
    BOOST_TEST(actual.userId == expected.userId);
    BOOST_TEST(actual.productId == expected.productId);
    BOOST_TEST(actual.createdAt == expected.createdAt);
    BOOST_TEST(actual.updatedAt == expected.updatedAt);
    BOOST_REQUIRE_EQUAL(actual.items.size(), expected.items.size());
    BOOST_TEST(itemsOf(actual) == itemsOf(expected), boost::test_tools::per_element());
}

void checkSameDownload(const DownloadRecord& actual, const DownloadRecord& expected) {
    BOOST_TEST(actual.id == expected.id);
    BOOST_TEST(actual.userId == expected.userId);
    BOOST_TEST(actual.productId == expected.productId);
    BOOST_TEST(actual.selectionId == expected.selectionId);
    BOOST_TEST(actual.downloadTime == expected.downloadTime);
    BOOST_TEST((actual.type == expected.type));
    BOOST_TEST(actual.etag == expected.etag);
    BOOST_TEST(actual.size == expected.size);
}

// Item counts around the 500-row chunks of the multi-row INSERT.
const std::vector<std::size_t> kItemCounts = {1, 499, 500, 501, 1000, 1200};

}  // namespace

// ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(selection_repository, *boost::unit_test::label("db"))

BOOST_FIXTURE_TEST_CASE(insert_and_find_by_id_round_trip_with_items_in_order, WithProducts) {
    auto s = selection(bob.id, shoe.id, {{7, 30}, {5, 10}, {7, 20}, {5, 11}}, kT0 + 5);
    s.updatedAt = kT0 + 9;
    const SelectionId id = insert(s);
    BOOST_TEST(id > 0);
    const auto found = find(id);
    BOOST_REQUIRE(found.has_value());
    checkSameSelection(*found, s);
}

BOOST_FIXTURE_TEST_CASE(ids_are_distinct_and_increasing, WithProducts) {
    auto a = selection(bob.id, shoe.id, {{1, 1}});
    auto b = selection(bob.id, shoe.id, {{1, 2}});
    BOOST_TEST(insert(b) > insert(a));
}

BOOST_FIXTURE_TEST_CASE(find_by_id_of_an_unknown_id_is_nullopt, WithProducts) {
    BOOST_TEST(!find(1).has_value());
    BOOST_TEST(!find(999'999).has_value());
}

BOOST_DATA_TEST_CASE_F(WithProducts, items_beyond_one_insert_chunk_keep_their_order, bdata::make(kItemCounts),
                       n) {
    auto s = selection(alice.id, bag.id, manyItems(n));
    insert(s);
    const auto found = find(s.id);
    BOOST_REQUIRE(found.has_value());
    checkSameSelection(*found, s);
    BOOST_TEST(itemRows(s.id) == static_cast<std::int64_t>(n));
}

BOOST_FIXTURE_TEST_CASE(update_replaces_items_product_and_updated_at, WithProducts) {
    auto s = selection(bob.id, shoe.id, {{1, 10}, {1, 11}, {2, 20}}, kT0);
    auto neighbour = selection(bob.id, shoe.id, {{1, 10}, {2, 21}}, kT0);
    insert(s);
    insert(neighbour);

    Selection next = s;
    next.productId = bag.id;
    next.items = {{9, 91}, {8, 81}};
    next.updatedAt = kT0 + 60'000;
    next.userId = carol.id;      // not something update changes
    next.createdAt = kT0 + 777;  // nor this
    store.transact([&](Repositories& r) { r.selections().update(next); });

    const auto found = find(s.id);
    BOOST_REQUIRE(found.has_value());
    Selection expected = next;
    expected.userId = s.userId;
    expected.createdAt = s.createdAt;
    checkSameSelection(*found, expected);
    BOOST_TEST(itemRows(s.id) == 2);
    // The other selection is untouched.
    checkSameSelection(*find(neighbour.id), neighbour);
}

BOOST_FIXTURE_TEST_CASE(update_grows_past_a_chunk_and_shrinks_back, WithProducts) {
    auto s = selection(bob.id, shoe.id, {{1, 10}});
    insert(s);
    s.items = manyItems(1200, 3);
    s.updatedAt = kT0 + 1;
    store.transact([&](Repositories& r) { r.selections().update(s); });
    checkSameSelection(*find(s.id), s);
    s.items = {{4, 40}};
    s.updatedAt = kT0 + 2;
    store.transact([&](Repositories& r) { r.selections().update(s); });
    checkSameSelection(*find(s.id), s);
    BOOST_TEST(itemRows(s.id) == 1);
}

BOOST_FIXTURE_TEST_CASE(remove_deletes_the_selection_and_its_items, WithProducts) {
    auto gone = selection(bob.id, shoe.id, manyItems(600));
    auto kept = selection(bob.id, shoe.id, {{1, 10}, {2, 20}});
    insert(gone);
    insert(kept);
    store.transact([&](Repositories& r) { r.selections().remove(gone.id); });
    BOOST_TEST(!find(gone.id).has_value());
    BOOST_TEST(itemRows(gone.id) == 0);
    BOOST_TEST(committedRows("user_selections") == 1);
    BOOST_TEST(committedRows("user_selection_items") == 2);
    checkSameSelection(*find(kept.id), kept);
}

BOOST_FIXTURE_TEST_CASE(an_insert_in_a_rolled_back_transaction_leaves_no_rows, WithProducts) {
    auto s = selection(bob.id, shoe.id, manyItems(700));
    BOOST_CHECK_THROW(store.transact([&](Repositories& r) {
        s.id = r.selections().insert(s);
        throw std::runtime_error("abandon");
    }),
                      std::runtime_error);
    BOOST_TEST(committedRows("user_selections") == 0);
    BOOST_TEST(committedRows("user_selection_items") == 0);
}

BOOST_FIXTURE_TEST_CASE(list_is_newest_first_by_user_with_before_id_and_limit, WithProducts) {
    // bob: b1, b2, b3, b4 (inserted in that order); alice: a1, a2 interleaved.
    std::vector<Selection> bobs, alices;
    for (int i = 0; i < 4; ++i) {
        auto s = selection(bob.id, i % 2 ? bag.id : shoe.id, {{1, 100 + i}, {2, 200 + i}}, kT0 + i);
        insert(s);
        bobs.push_back(s);
        if (i % 2 == 0) {
            auto a = selection(alice.id, shoe.id, {{3, 300 + i}}, kT0 + i);
            insert(a);
            alices.push_back(a);
        }
    }
    const Ids bobNewestFirst = {bobs[3].id, bobs[2].id, bobs[1].id, bobs[0].id};
    BOOST_TEST(listIds({bob.id, std::nullopt, 20}) == bobNewestFirst, boost::test_tools::per_element());
    BOOST_TEST(listIds({alice.id, std::nullopt, 20}) == (Ids{alices[1].id, alices[0].id}),
               boost::test_tools::per_element());
    BOOST_TEST(listIds({carol.id, std::nullopt, 20}).empty());

    // Pages of two.
    BOOST_TEST(listIds({bob.id, std::nullopt, 2}) == (Ids{bobs[3].id, bobs[2].id}),
               boost::test_tools::per_element());
    BOOST_TEST(listIds({bob.id, bobs[2].id, 2}) == (Ids{bobs[1].id, bobs[0].id}),
               boost::test_tools::per_element());
    BOOST_TEST(listIds({bob.id, bobs[0].id, 2}).empty());

    // Everyone's.
    Ids all;
    for (const auto* group : {&bobs, &alices})
        for (const auto& s : *group) all.push_back(s.id);
    std::sort(all.rbegin(), all.rend());
    BOOST_TEST(listIds({std::nullopt, std::nullopt, 20}) == all, boost::test_tools::per_element());
    BOOST_TEST(listIds({std::nullopt, all[1], 3}) == (Ids{all[2], all[3], all[4]}),
               boost::test_tools::per_element());

    // Listed selections carry their items, in order.
    const auto page = list({bob.id, std::nullopt, 1});
    BOOST_REQUIRE_EQUAL(page.size(), 1u);
    checkSameSelection(page[0], bobs[3]);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(download_repository, *boost::unit_test::label("db"))

BOOST_FIXTURE_TEST_CASE(insert_and_list_round_trip_every_field, WithProducts) {
    auto d = download(bob.id, shoe.id, 42, DownloadType::Package, 987'654);
    d.downloadTime = kT0 + 123;
    d.etag = "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"";
    insert(d);
    BOOST_TEST(d.id > 0);
    const auto list = downloads({});
    BOOST_REQUIRE_EQUAL(list.size(), 1u);
    checkSameDownload(list[0], d);
}

BOOST_DATA_TEST_CASE_F(WithProducts, type_round_trips, bdata::make({0, 1}), which) {
    const auto type = which ? DownloadType::Preview : DownloadType::Package;
    auto d = download(bob.id, shoe.id, 1, type);
    insert(d);
    const auto list = downloads({});
    BOOST_REQUIRE_EQUAL(list.size(), 1u);
    BOOST_TEST((list[0].type == type));
}

BOOST_DATA_TEST_CASE_F(WithProducts, sizes_beyond_4_gib_round_trip,
                       bdata::make({std::uint64_t{0}, 4 * kGiB - 1, 4 * kGiB, 4 * kGiB + 1, 5 * kGiB + 7,
                                    std::uint64_t{1} << 40, (std::uint64_t{1} << 63) - 1}),
                       size) {
    auto d = download(bob.id, shoe.id, 1, DownloadType::Package, size);
    insert(d);
    const auto list = downloads({});
    BOOST_REQUIRE_EQUAL(list.size(), 1u);
    BOOST_TEST(list[0].size == size);
}

BOOST_FIXTURE_TEST_CASE(list_filters_by_user_and_product_newest_first_and_pages, WithProducts) {
    // 1 bob/shoe, 2 alice/shoe, 3 bob/bag (preview), 4 bob/shoe, 5 alice/bag, 6 carol/shoe
    std::vector<DownloadRecord> rows = {
        download(bob.id, shoe.id, 1),
        download(alice.id, shoe.id, 2),
        download(bob.id, bag.id, 3, DownloadType::Preview),
        download(bob.id, shoe.id, 4),
        download(alice.id, bag.id, 5),
        download(carol.id, shoe.id, 6, DownloadType::Preview),
    };
    for (std::size_t i = 0; i < rows.size(); ++i) {
        rows[i].downloadTime = kT0 + static_cast<std::int64_t>(i);
        insert(rows[i]);
    }
    const auto id = [&](std::size_t n) { return rows.at(n - 1).id; };

    BOOST_TEST(downloadIds({}) == (Ids{id(6), id(5), id(4), id(3), id(2), id(1)}),
               boost::test_tools::per_element());
    BOOST_TEST(downloadIds({bob.id, std::nullopt, std::nullopt, 20}) == (Ids{id(4), id(3), id(1)}),
               boost::test_tools::per_element());
    BOOST_TEST(downloadIds({std::nullopt, shoe.id, std::nullopt, 20}) == (Ids{id(6), id(4), id(2), id(1)}),
               boost::test_tools::per_element());
    BOOST_TEST(downloadIds({bob.id, shoe.id, std::nullopt, 20}) == (Ids{id(4), id(1)}),
               boost::test_tools::per_element());
    BOOST_TEST(downloadIds({alice.id, bag.id, std::nullopt, 20}) == (Ids{id(5)}),
               boost::test_tools::per_element());
    BOOST_TEST(downloadIds({carol.id, bag.id, std::nullopt, 20}).empty());

    // Keyset pages.
    BOOST_TEST(downloadIds({std::nullopt, std::nullopt, std::nullopt, 2}) == (Ids{id(6), id(5)}),
               boost::test_tools::per_element());
    BOOST_TEST(downloadIds({std::nullopt, std::nullopt, id(5), 2}) == (Ids{id(4), id(3)}),
               boost::test_tools::per_element());
    BOOST_TEST(downloadIds({std::nullopt, std::nullopt, id(3), 2}) == (Ids{id(2), id(1)}),
               boost::test_tools::per_element());
    BOOST_TEST(downloadIds({std::nullopt, std::nullopt, id(1), 2}).empty());
    BOOST_TEST(downloadIds({bob.id, shoe.id, id(4), 20}) == (Ids{id(1)}), boost::test_tools::per_element());

    // Rows come back whole.
    const auto page = downloads({std::nullopt, bag.id, std::nullopt, 20});
    BOOST_REQUIRE_EQUAL(page.size(), 2u);
    checkSameDownload(page[0], rows[4]);
    checkSameDownload(page[1], rows[2]);
}

BOOST_AUTO_TEST_SUITE_END()
