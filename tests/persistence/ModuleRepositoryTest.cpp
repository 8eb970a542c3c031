#include <boost/test/unit_test.hpp>
#include <optional>
#include <string>
#include <vector>

#include "Fixtures.hpp"

using namespace mofang;
using namespace mofang::test;
using domain::MaterialModule;
using domain::ModuleId;
using domain::Repositories;

namespace {

constexpr domain::Millis kT0 = 1'700'000'000'000;

MaterialModule makeModule(domain::ProductId productId, const std::string& type, const std::string& subType,
                          int order, domain::Millis at = kT0) {
    MaterialModule m;
    m.productId = productId;
    m.type = type;
    m.subType = subType;
    m.order = order;
    m.createdAt = at;
    m.updatedAt = at;
    return m;
}

// WithSeedData plus two products without modules.
struct WithProducts : WithSeedData {
    WithProducts() {
        shoe = makeProduct("Shoe", "SHOE-1", alice.id);
        bag = makeProduct("Bag", "BAG-1", alice.id);
        store.transact([&](Repositories& r) {
            shoe.id = r.products().insert(shoe);
            bag.id = r.products().insert(bag);
        });
    }

    ModuleId insert(MaterialModule& m) {
        store.transact([&](Repositories& r) { m.id = r.modules().insert(m); });
        return m.id;
    }

    std::vector<ModuleId> listIds(domain::ProductId productId) {
        std::vector<ModuleId> out;
        store.read([&](Repositories& r) {
            for (const auto& m : r.modules().listByProduct(productId)) out.push_back(m.id);
        });
        return out;
    }

    bool slotTaken(domain::ProductId productId, const std::string& type, const std::string& subType,
                   ModuleId exceptId = 0) {
        bool taken = false;
        store.read(
            [&](Repositories& r) { taken = r.modules().slotTaken(productId, type, subType, exceptId); });
        return taken;
    }

    domain::Product shoe, bag;
};

void checkConflictOnSubType(const std::optional<domain::DomainError>& e) {
    BOOST_REQUIRE(e);
    BOOST_TEST(e->kind() == domain::ErrorKind::Conflict);
    BOOST_TEST(e->code() == "conflict");
    BOOST_REQUIRE_EQUAL(e->details().size(), 1u);
    BOOST_TEST(e->details()[0].field == "subType");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(module_repository, *boost::unit_test::label("db"))

BOOST_FIXTURE_TEST_CASE(insert_and_find_by_id_read_every_field, WithProducts) {
    auto primary = makeModule(shoe.id, "main", "", 0, kT0 + 1);
    auto sku = makeModule(shoe.id, "sku", "红色 🔴", 1'000'000, kT0 + 2);
    auto detail = makeModule(bag.id, "detail", "side view", 7, kT0 + 3);
    insert(primary);
    insert(sku);
    insert(detail);
    BOOST_TEST(primary.id > 0);
    BOOST_TEST(sku.id > primary.id);
    BOOST_TEST(detail.id > sku.id);
    store.read([&](Repositories& r) {
        for (const auto* m : {&primary, &sku, &detail}) {
            const auto found = r.modules().findById(m->id);
            BOOST_REQUIRE(found);
            checkSameModule(*found, *m);
        }
        BOOST_TEST(!r.modules().findById(detail.id + 1000));
    });
}

BOOST_FIXTURE_TEST_CASE(list_by_product_is_in_order_then_id_and_only_that_products, WithProducts) {
    // Inserted out of display order, with equal orders (then the older id first).
    auto a = makeModule(shoe.id, "detail", "d1", 5);
    auto b = makeModule(shoe.id, "main", "", 1);
    auto c = makeModule(shoe.id, "detail", "d2", 5);
    auto d = makeModule(shoe.id, "sku", "s1", 0);
    auto e = makeModule(shoe.id, "sku", "s2", 1);
    auto other = makeModule(bag.id, "main", "", 0);
    for (auto* m : {&a, &b, &c, &d, &e, &other}) insert(*m);

    BOOST_TEST(listIds(shoe.id) == (std::vector<ModuleId>{d.id, b.id, e.id, a.id, c.id}),
               boost::test_tools::per_element());
    BOOST_TEST(listIds(bag.id) == std::vector<ModuleId>{other.id}, boost::test_tools::per_element());
    BOOST_TEST(listIds(bag.id + 1000).empty());
    store.read([&](Repositories& r) {
        const auto listed = r.modules().listByProduct(shoe.id);
        BOOST_REQUIRE_EQUAL(listed.size(), 5u);
        checkSameModule(listed[0], d);  // full rows, like findById
        checkSameModule(listed[4], c);
    });

    // Reordering moves it.
    a.order = 0;
    a.updatedAt = kT0 + 10;
    store.transact([&](Repositories& r) { r.modules().update(a); });
    BOOST_TEST(listIds(shoe.id) == (std::vector<ModuleId>{a.id, d.id, b.id, e.id, c.id}),
               boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(slot_taken_compares_product_type_and_sub_type_except_one_module, WithProducts) {
    auto plain = makeModule(shoe.id, "main", "", 0);
    auto named = makeModule(shoe.id, "sku", "x", 1);
    insert(plain);
    insert(named);

    BOOST_TEST(slotTaken(shoe.id, "main", ""));
    BOOST_TEST(!slotTaken(shoe.id, "main", "x"));  // "" is a subType of its own, not a wildcard
    BOOST_TEST(slotTaken(shoe.id, "sku", "x"));
    BOOST_TEST(!slotTaken(shoe.id, "sku", ""));
    BOOST_TEST(!slotTaken(shoe.id, "sku", "xy"));
    BOOST_TEST(!slotTaken(shoe.id, "detail", ""));
    BOOST_TEST(!slotTaken(bag.id, "main", ""));  // another product
    BOOST_TEST(!slotTaken(bag.id, "sku", "x"));

    // A module does not collide with itself (an update that keeps its slot), only with others.
    BOOST_TEST(!slotTaken(shoe.id, "main", "", plain.id));
    BOOST_TEST(slotTaken(shoe.id, "main", "", named.id));
    BOOST_TEST(!slotTaken(shoe.id, "sku", "x", named.id));
    BOOST_TEST(slotTaken(shoe.id, "sku", "x", plain.id));
}

BOOST_FIXTURE_TEST_CASE(update_changes_type_sub_type_order_and_frees_the_old_slot, WithProducts) {
    auto m = makeModule(shoe.id, "main", "", 3, kT0);
    auto keep = makeModule(shoe.id, "detail", "back", 4, kT0);
    insert(m);
    insert(keep);

    auto changed = m;
    changed.type = "sku";
    changed.subType = "蓝色 🔵";
    changed.order = 9;
    changed.updatedAt = kT0 + 500;
    store.transact([&](Repositories& r) { r.modules().update(changed); });
    store.read([&](Repositories& r) {
        checkSameModule(r.modules().findById(m.id).value(), changed);
        checkSameModule(r.modules().findById(keep.id).value(), keep);
    });
    BOOST_TEST(!slotTaken(shoe.id, "main", ""));
    BOOST_TEST(slotTaken(shoe.id, "sku", "蓝色 🔵"));
    BOOST_TEST(listIds(shoe.id) == (std::vector<ModuleId>{keep.id, m.id}), boost::test_tools::per_element());

    // The freed slot can be taken again.
    auto again = makeModule(shoe.id, "main", "", 0);
    insert(again);
    BOOST_TEST(slotTaken(shoe.id, "main", ""));
}

BOOST_FIXTURE_TEST_CASE(remove_deletes_only_that_module_and_frees_its_slot, WithProducts) {
    auto a = makeModule(shoe.id, "main", "", 0);
    auto b = makeModule(shoe.id, "sku", "x", 1);
    auto c = makeModule(bag.id, "main", "", 0);
    for (auto* m : {&a, &b, &c}) insert(*m);

    store.transact([&](Repositories& r) { r.modules().remove(a.id); });
    store.read([&](Repositories& r) {
        BOOST_TEST(!r.modules().findById(a.id));
        checkSameModule(r.modules().findById(b.id).value(), b);
        checkSameModule(r.modules().findById(c.id).value(), c);
    });
    BOOST_TEST(listIds(shoe.id) == std::vector<ModuleId>{b.id}, boost::test_tools::per_element());
    BOOST_TEST(!slotTaken(shoe.id, "main", ""));
    BOOST_TEST(slotTaken(bag.id, "main", ""));
    BOOST_TEST(committedRows("material_modules") == 2);

    auto again = makeModule(shoe.id, "main", "", 0);
    insert(again);
    BOOST_TEST(again.id != a.id);
    BOOST_TEST(listIds(shoe.id) == (std::vector<ModuleId>{again.id, b.id}), boost::test_tools::per_element());

    // Removing what is not there is not an error.
    store.transact([&](Repositories& r) { r.modules().remove(a.id); });
    BOOST_TEST(committedRows("material_modules") == 3);
}

BOOST_FIXTURE_TEST_CASE(duplicate_slot_is_a_conflict_on_sub_type_not_a_driver_error, WithProducts) {
    auto plain = makeModule(shoe.id, "main", "", 0);
    auto named = makeModule(shoe.id, "sku", "x", 1);
    insert(plain);
    insert(named);

    for (const auto& dup : {makeModule(shoe.id, "main", "", 5), makeModule(shoe.id, "sku", "x", 0)}) {
        BOOST_TEST_CONTEXT(dup.type << "/" << dup.subType) {
            checkConflictOnSubType(
                catchDomainError([&] { store.transact([&](Repositories& r) { r.modules().insert(dup); }); }));
            // Also outside a transaction; the failed session goes back to the pool usable.
            checkConflictOnSubType(
                catchDomainError([&] { store.read([&](Repositories& r) { r.modules().insert(dup); }); }));
        }
    }
    BOOST_TEST(db.sessionsInUse() == 0);
    BOOST_TEST(committedRows("material_modules") == 2);

    // An update into an occupied slot.
    auto moved = named;
    moved.type = "main";
    moved.subType = "";
    checkConflictOnSubType(
        catchDomainError([&] { store.transact([&](Repositories& r) { r.modules().update(moved); }); }));
    store.read([&](Repositories& r) { checkSameModule(r.modules().findById(named.id).value(), named); });

    // The earlier writes of the transaction are rolled back with it.
    checkConflictOnSubType(catchDomainError([&] {
        store.transact([&](Repositories& r) {
            r.modules().insert(makeModule(shoe.id, "detail", "", 2));
            r.modules().insert(makeModule(shoe.id, "main", "", 3));
        });
    }));
    BOOST_TEST(committedRows("material_modules") == 2);
    BOOST_TEST(!slotTaken(shoe.id, "detail", ""));

    // Neighbouring slots are free: another subType, another type, another product.
    auto x = makeModule(shoe.id, "main", "x", 0);
    auto sku = makeModule(shoe.id, "sku", "", 0);
    auto onBag = makeModule(bag.id, "main", "", 0);
    for (auto* m : {&x, &sku, &onBag}) insert(*m);
    BOOST_TEST(committedRows("material_modules") == 5);
}

BOOST_AUTO_TEST_SUITE_END()
