#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "Fakes.hpp"
#include "Support.hpp"
#include "domain/SelectionService.hpp"

namespace bdata = boost::unit_test::data;
using namespace mofang::domain;
using mofang::test::FakeClock;
using mofang::test::FakeStore;
using mofang::test::fieldsOf;
using mofang::test::thrownBy;

namespace {

using Strings = std::vector<std::string>;
using Ids = std::vector<SelectionId>;
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

AuditContext auditBy(UserId actor) {
    return AuditContext{actor, "203.0.113.9", "catalogue-ui", std::nullopt};
}

std::string id(std::int64_t n) {
    return std::to_string(n);
}

// A request body with every id given (as the API's decimal strings).
SelectionInput input(std::int64_t productId, const Items& items) {
    SelectionInput in;
    in.productId = id(productId);
    in.items.emplace();
    for (const auto& item : items) in.items->push_back({id(item.moduleId), id(item.materialId)});
    return in;
}

Items itemsOf(const Selection& s) {
    Items out;
    for (const auto& item : s.items) out.push_back({item.moduleId, item.materialId});
    return out;
}

Ids idsOf(const std::vector<Selection>& list) {
    Ids out;
    for (const auto& s : list) out.push_back(s.id);
    return out;
}

// Users: `owner` and `other` are plain viewers, `reader` a viewer granted selection.read_all.
// Catalogue, put straight into the fake's state: product `shoe` (modules `shoeMain` with
// materials a1, a2, a3 and the deleted `aGone`; `shoeSku` with b1), product `bag` (module
// `bagMain` with c1) and the deleted product `old` (module `oldMain` with d1).
struct World {
    FakeStore store;
    FakeClock clock;
    SelectionService selections{store, clock};
    UserId ownerId = store.addUser("owner", "pw");
    UserId otherId = store.addUser("other", "pw");
    UserId readerId = store.addUser("reader", "pw", Role::Viewer, UserStatus::Active,
                                    {std::string(perm::kSelectionReadAll)});
    Principal owner{ownerId, Role::Viewer, {}};
    Principal other{otherId, Role::Viewer, {}};
    Principal reader{readerId, Role::Viewer, {std::string(perm::kSelectionReadAll)}};

    ProductId shoe = addProduct("SHOE-1");
    ProductId bag = addProduct("BAG-1");
    ProductId old = addProduct("OLD-1", true);
    ModuleId shoeMain = addModule(shoe, "main", 0);
    ModuleId shoeSku = addModule(shoe, "sku", 1);
    ModuleId bagMain = addModule(bag, "main", 0);
    ModuleId oldMain = addModule(old, "main", 0);
    MaterialId a1 = addMaterial(shoeMain, 1);
    MaterialId a2 = addMaterial(shoeMain, 2);
    MaterialId a3 = addMaterial(shoeMain, 3);
    MaterialId aGone = addMaterial(shoeMain, 4, true);
    MaterialId b1 = addMaterial(shoeSku, 1);
    MaterialId c1 = addMaterial(bagMain, 1);
    MaterialId d1 = addMaterial(oldMain, 1);

    ProductId addProduct(const std::string& spu, bool deleted = false) {
        Product p;
        p.id = store.state.nextProductId++;
        p.name = "Product " + spu;
        p.spuCode = spu;
        p.gender = "unisex";
        p.ageRange = "adult";
        p.createdAt = p.updatedAt = clock.t;
        p.deleted = deleted;
        store.state.products[p.id] = p;
        return p.id;
    }
    ModuleId addModule(ProductId productId, const std::string& type, int order) {
        MaterialModule m;
        m.id = store.state.nextModuleId++;
        m.productId = productId;
        m.type = type;
        m.order = order;
        m.createdAt = m.updatedAt = clock.t;
        store.state.modules[m.id] = m;
        return m.id;
    }
    MaterialId addMaterial(ModuleId moduleId, int order, bool deleted = false) {
        Material m;
        m.id = store.state.nextMaterialId++;
        m.moduleId = moduleId;
        m.productId = store.state.modules.at(moduleId).productId;
        m.filename = "m" + std::to_string(m.id) + ".jpg";
        m.order = order;
        m.createdAt = m.updatedAt = clock.t;
        m.deleted = deleted;
        if (deleted) m.deletedAt = clock.t;
        store.state.materials[m.id] = m;
        return m.id;
    }

    Selection createAs(const Principal& who, ProductId productId, const Items& items) {
        return selections.create(who, input(productId, items), auditBy(who.id()));
    }
};

// Everything selection-related the store holds, for "nothing changed" checks.
std::string snapshot(const FakeStore& store) {
    std::string out;
    for (const auto& [sid, s] : store.state.selections) out += selectionJson(s) + "\n";
    out += "logs " + std::to_string(store.state.logs.size()) + " next " +
           std::to_string(store.state.nextSelectionId);
    return out;
}

void checkNotFound(const DomainError& e) {
    BOOST_TEST(e.kind() == ErrorKind::NotFound);
    BOOST_TEST(e.code() == "not_found");
    BOOST_TEST(e.details().empty());
}

void checkForbidden(const DomainError& e) {
    BOOST_TEST(e.kind() == ErrorKind::Forbidden);
    BOOST_TEST(e.code() == "forbidden");
}

void checkValidation(const DomainError& e, const Strings& fields) {
    BOOST_TEST(e.kind() == ErrorKind::Validation);
    BOOST_TEST(e.code() == "validation_failed");
    BOOST_TEST(fieldsOf(e) == fields, boost::test_tools::per_element());
}

// ---- the validation table (create and update share it)

struct InvalidCase {
    const char* name;
    std::function<SelectionInput(const World&)> build;
    Strings fields;
};
std::ostream& operator<<(std::ostream& os, const InvalidCase& c) {
    return os << c.name;
}

SelectionInput withProductText(std::optional<std::string> productId, const World& w) {
    auto in = input(w.shoe, {{w.shoeMain, w.a1}});
    in.productId = std::move(productId);
    return in;
}

SelectionInput withItemText(std::optional<std::string> moduleId, std::optional<std::string> materialId,
                            const World& w) {
    auto in = input(w.shoe, {{w.shoeMain, w.a1}});
    in.items->push_back({std::move(moduleId), std::move(materialId)});
    return in;
}

std::vector<InvalidCase> invalidCases() {
    return {
        {"productId missing", [](const World& w) { return withProductText(std::nullopt, w); }, {"productId"}},
        {"productId not a number", [](const World& w) { return withProductText("shoe", w); }, {"productId"}},
        {"productId empty", [](const World& w) { return withProductText("", w); }, {"productId"}},
        {"productId zero", [](const World& w) { return withProductText("0", w); }, {"productId"}},
        {"productId negative", [](const World& w) { return withProductText("-1", w); }, {"productId"}},
        {"productId with a space", [](const World& w) { return withProductText(" 1", w); }, {"productId"}},
        {"productId beyond int64",
         [](const World& w) { return withProductText("9223372036854775808", w); },
         {"productId"}},
        {"productId unknown", [](const World& w) { return withProductText("999", w); }, {"productId"}},
        {"productId of a deleted product",
         [](const World& w) { return withProductText(id(w.old), w); },
         {"productId"}},
        {"productId and selections missing",
         [](const World&) { return SelectionInput{}; },
         {"productId", "selections"}},
        {"selections missing",
         [](const World& w) {
             SelectionInput in;
             in.productId = id(w.shoe);
             return in;
         },
         {"selections"}},
        {"selections empty", [](const World& w) { return input(w.shoe, {}); }, {"selections"}},
        {"moduleId missing",
         [](const World& w) { return withItemText(std::nullopt, id(w.a2), w); },
         {"selections[1].moduleId"}},
        {"moduleId not a number",
         [](const World& w) { return withItemText("main", id(w.a2), w); },
         {"selections[1].moduleId"}},
        {"moduleId unknown",
         [](const World& w) { return withItemText("999", id(w.a2), w); },
         {"selections[1].moduleId"}},
        {"module of another product",
         [](const World& w) { return withItemText(id(w.bagMain), id(w.c1), w); },
         {"selections[1].moduleId"}},
        {"module of a deleted product",
         [](const World& w) { return withItemText(id(w.oldMain), id(w.d1), w); },
         {"selections[1].moduleId"}},
        {"materialId missing",
         [](const World& w) { return withItemText(id(w.shoeMain), std::nullopt, w); },
         {"selections[1].materialId"}},
        {"materialId not a number",
         [](const World& w) { return withItemText(id(w.shoeMain), "a2", w); },
         {"selections[1].materialId"}},
        {"materialId unknown",
         [](const World& w) { return withItemText(id(w.shoeMain), "999", w); },
         {"selections[1].materialId"}},
        {"deleted material",
         [](const World& w) { return withItemText(id(w.shoeMain), id(w.aGone), w); },
         {"selections[1].materialId"}},
        {"material of another module of the product",
         [](const World& w) { return withItemText(id(w.shoeMain), id(w.b1), w); },
         {"selections[1].materialId"}},
        {"material of another product",
         [](const World& w) { return withItemText(id(w.shoeMain), id(w.c1), w); },
         {"selections[1].materialId"}},
        {"material selected twice",
         [](const World& w) { return withItemText(id(w.shoeMain), id(w.a1), w); },
         {"selections[1].materialId"}},
        {"every bad item named by its index",
         [](const World& w) {
             SelectionInput in = input(w.shoe, {{w.shoeMain, w.a1},
                                                {w.bagMain, w.c1},
                                                {w.shoeMain, w.a2},
                                                {w.shoeMain, w.b1},
                                                {w.shoeSku, w.b1},
                                                {w.shoeMain, w.a2},
                                                {w.shoeMain, w.aGone}});
             in.items->push_back({"x", "y"});
             in.items->push_back({id(w.shoeMain), std::nullopt});
             return in;
         },
         {"selections[1].moduleId", "selections[3].materialId", "selections[5].materialId",
          "selections[6].materialId", "selections[7].moduleId", "selections[8].materialId"}},
        {"more than the maximum of items",
         [](const World& w) {
             SelectionInput in = input(w.shoe, {});
             in.items->assign(kMaxSelectionItems + 1, SelectionItemInput{id(w.shoeMain), id(w.a1)});
             return in;
         },
         {"selections"}},
    };
}

}  // namespace

// ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(selection_service_create)

BOOST_AUTO_TEST_CASE(stores_the_items_in_the_given_order_for_the_caller) {
    World w;
    const Items items = {{w.shoeSku, w.b1}, {w.shoeMain, w.a3}, {w.shoeMain, w.a1}};
    const Selection s = w.createAs(w.owner, w.shoe, items);
    BOOST_TEST(s.id == 1);
    BOOST_TEST(s.userId == w.ownerId);
    BOOST_TEST(s.productId == w.shoe);
    BOOST_TEST(itemsOf(s) == items, boost::test_tools::per_element());
    BOOST_TEST(s.createdAt == w.clock.t);
    BOOST_TEST(s.updatedAt == w.clock.t);
    BOOST_REQUIRE_EQUAL(w.store.state.selections.count(s.id), 1u);
    BOOST_TEST(selectionJson(w.store.state.selections.at(s.id)) == selectionJson(s));
    BOOST_TEST(w.store.transactions == 1);
}

BOOST_AUTO_TEST_CASE(accepts_ids_with_leading_zeros_and_several_items_of_one_module) {
    World w;
    SelectionInput in = input(w.shoe, {});
    in.productId = "0" + id(w.shoe);
    in.items->push_back({"00" + id(w.shoeMain), id(w.a2)});
    in.items->push_back({id(w.shoeMain), "0" + id(w.a1)});
    const Selection s = w.selections.create(w.owner, in, auditBy(w.ownerId));
    BOOST_TEST(s.productId == w.shoe);
    BOOST_TEST(itemsOf(s) == (Items{{w.shoeMain, w.a2}, {w.shoeMain, w.a1}}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(writes_one_selection_create_entry_with_the_selection_after) {
    World w;
    const Selection s = w.createAs(w.owner, w.shoe, {{w.shoeMain, w.a1}});
    BOOST_REQUIRE_EQUAL(w.store.state.logs.size(), 1u);
    const auto& log = w.store.state.logs[0];
    BOOST_TEST(log.action == "selection.create");
    BOOST_TEST(log.targetType == "selection");
    BOOST_TEST(log.targetId == id(s.id));
    BOOST_TEST(log.userId.value_or(0) == w.ownerId);
    BOOST_TEST(log.timestamp == w.clock.t);
    BOOST_TEST(log.detailsJson == R"({"after":)" + selectionJson(s) + "}");  // no "before"
}

BOOST_DATA_TEST_CASE(rejects_invalid_input_naming_each_field, bdata::make(invalidCases()), c) {
    World w;
    const std::string before = snapshot(w.store);
    const auto e = thrownBy([&] { w.selections.create(w.owner, c.build(w), auditBy(w.ownerId)); });
    checkValidation(e, c.fields);
    BOOST_TEST(snapshot(w.store) == before);
}

BOOST_AUTO_TEST_CASE(every_role_holds_selection_write_so_a_viewer_without_grants_may_create) {
    // SPEC §3: selection.write is a default of every role and grants only add, so no principal
    // lacks it; the lowest one must be let through.
    World w;
    const Principal bare{w.otherId, Role::Viewer, {}};
    BOOST_TEST(bare.has(perm::kSelectionWrite));
    BOOST_CHECK_NO_THROW(w.createAs(bare, w.shoe, {{w.shoeMain, w.a1}}));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(selection_service_ownership)

BOOST_AUTO_TEST_CASE(the_owner_reads_its_selection) {
    World w;
    const Selection s = w.createAs(w.owner, w.shoe, {{w.shoeMain, w.a2}, {w.shoeMain, w.a1}});
    const Selection got = w.selections.get(w.owner, s.id);
    BOOST_TEST(selectionJson(got) == selectionJson(s));
}

BOOST_AUTO_TEST_CASE(an_unknown_id_is_not_found) {
    World w;
    checkNotFound(thrownBy([&] { w.selections.get(w.owner, 42); }));
    checkNotFound(thrownBy([&] {
        w.selections.update(w.owner, 42, input(w.shoe, {{w.shoeMain, w.a1}}), auditBy(w.ownerId));
    }));
    checkNotFound(thrownBy([&] { w.selections.remove(w.owner, 42, auditBy(w.ownerId)); }));
    BOOST_TEST(w.store.state.logs.empty());
}

BOOST_AUTO_TEST_CASE(another_users_selection_does_not_exist_without_read_all) {
    World w;
    const Selection s = w.createAs(w.owner, w.shoe, {{w.shoeMain, w.a1}});
    const std::string before = snapshot(w.store);
    checkNotFound(thrownBy([&] { w.selections.get(w.other, s.id); }));
    checkNotFound(thrownBy([&] {
        w.selections.update(w.other, s.id, input(w.bag, {{w.bagMain, w.c1}}), auditBy(w.otherId));
    }));
    checkNotFound(thrownBy([&] { w.selections.remove(w.other, s.id, auditBy(w.otherId)); }));
    BOOST_TEST(snapshot(w.store) == before);
}

BOOST_AUTO_TEST_CASE(read_all_reads_anothers_selection_but_may_not_change_it) {
    World w;
    const Selection s = w.createAs(w.owner, w.shoe, {{w.shoeMain, w.a1}});
    const std::string before = snapshot(w.store);
    BOOST_TEST(selectionJson(w.selections.get(w.reader, s.id)) == selectionJson(s));
    checkForbidden(thrownBy([&] {
        w.selections.update(w.reader, s.id, input(w.bag, {{w.bagMain, w.c1}}), auditBy(w.readerId));
    }));
    checkForbidden(thrownBy([&] { w.selections.remove(w.reader, s.id, auditBy(w.readerId)); }));
    BOOST_TEST(snapshot(w.store) == before);
}

BOOST_AUTO_TEST_CASE(an_admin_reads_anothers_selection_but_may_not_change_it) {
    World w;
    const UserId adminId = w.store.addUser("admin", "pw", Role::Admin);
    const Principal admin{adminId, Role::Admin, {}};
    const Selection s = w.createAs(w.owner, w.shoe, {{w.shoeMain, w.a1}});
    BOOST_TEST(w.selections.get(admin, s.id).userId == w.ownerId);
    checkForbidden(thrownBy([&] { w.selections.remove(admin, s.id, auditBy(adminId)); }));
    BOOST_TEST(w.store.state.selections.count(s.id) == 1u);
}

BOOST_AUTO_TEST_CASE(read_all_changes_its_own_selections) {
    World w;
    const Selection s = w.createAs(w.reader, w.shoe, {{w.shoeMain, w.a1}});
    BOOST_CHECK_NO_THROW(
        w.selections.update(w.reader, s.id, input(w.shoe, {{w.shoeMain, w.a2}}), auditBy(w.readerId)));
    BOOST_CHECK_NO_THROW(w.selections.remove(w.reader, s.id, auditBy(w.readerId)));
    BOOST_TEST(w.store.state.selections.empty());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(selection_service_list)

// owner: selections 1, 3, 5; other: 2, 4; reader: 6.
struct Listed : World {
    Listed() {
        for (const auto* who : {&owner, &other, &owner, &other, &owner, &reader}) {
            createAs(*who, shoe, {{shoeMain, a1}});
            clock.advance(1000);
        }
    }
};

BOOST_AUTO_TEST_CASE(a_user_lists_only_its_own_newest_first) {
    Listed w;
    BOOST_TEST(idsOf(w.selections.list(w.owner, {})) == (Ids{5, 3, 1}), boost::test_tools::per_element());
    BOOST_TEST(idsOf(w.selections.list(w.other, {})) == (Ids{4, 2}), boost::test_tools::per_element());
    BOOST_TEST(idsOf(w.selections.list(w.owner, {w.ownerId, std::nullopt, 20})) == (Ids{5, 3, 1}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(listed_selections_carry_their_items) {
    Listed w;
    w.selections.update(w.owner, 5, input(w.shoe, {{w.shoeSku, w.b1}, {w.shoeMain, w.a3}}),
                        auditBy(w.ownerId));
    const auto list = w.selections.list(w.owner, {std::nullopt, std::nullopt, 1});
    BOOST_REQUIRE_EQUAL(list.size(), 1u);
    BOOST_TEST(itemsOf(list[0]) == (Items{{w.shoeSku, w.b1}, {w.shoeMain, w.a3}}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(pages_by_before_id_and_limit) {
    Listed w;
    BOOST_TEST(idsOf(w.selections.list(w.owner, {std::nullopt, std::nullopt, 2})) == (Ids{5, 3}),
               boost::test_tools::per_element());
    BOOST_TEST(idsOf(w.selections.list(w.owner, {std::nullopt, 3, 2})) == (Ids{1}),
               boost::test_tools::per_element());
    BOOST_TEST(w.selections.list(w.owner, {std::nullopt, 1, 2}).empty());
}

BOOST_AUTO_TEST_CASE(another_users_list_without_read_all_is_forbidden) {
    Listed w;
    checkForbidden(thrownBy([&] { w.selections.list(w.owner, {w.otherId, std::nullopt, 20}); }));
    checkForbidden(thrownBy([&] { w.selections.list(w.other, {w.readerId, std::nullopt, 20}); }));
}

BOOST_AUTO_TEST_CASE(read_all_lists_anyones_or_everyones) {
    Listed w;
    BOOST_TEST(idsOf(w.selections.list(w.reader, {w.otherId, std::nullopt, 20})) == (Ids{4, 2}),
               boost::test_tools::per_element());
    BOOST_TEST(idsOf(w.selections.list(w.reader, {w.ownerId, 5, 20})) == (Ids{3, 1}),
               boost::test_tools::per_element());
    BOOST_TEST(idsOf(w.selections.list(w.reader, {})) == (Ids{6, 5, 4, 3, 2, 1}),
               boost::test_tools::per_element());
    BOOST_TEST(idsOf(w.selections.list(w.reader, {std::nullopt, 5, 2})) == (Ids{4, 3}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(selection_service_update)

BOOST_AUTO_TEST_CASE(replaces_the_items_and_the_product_keeping_id_owner_and_created_at) {
    World w;
    const Selection s = w.createAs(w.owner, w.shoe, {{w.shoeMain, w.a1}, {w.shoeSku, w.b1}});
    w.clock.advance(60'000);
    const Selection next =
        w.selections.update(w.owner, s.id, input(w.bag, {{w.bagMain, w.c1}}), auditBy(w.ownerId));
    BOOST_TEST(next.id == s.id);
    BOOST_TEST(next.userId == w.ownerId);
    BOOST_TEST(next.productId == w.bag);
    BOOST_TEST(itemsOf(next) == (Items{{w.bagMain, w.c1}}), boost::test_tools::per_element());
    BOOST_TEST(next.createdAt == s.createdAt);
    BOOST_TEST(next.updatedAt == w.clock.t);
    BOOST_TEST(selectionJson(w.store.state.selections.at(s.id)) == selectionJson(next));
    BOOST_TEST(w.store.state.selections.size() == 1u);
}

BOOST_AUTO_TEST_CASE(within_the_same_product_replaces_the_whole_item_list) {
    World w;
    const Selection s = w.createAs(w.owner, w.shoe, {{w.shoeMain, w.a1}, {w.shoeMain, w.a2}});
    const Items items = {{w.shoeMain, w.a3}, {w.shoeMain, w.a1}};
    const Selection next = w.selections.update(w.owner, s.id, input(w.shoe, items), auditBy(w.ownerId));
    BOOST_TEST(itemsOf(next) == items, boost::test_tools::per_element());
    BOOST_TEST(itemsOf(w.store.state.selections.at(s.id)) == items, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(writes_selection_update_with_before_and_after) {
    World w;
    const Selection s = w.createAs(w.owner, w.shoe, {{w.shoeMain, w.a1}});
    w.clock.advance(5000);
    const Selection next =
        w.selections.update(w.owner, s.id, input(w.shoe, {{w.shoeSku, w.b1}}), auditBy(w.ownerId));
    BOOST_REQUIRE_EQUAL(w.store.state.logs.size(), 2u);
    const auto& log = w.store.state.logs[1];
    BOOST_TEST(log.action == "selection.update");
    BOOST_TEST(log.targetType == "selection");
    BOOST_TEST(log.targetId == id(s.id));
    BOOST_TEST(log.userId.value_or(0) == w.ownerId);
    BOOST_TEST(log.timestamp == w.clock.t);
    BOOST_TEST(log.detailsJson ==
               R"({"before":)" + selectionJson(s) + R"(,"after":)" + selectionJson(next) + "}");
}

BOOST_DATA_TEST_CASE(rejects_invalid_input_and_changes_nothing, bdata::make(invalidCases()), c) {
    World w;
    const Selection s = w.createAs(w.owner, w.shoe, {{w.shoeMain, w.a1}});
    const std::string before = snapshot(w.store);
    w.clock.advance(1000);
    const auto e = thrownBy([&] { w.selections.update(w.owner, s.id, c.build(w), auditBy(w.ownerId)); });
    checkValidation(e, c.fields);
    BOOST_TEST(snapshot(w.store) == before);
}

BOOST_AUTO_TEST_CASE(a_deleted_material_stays_in_the_selection_until_the_next_write) {
    // Validation is against the catalogue at write time: a material deleted since does not
    // break the stored selection, but a PUT that still names it is a 422.
    World w;
    const Selection s = w.createAs(w.owner, w.shoe, {{w.shoeMain, w.a1}, {w.shoeMain, w.a2}});
    w.store.state.materials.at(w.a2).deleted = true;
    BOOST_TEST(itemsOf(w.selections.get(w.owner, s.id)) == itemsOf(s), boost::test_tools::per_element());
    const auto e = thrownBy([&] {
        w.selections.update(w.owner, s.id, input(w.shoe, {{w.shoeMain, w.a1}, {w.shoeMain, w.a2}}),
                            auditBy(w.ownerId));
    });
    checkValidation(e, {"selections[1].materialId"});
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(selection_service_remove)

BOOST_AUTO_TEST_CASE(removes_the_selection_and_writes_selection_delete_with_before) {
    World w;
    const Selection keep = w.createAs(w.owner, w.shoe, {{w.shoeMain, w.a2}});
    const Selection s = w.createAs(w.owner, w.shoe, {{w.shoeMain, w.a1}});
    w.clock.advance(7000);
    w.selections.remove(w.owner, s.id, auditBy(w.ownerId));
    BOOST_TEST(w.store.state.selections.count(s.id) == 0u);
    BOOST_TEST(w.store.state.selections.count(keep.id) == 1u);
    checkNotFound(thrownBy([&] { w.selections.get(w.owner, s.id); }));
    BOOST_REQUIRE_EQUAL(w.store.state.logs.size(), 3u);
    const auto& log = w.store.state.logs[2];
    BOOST_TEST(log.action == "selection.delete");
    BOOST_TEST(log.targetType == "selection");
    BOOST_TEST(log.targetId == id(s.id));
    BOOST_TEST(log.userId.value_or(0) == w.ownerId);
    BOOST_TEST(log.timestamp == w.clock.t);
    BOOST_TEST(log.detailsJson == R"({"before":)" + selectionJson(s) + "}");  // no "after"
}

BOOST_AUTO_TEST_CASE(a_second_delete_is_not_found) {
    World w;
    const Selection s = w.createAs(w.owner, w.shoe, {{w.shoeMain, w.a1}});
    w.selections.remove(w.owner, s.id, auditBy(w.ownerId));
    checkNotFound(thrownBy([&] { w.selections.remove(w.owner, s.id, auditBy(w.ownerId)); }));
    BOOST_TEST(w.store.actions() == (Strings{"selection.create", "selection.delete"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(selection_service_audit_failure)

BOOST_AUTO_TEST_CASE(a_failing_log_write_rolls_each_change_back) {
    World w;
    const Selection s = w.createAs(w.owner, w.shoe, {{w.shoeMain, w.a1}});
    const std::string before = snapshot(w.store);
    w.store.failLogAppends = true;
    BOOST_TEST(thrownBy([&] {
                   w.createAs(w.owner, w.shoe, {{w.shoeMain, w.a2}});
               }).kind() == ErrorKind::Unavailable);
    BOOST_TEST(thrownBy([&] {
                   w.selections.update(w.owner, s.id, input(w.bag, {{w.bagMain, w.c1}}), auditBy(w.ownerId));
               }).kind() == ErrorKind::Unavailable);
    BOOST_TEST(thrownBy([&] { w.selections.remove(w.owner, s.id, auditBy(w.ownerId)); }).kind() ==
               ErrorKind::Unavailable);
    BOOST_TEST(snapshot(w.store) == before);
    BOOST_TEST(w.store.rollbacks == 3);
}

BOOST_AUTO_TEST_SUITE_END()
