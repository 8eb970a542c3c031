#include <Poco/Data/Session.h>
#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <algorithm>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "Fixtures.hpp"
#include "persistence/SqlQuery.hpp"

using namespace mofang;
using namespace mofang::test;
using domain::Material;
using domain::MaterialId;
using domain::ModuleId;
using domain::Repositories;

namespace bdata = boost::unit_test::data;

namespace {

constexpr domain::Millis kT0 = 1'700'000'000'000;
constexpr std::uint64_t kGiB = 1024ull * 1024 * 1024;

using Ids = std::vector<MaterialId>;
using Keys = std::set<std::string>;

// A content key (the SHA-256 of the tag, as the store would name those bytes).
std::string keyOf(const std::string& tag) {
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(tag);
    return Poco::DigestEngine::digestToHex(engine.digest());
}

// WithSeedData plus two products; the shoe has a main and a sku module, the bag a main module.
struct WithModules : WithSeedData {
    WithModules() {
        shoe = makeProduct("Shoe", "SHOE-1", alice.id);
        bag = makeProduct("Bag", "BAG-1", alice.id);
        store.transact([&](Repositories& r) {
            shoe.id = r.products().insert(shoe);
            bag.id = r.products().insert(bag);
            shoeMain = r.modules().insert(module(shoe.id, "main"));
            shoeSku = r.modules().insert(module(shoe.id, "sku"));
            bagMain = r.modules().insert(module(bag.id, "main"));
        });
    }

    static domain::MaterialModule module(domain::ProductId productId, const std::string& type) {
        domain::MaterialModule m;
        m.productId = productId;
        m.type = type;
        m.createdAt = kT0;
        m.updatedAt = kT0;
        return m;
    }

    // A material of `moduleId` whose keys and values derive from `tag`.
    Material material(ModuleId moduleId, int order, const std::string& tag) const {
        Material m;
        m.moduleId = moduleId;
        m.productId = moduleId == bagMain ? bag.id : shoe.id;
        m.filename = tag + ".jpg";
        m.filesize = 1000 + static_cast<std::uint64_t>(order);
        m.mimeType = "image/jpeg";
        m.width = 800;
        m.height = 600;
        m.order = order;
        m.storageKey = keyOf(tag + "f");
        m.sha256 = m.storageKey;
        m.crc32 = 0x01020304u + static_cast<std::uint32_t>(order);
        m.thumbnail = {keyOf(tag + "t"), 300, 0x11111111u, 320, 240};
        m.preview = {keyOf(tag + "p"), 3000, 0x22222222u, 1600, 1200};
        m.createdBy = alice.id;
        m.createdAt = kT0;
        m.updatedAt = kT0;
        return m;
    }

    MaterialId insert(Material& m) {
        store.transact([&](Repositories& r) { m.id = r.materials().insert(m); });
        return m.id;
    }
    MaterialId insert(ModuleId moduleId, int order, const std::string& tag) {
        auto m = material(moduleId, order, tag);
        return insert(m);
    }

    Ids listIds(ModuleId moduleId) {
        Ids out;
        store.read([&](Repositories& r) {
            for (const auto& m : r.materials().listByModule(moduleId)) out.push_back(m.id);
        });
        return out;
    }
    std::optional<Material> find(MaterialId id) {
        std::optional<Material> out;
        store.read([&](Repositories& r) { out = r.materials().findById(id); });
        return out;
    }
    int maxOrder(ModuleId moduleId) {
        int out = -1;
        store.read([&](Repositories& r) { out = r.materials().maxOrder(moduleId); });
        return out;
    }
    void markDeleted(MaterialId id, domain::Millis at) {
        store.transact([&](Repositories& r) { r.materials().markDeleted(id, at); });
    }
    bool referenced(const std::string& key, domain::Millis deletedSince) {
        bool out = false;
        store.read([&](Repositories& r) { out = r.blobReferences().isReferenced(key, deletedSince); });
        return out;
    }
    Keys referencedKeys(domain::Millis deletedSince) {
        std::vector<std::string> list;
        store.read([&](Repositories& r) { list = r.blobReferences().referencedKeys(deletedSince); });
        return {list.begin(), list.end()};
    }

    // What findById does not show of a row: is_deleted, deleted_at, updated_at.
    struct RowState {
        bool deleted = false;
        std::optional<std::int64_t> deletedAt;
        std::int64_t updatedAt = 0;
    };
    RowState rowState(MaterialId id) {
        RowState out;
        db.run([&](Poco::Data::Session& s) {
            auto rs = persistence::SqlQuery(
                          s, "SELECT is_deleted, deleted_at, updated_at FROM materials WHERE id = ?")
                          .arg(id)
                          .rows();
            BOOST_REQUIRE_EQUAL(rs.rowCount(), 1u);
            out.deleted = persistence::cellInt(rs, 0, 0) != 0;
            out.deletedAt = persistence::cellOptInt(rs, 1, 0);
            out.updatedAt = persistence::cellInt(rs, 2, 0);
        });
        return out;
    }

    domain::Product shoe, bag;
    ModuleId shoeMain = 0, shoeSku = 0, bagMain = 0;
};

void checkSameMaterial(const Material& actual, const Material& expected) {
    BOOST_TEST(actual.id == expected.id);
    BOOST_TEST(actual.moduleId == expected.moduleId);
    BOOST_TEST(actual.productId == expected.productId);
    BOOST_TEST(actual.filename == expected.filename);
    BOOST_TEST(actual.filesize == expected.filesize);
    BOOST_TEST(actual.mimeType == expected.mimeType);
    BOOST_TEST(actual.width == expected.width);
    BOOST_TEST(actual.height == expected.height);
    BOOST_TEST(actual.order == expected.order);
    BOOST_TEST(actual.storageKey == expected.storageKey);
    BOOST_TEST(actual.sha256 == expected.sha256);
    BOOST_TEST(actual.crc32 == expected.crc32);
    for (const auto& [a, e, name] : {std::tuple{&actual.thumbnail, &expected.thumbnail, "thumbnail"},
                                     std::tuple{&actual.preview, &expected.preview, "preview"}}) {
        BOOST_TEST_CONTEXT(name) {
            BOOST_TEST(a->key == e->key);
            BOOST_TEST(a->size == e->size);
            BOOST_TEST(a->crc32 == e->crc32);
            BOOST_TEST(a->width == e->width);
            BOOST_TEST(a->height == e->height);
        }
    }
    BOOST_TEST(actual.createdBy == expected.createdBy);
    BOOST_TEST(actual.createdAt == expected.createdAt);
    BOOST_TEST(actual.updatedAt == expected.updatedAt);
    BOOST_TEST(actual.deleted == expected.deleted);
    BOOST_TEST(actual.deletedAt.has_value() == expected.deletedAt.has_value());
}

// ---- which rows hold a key (isReferenced / referencedKeys)

enum class Slot { Storage, Thumbnail, Preview };
enum class RowStateKind { Live, DeletedAfter, DeletedAtBoundary, DeletedBefore };

struct ReferenceCase {
    Slot slot;
    RowStateKind state;
    bool referenced;
};
std::ostream& operator<<(std::ostream& os, const ReferenceCase& c) {
    const char* slots[] = {"storage", "thumbnail", "preview"};
    const char* states[] = {"live row", "row deleted after deletedSince", "row deleted at deletedSince",
                            "row deleted before deletedSince"};
    return os << slots[static_cast<int>(c.slot)] << " key of a " << states[static_cast<int>(c.state)]
              << (c.referenced ? ": referenced" : ": free");
}
std::vector<ReferenceCase> referenceCases() {
    std::vector<ReferenceCase> out;
    for (const auto slot : {Slot::Storage, Slot::Thumbnail, Slot::Preview}) {
        out.push_back({slot, RowStateKind::Live, true});
        out.push_back({slot, RowStateKind::DeletedAfter, true});
        out.push_back({slot, RowStateKind::DeletedAtBoundary, true});
        out.push_back({slot, RowStateKind::DeletedBefore, false});
    }
    return out;
}

constexpr domain::Millis kDeletedSince = kT0 + 10'000;

}  // namespace

BOOST_AUTO_TEST_SUITE(material_repository, *boost::unit_test::label("db"))

BOOST_FIXTURE_TEST_CASE(insert_and_find_by_id_read_every_field, WithModules) {
    // Values at the edges of their columns: CRC-32s with the high bit set, sizes past 4 GiB,
    // 255-byte names in Chinese and with 4-byte characters.
    auto big = material(shoeMain, 1'000'000, "big");
    big.filename.clear();
    for (int i = 0; i < 85; ++i) big.filename += "图";  // 255 bytes
    big.filesize = 5 * kGiB + 7;
    big.mimeType = "image/webp";
    big.width = 16384;
    big.height = 6103;
    big.crc32 = 0xCBF43926u;
    big.thumbnail = {keyOf("bigt"), 4 * kGiB, 0xFFFFFFFFu, 320, 122};
    big.preview = {keyOf("bigp"), 4 * kGiB + 1, 0x80000000u, 1600, 596};
    big.createdBy = bob.id;
    big.createdAt = kT0 + 1;
    big.updatedAt = kT0 + 2;

    auto small = material(shoeSku, 0, "small");
    small.filename = std::string(251, 'n') + ".png";  // 255 bytes
    small.filesize = 0;
    small.mimeType = "image/png";
    small.width = 16;
    small.height = 16;
    small.crc32 = 0;
    small.thumbnail = {keyOf("smallt"), 0, 0, 16, 16};
    small.preview = {keyOf("smallp"), 1, 1, 16, 16};

    auto emoji = material(bagMain, 2, "emoji");
    emoji.filename.clear();
    for (int i = 0; i < 62; ++i) emoji.filename += "🙂";
    emoji.filename += ".gif";  // 252 bytes
    emoji.mimeType = "image/gif";
    emoji.crc32 = 0x7FFFFFFFu;

    for (auto* m : {&big, &small, &emoji}) insert(*m);
    BOOST_TEST(big.id > 0);
    BOOST_TEST(small.id > big.id);
    BOOST_TEST(emoji.id > small.id);
    BOOST_TEST(big.filename.size() == 255u);
    BOOST_TEST(small.filename.size() == 255u);
    for (const auto* m : {&big, &small, &emoji}) {
        BOOST_TEST_CONTEXT(m->filename) {
            const auto found = find(m->id);
            BOOST_REQUIRE(found);
            checkSameMaterial(*found, *m);
            BOOST_TEST(!found->deleted);
            BOOST_TEST(!found->deletedAt);
        }
    }
    BOOST_TEST(!find(emoji.id + 1000));
    BOOST_TEST(committedRows("materials") == 3);
}

BOOST_FIXTURE_TEST_CASE(list_by_module_is_live_rows_in_order_then_id, WithModules) {
    // Inserted out of display order, with equal orders (the older id first).
    const auto a = insert(shoeMain, 5, "a");
    const auto b = insert(shoeMain, 1, "b");
    const auto c = insert(shoeMain, 5, "c");
    const auto d = insert(shoeMain, 0, "d");
    const auto gone = insert(shoeMain, 2, "gone");
    const auto e = insert(shoeMain, 1, "e");
    const auto other = insert(shoeSku, 0, "other");
    markDeleted(gone, kT0 + 5);

    BOOST_TEST(listIds(shoeMain) == (Ids{d, b, e, a, c}), boost::test_tools::per_element());
    BOOST_TEST(listIds(shoeSku) == Ids{other}, boost::test_tools::per_element());
    BOOST_TEST(listIds(bagMain).empty());
    BOOST_TEST(listIds(bagMain + 1000).empty());
    store.read([&](Repositories& r) {
        const auto listed = r.materials().listByModule(shoeMain);
        BOOST_REQUIRE_EQUAL(listed.size(), 5u);
        auto expected = material(shoeMain, 0, "d");  // full rows, like findById
        expected.id = d;
        checkSameMaterial(listed[0], expected);
    });
}

BOOST_FIXTURE_TEST_CASE(list_by_modules_groups_each_modules_live_rows_in_display_order, WithModules) {
    const auto s2 = insert(shoeSku, 2, "s2");
    const auto m1 = insert(shoeMain, 1, "m1");
    const auto b1 = insert(bagMain, 1, "b1");
    const auto s1 = insert(shoeSku, 1, "s1");
    const auto m0 = insert(shoeMain, 0, "m0");
    const auto gone = insert(shoeSku, 0, "gone");
    const auto m1b = insert(shoeMain, 1, "m1b");
    markDeleted(gone, kT0 + 1);

    std::vector<Material> listed;
    store.read([&](Repositories& r) {
        listed = r.materials().listByModules({bagMain, shoeSku, shoeMain, 9999});
    });
    // Each module's rows are together and in display order; the modules in any order.
    std::map<ModuleId, Ids> grouped;
    std::vector<ModuleId> runs;
    for (const auto& m : listed) {
        if (runs.empty() || runs.back() != m.moduleId) runs.push_back(m.moduleId);
        grouped[m.moduleId].push_back(m.id);
    }
    BOOST_TEST(runs.size() == 3u);  // no module appears twice
    BOOST_TEST(grouped[shoeMain] == (Ids{m0, m1, m1b}), boost::test_tools::per_element());
    BOOST_TEST(grouped[shoeSku] == (Ids{s1, s2}), boost::test_tools::per_element());
    BOOST_TEST(grouped[bagMain] == Ids{b1}, boost::test_tools::per_element());
    BOOST_TEST(listed.size() == 6u);

    store.read([&](Repositories& r) {
        BOOST_TEST(r.materials().listByModules({}).empty());
        BOOST_TEST(r.materials().listByModules({9999}).empty());
        const auto one = r.materials().listByModules({shoeSku});
        BOOST_REQUIRE_EQUAL(one.size(), 2u);
        BOOST_TEST(one[0].id == s1);
        BOOST_TEST(one[1].filename == "s2.jpg");
    });
}

BOOST_FIXTURE_TEST_CASE(max_order_is_the_highest_live_order_or_zero, WithModules) {
    BOOST_TEST(maxOrder(shoeMain) == 0);
    const auto a = insert(shoeMain, 3, "a");
    BOOST_TEST(maxOrder(shoeMain) == 3);
    const auto top = insert(shoeMain, 1'000'000, "top");
    insert(shoeMain, 7, "b");
    insert(shoeSku, 2'000'000, "elsewhere");
    BOOST_TEST(maxOrder(shoeMain) == 1'000'000);
    markDeleted(top, kT0 + 1);
    BOOST_TEST(maxOrder(shoeMain) == 7);
    BOOST_TEST(maxOrder(bagMain) == 0);
    store.transact([&](Repositories& r) { r.materials().markDeletedByModule(shoeMain, kT0 + 2); });
    BOOST_TEST(maxOrder(shoeMain) == 0);
    BOOST_TEST(maxOrder(shoeSku) == 2'000'000);
    BOOST_TEST(a > 0);
}

BOOST_FIXTURE_TEST_CASE(update_changes_filename_order_and_updated_at_only, WithModules) {
    auto m = material(shoeMain, 1, "m");
    insert(m);
    auto neighbour = material(shoeMain, 2, "n");
    insert(neighbour);

    // Everything else in the value passed is ignored.
    auto changed = material(bagMain, 99, "changed");
    changed.id = m.id;
    changed.filename = "新しい名前.jpg";
    changed.order = 42;
    changed.updatedAt = kT0 + 777;
    changed.createdAt = kT0 + 888;
    changed.createdBy = bob.id;
    store.transact([&](Repositories& r) { r.materials().update(changed); });

    auto expected = m;
    expected.filename = "新しい名前.jpg";
    expected.order = 42;
    expected.updatedAt = kT0 + 777;
    checkSameMaterial(find(m.id).value(), expected);
    checkSameMaterial(find(neighbour.id).value(), neighbour);
    BOOST_TEST(listIds(shoeMain) == (Ids{neighbour.id, m.id}), boost::test_tools::per_element());
    BOOST_TEST(listIds(bagMain).empty());
}

BOOST_FIXTURE_TEST_CASE(mark_deleted_sets_deleted_at_once_and_hides_the_row, WithModules) {
    const auto a = insert(shoeMain, 1, "a");
    const auto b = insert(shoeMain, 2, "b");
    markDeleted(a, kT0 + 100);

    BOOST_TEST(!find(a));
    BOOST_TEST(find(b).has_value());
    BOOST_TEST(listIds(shoeMain) == Ids{b}, boost::test_tools::per_element());
    const auto state = rowState(a);
    BOOST_TEST(state.deleted);
    BOOST_TEST(state.deletedAt.value_or(-1) == kT0 + 100);
    BOOST_TEST(state.updatedAt == kT0 + 100);
    BOOST_TEST(!rowState(b).deleted);
    BOOST_TEST(!rowState(b).deletedAt);

    // Deleting again keeps the first time (the retention period runs from it).
    markDeleted(a, kT0 + 200);
    BOOST_TEST(rowState(a).deletedAt.value_or(-1) == kT0 + 100);
    // Not there: no error.
    markDeleted(b + 1000, kT0 + 300);
    BOOST_TEST(committedRows("materials") == 2);
}

BOOST_FIXTURE_TEST_CASE(mark_deleted_by_module_deletes_that_modules_live_rows, WithModules) {
    const auto a = insert(shoeMain, 1, "a");
    const auto b = insert(shoeMain, 2, "b");
    const auto earlier = insert(shoeMain, 3, "earlier");
    const auto sku = insert(shoeSku, 1, "sku");
    const auto onBag = insert(bagMain, 1, "bag");
    markDeleted(earlier, kT0 + 10);

    store.transact([&](Repositories& r) { r.materials().markDeletedByModule(shoeMain, kT0 + 50); });
    BOOST_TEST(listIds(shoeMain).empty());
    for (const auto id : {a, b}) {
        BOOST_TEST(!find(id));
        BOOST_TEST(rowState(id).deletedAt.value_or(-1) == kT0 + 50);
    }
    BOOST_TEST(rowState(earlier).deletedAt.value_or(-1) == kT0 + 10);
    BOOST_TEST(listIds(shoeSku) == Ids{sku}, boost::test_tools::per_element());
    BOOST_TEST(listIds(bagMain) == Ids{onBag}, boost::test_tools::per_element());
    BOOST_TEST(!rowState(sku).deleted);
}

BOOST_FIXTURE_TEST_CASE(pins_hold_keys_until_unpinned_or_expired, WithModules) {
    const auto k1 = keyOf("pin1");
    const auto k2 = keyOf("pin2");
    std::int64_t p1 = 0, p2 = 0, p3 = 0, p4 = 0;
    store.transact([&](Repositories& r) {
        p1 = r.blobReferences().pin(k1, kT0);
        p2 = r.blobReferences().pin(k1, kT0 + 10);  // the same key by two writers
        p3 = r.blobReferences().pin(k2, kT0 + 20);
        p4 = r.blobReferences().pin(k2, kT0 + 30);
    });
    BOOST_TEST(p1 > 0);
    BOOST_TEST(p2 > p1);
    BOOST_TEST(p3 > p2);
    BOOST_TEST(p4 > p3);
    BOOST_TEST(committedRows("blob_pins") == 4);
    BOOST_TEST(referenced(k1, kT0));
    BOOST_TEST((referencedKeys(kT0) == Keys{k1, k2}));

    // One writer done: the other's pin still holds the key.
    store.transact([&](Repositories& r) { r.blobReferences().unpin(p1); });
    BOOST_TEST(referenced(k1, kT0));
    store.transact([&](Repositories& r) { r.blobReferences().unpin(p2); });
    BOOST_TEST(!referenced(k1, kT0));
    BOOST_TEST((referencedKeys(kT0) == Keys{k2}));
    // Unpinning what is not there is not an error.
    store.transact([&](Repositories& r) { r.blobReferences().unpin(p1); });

    // Pins strictly older than the limit go.
    std::size_t removed = 99;
    store.transact([&](Repositories& r) { removed = r.blobReferences().removePinsBefore(kT0 + 20); });
    BOOST_TEST(removed == 0u);
    store.transact([&](Repositories& r) { removed = r.blobReferences().removePinsBefore(kT0 + 21); });
    BOOST_TEST(removed == 1u);
    BOOST_TEST(referenced(k2, kT0));
    store.transact([&](Repositories& r) { removed = r.blobReferences().removePinsBefore(kT0 + 1000); });
    BOOST_TEST(removed == 1u);
    BOOST_TEST(!referenced(k2, kT0));
    BOOST_TEST(referencedKeys(kT0).empty());
    BOOST_TEST(committedRows("blob_pins") == 0);
}

BOOST_FIXTURE_TEST_CASE(a_pin_in_a_rolled_back_transaction_holds_nothing, WithModules) {
    const auto key = keyOf("rolledback");
    BOOST_CHECK_THROW(store.transact([&](Repositories& r) {
        r.blobReferences().pin(key, kT0);
        throw std::runtime_error("the writer failed");
    }),
                      std::runtime_error);
    BOOST_TEST(!referenced(key, kT0));
    BOOST_TEST(committedRows("blob_pins") == 0);
}

BOOST_DATA_TEST_CASE_F(WithModules, is_referenced_by_each_key_of_a_row_within_retention,
                       bdata::make(referenceCases()), c) {
    auto m = material(shoeMain, 1, "subject");
    insert(m);
    auto bystander = material(shoeSku, 1, "bystander");
    insert(bystander);
    switch (c.state) {
        case RowStateKind::Live:
            break;
        case RowStateKind::DeletedAfter:
            markDeleted(m.id, kDeletedSince + 1);
            break;
        case RowStateKind::DeletedAtBoundary:
            markDeleted(m.id, kDeletedSince);
            break;
        case RowStateKind::DeletedBefore:
            markDeleted(m.id, kDeletedSince - 1);
            break;
    }
    const auto& key = c.slot == Slot::Storage     ? m.storageKey
                      : c.slot == Slot::Thumbnail ? m.thumbnail.key
                                                  : m.preview.key;
    BOOST_TEST(referenced(key, kDeletedSince) == c.referenced);
    BOOST_TEST(referencedKeys(kDeletedSince).count(key) == (c.referenced ? 1u : 0u));
    // The bystander's keys are referenced whatever happens to the subject; unknown keys never.
    BOOST_TEST(referenced(bystander.storageKey, kDeletedSince));
    BOOST_TEST(!referenced(keyOf("nobody"), kDeletedSince));
    // A pin holds the key whatever the row's state.
    std::int64_t pin = 0;
    store.transact([&](Repositories& r) { pin = r.blobReferences().pin(key, kT0); });
    BOOST_TEST(referenced(key, kDeletedSince));
    BOOST_TEST(referencedKeys(kDeletedSince).count(key) == 1u);
    store.transact([&](Repositories& r) { r.blobReferences().unpin(pin); });
    BOOST_TEST(referenced(key, kDeletedSince) == c.referenced);
}

BOOST_FIXTURE_TEST_CASE(referenced_keys_is_the_union_that_is_referenced_answers, WithModules) {
    // Shared keys across rows and slots: a thumbnail that is also another row's file, a file
    // kept alive by a second (live) row, a pin on a key no row has.
    auto live = material(shoeMain, 1, "live");
    auto retained = material(shoeMain, 2, "retained");
    auto expired = material(shoeSku, 1, "expired");
    auto sharesFile = material(bagMain, 1, "shares");
    sharesFile.storageKey = expired.storageKey;
    auto sharesThumbnail = material(bagMain, 2, "sharesthumb");
    sharesThumbnail.thumbnail.key = expired.preview.key;
    auto gone = material(bagMain, 3, "gone");
    gone.preview.key = live.storageKey;  // a deleted row's key that a live row also has
    for (auto* m : {&live, &retained, &expired, &sharesFile, &sharesThumbnail, &gone}) insert(*m);
    markDeleted(retained.id, kDeletedSince + 5);
    markDeleted(expired.id, kDeletedSince - 5);
    markDeleted(gone.id, kDeletedSince - 5);
    markDeleted(sharesThumbnail.id, kDeletedSince - 1);
    const auto pinned = keyOf("pinnedonly");
    store.transact([&](Repositories& r) { r.blobReferences().pin(pinned, kT0); });
    // Deleting the product does not free its materials' blobs: only the rows' state counts.
    store.transact([&](Repositories& r) { r.products().markDeleted(bag.id, kT0 + 1); });

    const Keys expected = {live.storageKey,        live.thumbnail.key,
                           live.preview.key,       retained.storageKey,
                           retained.thumbnail.key, retained.preview.key,
                           sharesFile.storageKey,  sharesFile.thumbnail.key,
                           sharesFile.preview.key, pinned};
    const auto keys = referencedKeys(kDeletedSince);
    BOOST_TEST(keys == expected, boost::test_tools::per_element());
    std::vector<std::string> list;
    store.read([&](Repositories& r) { list = r.blobReferences().referencedKeys(kDeletedSince); });
    BOOST_TEST(list.size() >= expected.size());

    // isReferenced agrees key by key, for the keys of every row.
    Keys all = {pinned, keyOf("nobody")};
    for (const auto* m : {&live, &retained, &expired, &sharesFile, &sharesThumbnail, &gone})
        all.insert({m->storageKey, m->thumbnail.key, m->preview.key});
    for (const auto& key : all) BOOST_TEST_CONTEXT(key) {
            BOOST_TEST(referenced(key, kDeletedSince) == (expected.count(key) == 1));
        }
    BOOST_TEST(!referenced(expired.thumbnail.key, kDeletedSince));
    BOOST_TEST(referenced(expired.storageKey, kDeletedSince));    // through sharesFile
    BOOST_TEST(!referenced(expired.preview.key, kDeletedSince));  // sharesThumbnail expired too

    // An earlier deletedSince keeps more.
    BOOST_TEST(referencedKeys(kT0).size() > expected.size());
    BOOST_TEST(referencedKeys(kDeletedSince + 10).count(retained.storageKey) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
