#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "Fakes.hpp"
#include "Support.hpp"
#include "domain/ProductService.hpp"

namespace bdata = boost::unit_test::data;
using namespace mofang::domain;
using mofang::test::FakeClock;
using mofang::test::FakeStore;
using mofang::test::fieldsOf;
using mofang::test::thrownBy;

namespace {

using Strings = std::vector<std::string>;

AuditContext auditBy(UserId actor) {
    return AuditContext{actor, "203.0.113.9", "catalogue-ui", std::nullopt};
}

ProductInput productInput(const std::string& spuCode, const std::string& name = "Summer Dress") {
    ProductInput in;
    in.name = name;
    in.spuCode = spuCode;
    in.gender = "female";
    in.ageRange = "adult";
    in.scenarios = Strings{"daily", "beach"};
    in.styles = Strings{"casual"};
    in.threeDDesigner = "Zhang San";
    return in;
}

ModuleInput moduleInput(const std::string& type, std::optional<std::string> subType = std::nullopt,
                        std::optional<std::int64_t> order = std::nullopt) {
    return ModuleInput{type, std::move(subType), order};
}

// A store with an admin (id 1), an uploader (id 2) and a viewer (id 3).
struct World {
    FakeStore store;
    FakeClock clock;
    ProductService products{store, clock};
    UserId adminId = store.addUser("admin", "pw", Role::Admin);
    UserId uploaderId = store.addUser("uploader", "pw", Role::Uploader);
    UserId viewerId = store.addUser("viewer", "pw", Role::Viewer);
    Principal admin{adminId, Role::Admin, {}};
    Principal uploader{uploaderId, Role::Uploader, {}};
    Principal viewer{viewerId, Role::Viewer, {}};
};

// Everything product-related the store holds, for "nothing changed" checks.
std::string snapshot(const FakeStore& store) {
    std::string out;
    for (const auto& [id, p] : store.state.products)
        out += productJson(p) + (p.deleted ? " deleted" : "") + "\n";
    for (const auto& [id, m] : store.state.modules) out += moduleJson(m) + "\n";
    out += "logs " + std::to_string(store.state.logs.size()) + " next " +
           std::to_string(store.state.nextProductId) + "/" + std::to_string(store.state.nextModuleId);
    return out;
}

void checkConflict(const DomainError& e, const Strings& fields) {
    BOOST_TEST(e.kind() == ErrorKind::Conflict);
    BOOST_TEST(e.code() == "conflict");
    BOOST_TEST(fieldsOf(e) == fields, boost::test_tools::per_element());
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

// ---- permissions: which role may do what (SPEC §3)

struct PermissionCase {
    std::string operation;
    Role role;
    bool allowed;
};
std::ostream& operator<<(std::ostream& os, const PermissionCase& c) {
    return os << c.operation << " as " << toString(c.role) << (c.allowed ? " allowed" : " forbidden");
}

// Runs `operation` on product 1 / module 1 of `w`.
void run(World& w, const std::string& operation, const Principal& who) {
    auto& s = w.products;
    const auto audit = auditBy(who.id());
    if (operation == "get")
        s.get(who, 1);
    else if (operation == "getBySpu")
        s.getBySpu(who, "SPU-001");
    else if (operation == "create")
        s.create(who, productInput("SPU-NEW"), audit);
    else if (operation == "update")
        s.update(who, 1, productInput("SPU-001", "Renamed"), audit);
    else if (operation == "remove")
        s.remove(who, 1, audit);
    else if (operation == "modules")
        s.modules(who, 1);
    else if (operation == "module")
        s.module(who, 1);
    else if (operation == "createModule")
        s.createModule(who, 1, moduleInput("sku", "blue"), audit);
    else if (operation == "updateModule")
        s.updateModule(who, 1, moduleInput("detail"), audit);
    else if (operation == "removeModule")
        s.removeModule(who, 1, audit);
    else
        throw std::logic_error("unknown operation " + operation);
}

std::vector<PermissionCase> permissionCases() {
    struct Op {
        std::string name;
        bool viewer, uploader, admin;
    };
    const std::vector<Op> ops = {
        {"get", true, true, true},           {"getBySpu", true, true, true},
        {"modules", true, true, true},       {"module", true, true, true},
        {"create", false, true, true},       {"update", false, true, true},
        {"createModule", false, true, true}, {"updateModule", false, true, true},
        {"removeModule", false, true, true}, {"remove", false, false, true},  // product.delete is admin-only
    };
    std::vector<PermissionCase> out;
    for (const auto& op : ops) {
        out.push_back({op.name, Role::Viewer, op.viewer});
        out.push_back({op.name, Role::Uploader, op.uploader});
        out.push_back({op.name, Role::Admin, op.admin});
    }
    return out;
}

// ---- duplicate SPU codes

struct SpuCase {
    std::string spuCode;
    bool taken;
};
std::ostream& operator<<(std::ostream& os, const SpuCase& c) {
    return os << c.spuCode << (c.taken ? " taken" : " free");
}
// Against the existing SPU-001 (live) and OLD-9 (soft-deleted).
const std::vector<SpuCase> kSpuCodes = {
    {"SPU-001", true}, {"spu-001", true},  {"Spu-001", true},   {"OLD-9", true},
    {"old-9", true},   {"SPU-002", false}, {"SPU-0010", false}, {"SPU-01", false},
};

// ---- a failing log write rolls the change back

struct RollbackCase {
    std::string operation;
};
std::ostream& operator<<(std::ostream& os, const RollbackCase& c) {
    return os << c.operation;
}
const std::vector<RollbackCase> kRollbacks = {
    {"create"}, {"update"}, {"remove"}, {"createModule"}, {"updateModule"}, {"removeModule"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(product_service_permissions)

BOOST_DATA_TEST_CASE(role_table, bdata::make(permissionCases()), c) {
    World w;
    w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    w.products.createModule(w.admin, 1, moduleInput("main"), auditBy(w.adminId));
    const std::string before = snapshot(w.store);
    const Principal who = c.role == Role::Admin ? w.admin : c.role == Role::Uploader ? w.uploader : w.viewer;
    if (c.allowed) {
        BOOST_CHECK_NO_THROW(run(w, c.operation, who));
        return;
    }
    checkForbidden(thrownBy([&] { run(w, c.operation, who); }));
    BOOST_TEST(snapshot(w.store) == before);
}

BOOST_AUTO_TEST_CASE(a_grant_adds_to_the_role) {
    World w;
    w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    const Principal granted(w.viewerId, Role::Viewer, {"product.write"});
    BOOST_CHECK_NO_THROW(w.products.create(granted, productInput("SPU-002"), auditBy(w.viewerId)));
    checkForbidden(thrownBy([&] { w.products.remove(granted, 1, auditBy(w.viewerId)); }));
    const Principal deleter(w.uploaderId, Role::Uploader, {"product.delete"});
    BOOST_CHECK_NO_THROW(w.products.remove(deleter, 1, auditBy(w.uploaderId)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(product_service_create)

BOOST_AUTO_TEST_CASE(stores_the_product_and_logs_it) {
    World w;
    const Product created =
        w.products.create(w.uploader, productInput("SPU-001", "  Summer Dress "), auditBy(w.uploaderId));

    BOOST_TEST(created.id == 1);
    BOOST_TEST(created.name == "Summer Dress");
    BOOST_TEST(created.spuCode == "SPU-001");
    BOOST_TEST(created.createdBy == w.uploaderId);
    BOOST_TEST(created.createdAt == w.clock.t);
    BOOST_TEST(created.updatedAt == w.clock.t);
    BOOST_TEST(!created.deleted);
    BOOST_TEST_REQUIRE(w.store.state.products.count(1) == 1u);
    BOOST_TEST(productJson(w.store.state.products.at(1)) == productJson(created));

    BOOST_TEST_REQUIRE(w.store.state.logs.size() == 1u);
    const auto& log = w.store.state.logs.front();
    BOOST_TEST(log.action == "product.create");
    BOOST_TEST(log.targetType == "product");
    BOOST_TEST(log.targetId == "1");
    BOOST_TEST_REQUIRE(log.userId.has_value());
    BOOST_TEST(*log.userId == w.uploaderId);
    BOOST_TEST(log.timestamp == w.clock.t);
    BOOST_TEST(log.detailsJson == R"({"after":)" + productJson(created) + "}");  // no "before"
    BOOST_TEST(w.store.transactions == 1);
}

BOOST_AUTO_TEST_CASE(the_audit_reason_is_logged) {
    World w;
    AuditContext audit = auditBy(w.adminId);
    audit.reason = "new season";
    const Product created = w.products.create(w.admin, productInput("SPU-001"), audit);
    BOOST_TEST_REQUIRE(w.store.state.logs.size() == 1u);
    BOOST_TEST(w.store.state.logs.front().detailsJson ==
               R"({"after":)" + productJson(created) + R"(,"reason":"new season"})");
}

BOOST_AUTO_TEST_CASE(invalid_input_stores_nothing) {
    World w;
    ProductInput in = productInput("-bad");
    in.gender = "other";
    const auto e = thrownBy([&] { w.products.create(w.admin, in, auditBy(w.adminId)); });
    BOOST_TEST(e.kind() == ErrorKind::Validation);
    BOOST_TEST(fieldsOf(e) == (Strings{"spuCode", "gender"}), boost::test_tools::per_element());
    BOOST_TEST(w.store.state.products.empty());
    BOOST_TEST(w.store.state.logs.empty());
}

BOOST_DATA_TEST_CASE(spu_code_is_unique_case_insensitively_also_against_deleted_products,
                     bdata::make(kSpuCodes), c) {
    World w;
    w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    w.products.create(w.admin, productInput("OLD-9"), auditBy(w.adminId));
    w.products.remove(w.admin, 2, auditBy(w.adminId));
    const std::string before = snapshot(w.store);
    if (!c.taken) {
        const Product p = w.products.create(w.admin, productInput(c.spuCode), auditBy(w.adminId));
        BOOST_TEST(p.spuCode == c.spuCode);
        return;
    }
    checkConflict(thrownBy([&] { w.products.create(w.admin, productInput(c.spuCode), auditBy(w.adminId)); }),
                  {"spuCode"});
    BOOST_TEST(snapshot(w.store) == before);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(product_service_read)

BOOST_AUTO_TEST_CASE(get_and_get_by_spu) {
    World w;
    const Product created = w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    BOOST_TEST(productJson(w.products.get(w.viewer, 1)) == productJson(created));
    BOOST_TEST(productJson(w.products.getBySpu(w.viewer, "SPU-001")) == productJson(created));
    BOOST_TEST(productJson(w.products.getBySpu(w.viewer, "spu-001")) == productJson(created));
    checkNotFound(thrownBy([&] { w.products.get(w.viewer, 2); }));
    checkNotFound(thrownBy([&] { w.products.getBySpu(w.viewer, "SPU-002"); }));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(product_service_update)

BOOST_AUTO_TEST_CASE(changes_only_the_given_fields_and_logs_before_and_after) {
    World w;
    const Product created = w.products.create(w.uploader, productInput("SPU-001"), auditBy(w.uploaderId));
    w.clock.advance(5000);
    ProductInput patch;
    patch.name = " Winter Coat ";
    patch.styles = Strings{"warm", "formal"};

    const Product updated = w.products.update(w.admin, 1, patch, auditBy(w.adminId));

    Product expected = created;
    expected.name = "Winter Coat";
    expected.styles = {"warm", "formal"};
    expected.updatedAt = w.clock.t;
    BOOST_TEST(productJson(updated) == productJson(expected));
    BOOST_TEST(updated.createdBy == w.uploaderId);  // not the updater
    BOOST_TEST(updated.createdAt == created.createdAt);
    BOOST_TEST(productJson(w.store.state.products.at(1)) == productJson(expected));

    BOOST_TEST_REQUIRE(w.store.state.logs.size() == 2u);
    const auto& log = w.store.state.logs.back();
    BOOST_TEST(log.action == "product.update");
    BOOST_TEST(log.targetType == "product");
    BOOST_TEST(log.targetId == "1");
    BOOST_TEST_REQUIRE(log.userId.has_value());
    BOOST_TEST(*log.userId == w.adminId);
    BOOST_TEST(log.timestamp == w.clock.t);
    BOOST_TEST(log.detailsJson ==
               R"({"before":)" + productJson(created) + R"(,"after":)" + productJson(updated) + "}");
}

BOOST_AUTO_TEST_CASE(an_empty_patch_only_touches_updated_at) {
    World w;
    const Product created = w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    w.clock.advance(1);
    const Product updated = w.products.update(w.admin, 1, ProductInput{}, auditBy(w.adminId));
    Product expected = created;
    expected.updatedAt = w.clock.t;
    BOOST_TEST(productJson(updated) == productJson(expected));
}

BOOST_AUTO_TEST_CASE(an_invalid_field_changes_nothing) {
    World w;
    w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    const std::string before = snapshot(w.store);
    ProductInput patch;
    patch.name = "Fine";
    patch.scenarios = Strings{};
    const auto e = thrownBy([&] { w.products.update(w.admin, 1, patch, auditBy(w.adminId)); });
    BOOST_TEST(e.kind() == ErrorKind::Validation);
    BOOST_TEST(fieldsOf(e) == Strings{"scenarios"}, boost::test_tools::per_element());
    BOOST_TEST(snapshot(w.store) == before);
}

BOOST_AUTO_TEST_CASE(spu_code_change_to_a_taken_one_is_a_conflict) {
    World w;
    w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    w.products.create(w.admin, productInput("SPU-002"), auditBy(w.adminId));
    w.products.create(w.admin, productInput("OLD-9"), auditBy(w.adminId));
    w.products.remove(w.admin, 3, auditBy(w.adminId));
    const std::string before = snapshot(w.store);
    for (const char* taken : {"SPU-002", "spu-002", "old-9"}) {
        ProductInput patch;
        patch.spuCode = taken;
        checkConflict(thrownBy([&] { w.products.update(w.admin, 1, patch, auditBy(w.adminId)); }),
                      {"spuCode"});
    }
    BOOST_TEST(snapshot(w.store) == before);
}

BOOST_AUTO_TEST_CASE(spu_code_change_to_its_own_code_in_another_case_is_allowed) {
    World w;
    w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    w.products.create(w.admin, productInput("SPU-002"), auditBy(w.adminId));
    ProductInput patch;
    patch.spuCode = "spu-001";
    BOOST_TEST(w.products.update(w.admin, 1, patch, auditBy(w.adminId)).spuCode == "spu-001");
    BOOST_TEST(w.store.state.products.at(1).spuCode == "spu-001");
    patch.spuCode = "spu-001";  // unchanged: still fine
    BOOST_CHECK_NO_THROW(w.products.update(w.admin, 1, patch, auditBy(w.adminId)));
    patch.spuCode = "SPU-003";  // a free one
    BOOST_TEST(w.products.update(w.admin, 1, patch, auditBy(w.adminId)).spuCode == "SPU-003");
    // The old code is free again once nobody holds it.
    BOOST_CHECK_NO_THROW(w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId)));
}

BOOST_AUTO_TEST_CASE(update_of_a_missing_or_deleted_product_is_not_found) {
    World w;
    w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    w.products.remove(w.admin, 1, auditBy(w.adminId));
    const std::string before = snapshot(w.store);
    ProductInput patch;
    patch.name = "Revived";
    checkNotFound(thrownBy([&] { w.products.update(w.admin, 1, patch, auditBy(w.adminId)); }));
    checkNotFound(thrownBy([&] { w.products.update(w.admin, 99, patch, auditBy(w.adminId)); }));
    BOOST_TEST(snapshot(w.store) == before);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(product_service_remove)

BOOST_AUTO_TEST_CASE(soft_deletes_logs_and_hides_the_product) {
    World w;
    const Product created = w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    w.clock.advance(2000);

    w.products.remove(w.admin, 1, auditBy(w.adminId));

    BOOST_TEST_REQUIRE(w.store.state.products.count(1) == 1u);  // soft: the row stays
    BOOST_TEST(w.store.state.products.at(1).deleted);
    checkNotFound(thrownBy([&] { w.products.get(w.viewer, 1); }));
    checkNotFound(thrownBy([&] { w.products.getBySpu(w.viewer, "SPU-001"); }));
    checkNotFound(thrownBy([&] { w.products.modules(w.viewer, 1); }));

    BOOST_TEST_REQUIRE(w.store.state.logs.size() == 2u);
    const auto& log = w.store.state.logs.back();
    BOOST_TEST(log.action == "product.delete");
    BOOST_TEST(log.targetType == "product");
    BOOST_TEST(log.targetId == "1");
    BOOST_TEST(log.timestamp == w.clock.t);
    BOOST_TEST(log.detailsJson == R"({"before":)" + productJson(created) + "}");  // no "after"
}

BOOST_AUTO_TEST_CASE(remove_twice_or_a_missing_product_is_not_found) {
    World w;
    w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    w.products.remove(w.admin, 1, auditBy(w.adminId));
    const std::string before = snapshot(w.store);
    checkNotFound(thrownBy([&] { w.products.remove(w.admin, 1, auditBy(w.adminId)); }));
    checkNotFound(thrownBy([&] { w.products.remove(w.admin, 42, auditBy(w.adminId)); }));
    BOOST_TEST(snapshot(w.store) == before);
    BOOST_TEST(w.store.actions() == (Strings{"product.create", "product.delete"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(product_service_modules)

BOOST_AUTO_TEST_CASE(create_stores_the_module_and_logs_it) {
    World w;
    w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    w.clock.advance(10);

    const MaterialModule m =
        w.products.createModule(w.uploader, 1, moduleInput("sku", "  red ", 3), auditBy(w.uploaderId));

    BOOST_TEST(m.id == 1);
    BOOST_TEST(m.productId == 1);
    BOOST_TEST(m.type == "sku");
    BOOST_TEST(m.subType == "red");
    BOOST_TEST(m.order == 3);
    BOOST_TEST(m.createdAt == w.clock.t);
    BOOST_TEST(m.updatedAt == w.clock.t);
    BOOST_TEST(moduleJson(w.store.state.modules.at(1)) == moduleJson(m));
    BOOST_TEST(moduleJson(w.products.module(w.viewer, 1)) == moduleJson(m));

    BOOST_TEST_REQUIRE(w.store.state.logs.size() == 2u);
    const auto& log = w.store.state.logs.back();
    BOOST_TEST(log.action == "module.create");
    BOOST_TEST(log.targetType == "module");
    BOOST_TEST(log.targetId == "1");
    BOOST_TEST_REQUIRE(log.userId.has_value());
    BOOST_TEST(*log.userId == w.uploaderId);
    BOOST_TEST(log.detailsJson == R"({"after":)" + moduleJson(m) + "}");
}

BOOST_AUTO_TEST_CASE(create_needs_a_live_product) {
    World w;
    w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    w.products.remove(w.admin, 1, auditBy(w.adminId));
    const std::string before = snapshot(w.store);
    checkNotFound(
        thrownBy([&] { w.products.createModule(w.admin, 1, moduleInput("main"), auditBy(w.adminId)); }));
    checkNotFound(
        thrownBy([&] { w.products.createModule(w.admin, 77, moduleInput("main"), auditBy(w.adminId)); }));
    BOOST_TEST(snapshot(w.store) == before);
}

BOOST_AUTO_TEST_CASE(create_validates_the_input) {
    World w;
    w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    const auto e = thrownBy([&] {
        w.products.createModule(w.admin, 1, ModuleInput{std::nullopt, std::nullopt, 2000000},
                                auditBy(w.adminId));
    });
    BOOST_TEST(e.kind() == ErrorKind::Validation);
    BOOST_TEST(fieldsOf(e) == (Strings{"type", "order"}), boost::test_tools::per_element());
    BOOST_TEST(w.store.state.modules.empty());
}

BOOST_AUTO_TEST_CASE(type_and_sub_type_are_unique_per_product) {
    World w;
    w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    w.products.create(w.admin, productInput("SPU-002"), auditBy(w.adminId));
    w.products.createModule(w.admin, 1, moduleInput("sku", "red"), auditBy(w.adminId));
    w.products.createModule(w.admin, 1, moduleInput("main"), auditBy(w.adminId));
    const std::string before = snapshot(w.store);

    checkConflict(
        thrownBy([&] { w.products.createModule(w.admin, 1, moduleInput("sku", "red"), auditBy(w.adminId)); }),
        {"subType"});
    checkConflict(thrownBy([&] {
                      w.products.createModule(w.admin, 1, moduleInput("sku", " red "), auditBy(w.adminId));
                  }),
                  {"subType"});
    checkConflict(
        thrownBy([&] { w.products.createModule(w.admin, 1, moduleInput("main"), auditBy(w.adminId)); }),
        {"subType"});
    checkConflict(
        thrownBy([&] { w.products.createModule(w.admin, 1, moduleInput("main", ""), auditBy(w.adminId)); }),
        {"subType"});
    BOOST_TEST(snapshot(w.store) == before);

    // Another type, another subType or another product is a free slot.
    BOOST_CHECK_NO_THROW(
        w.products.createModule(w.admin, 1, moduleInput("detail", "red"), auditBy(w.adminId)));
    BOOST_CHECK_NO_THROW(w.products.createModule(w.admin, 1, moduleInput("sku", "Red"), auditBy(w.adminId)));
    BOOST_CHECK_NO_THROW(w.products.createModule(w.admin, 2, moduleInput("sku", "red"), auditBy(w.adminId)));
    BOOST_TEST(w.store.state.modules.size() == 5u);
}

BOOST_AUTO_TEST_CASE(update_changes_only_the_given_fields_and_logs_before_and_after) {
    World w;
    w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    const MaterialModule created =
        w.products.createModule(w.admin, 1, moduleInput("sku", "red", 1), auditBy(w.adminId));
    w.clock.advance(100);

    const MaterialModule updated = w.products.updateModule(
        w.uploader, 1, ModuleInput{std::nullopt, std::nullopt, 7}, auditBy(w.uploaderId));

    MaterialModule expected = created;
    expected.order = 7;
    expected.updatedAt = w.clock.t;
    BOOST_TEST(moduleJson(updated) == moduleJson(expected));
    BOOST_TEST(moduleJson(w.store.state.modules.at(1)) == moduleJson(expected));
    BOOST_TEST_REQUIRE(w.store.state.logs.size() == 3u);
    const auto& log = w.store.state.logs.back();
    BOOST_TEST(log.action == "module.update");
    BOOST_TEST(log.targetType == "module");
    BOOST_TEST(log.targetId == "1");
    BOOST_TEST(log.detailsJson ==
               R"({"before":)" + moduleJson(created) + R"(,"after":)" + moduleJson(updated) + "}");
}

BOOST_AUTO_TEST_CASE(update_to_a_taken_slot_is_a_conflict) {
    World w;
    w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    w.products.createModule(w.admin, 1, moduleInput("sku", "red"), auditBy(w.adminId));   // 1
    w.products.createModule(w.admin, 1, moduleInput("sku", "blue"), auditBy(w.adminId));  // 2
    w.products.createModule(w.admin, 1, moduleInput("detail"), auditBy(w.adminId));       // 3
    const std::string before = snapshot(w.store);

    checkConflict(
        thrownBy([&] { w.products.updateModule(w.admin, 2, moduleInput("sku", "red"), auditBy(w.adminId)); }),
        {"subType"});
    checkConflict(thrownBy([&] {
                      w.products.updateModule(w.admin, 2, ModuleInput{std::nullopt, " red", std::nullopt},
                                              auditBy(w.adminId));
                  }),
                  {"subType"});
    checkConflict(thrownBy([&] {
                      w.products.updateModule(w.admin, 3, moduleInput("sku", "blue"), auditBy(w.adminId));
                  }),
                  {"subType"});
    BOOST_TEST(snapshot(w.store) == before);

    // Its own slot is not taken; a free one is fine.
    BOOST_CHECK_NO_THROW(
        w.products.updateModule(w.admin, 1, moduleInput("sku", "red", 4), auditBy(w.adminId)));
    BOOST_TEST(w.products.updateModule(w.admin, 2, moduleInput("main", "blue"), auditBy(w.adminId)).type ==
               "main");
}

BOOST_AUTO_TEST_CASE(a_module_of_a_deleted_product_is_not_found) {
    World w;
    w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    w.products.createModule(w.admin, 1, moduleInput("main"), auditBy(w.adminId));
    w.products.remove(w.admin, 1, auditBy(w.adminId));
    const std::string before = snapshot(w.store);

    checkNotFound(thrownBy([&] { w.products.module(w.viewer, 1); }));
    checkNotFound(thrownBy([&] { w.products.modules(w.viewer, 1); }));
    checkNotFound(
        thrownBy([&] { w.products.updateModule(w.admin, 1, moduleInput("sku"), auditBy(w.adminId)); }));
    checkNotFound(thrownBy([&] { w.products.removeModule(w.admin, 1, auditBy(w.adminId)); }));
    BOOST_TEST(snapshot(w.store) == before);
}

BOOST_AUTO_TEST_CASE(a_missing_module_is_not_found) {
    World w;
    w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    checkNotFound(thrownBy([&] { w.products.module(w.viewer, 5); }));
    checkNotFound(
        thrownBy([&] { w.products.updateModule(w.admin, 5, moduleInput("sku"), auditBy(w.adminId)); }));
    checkNotFound(thrownBy([&] { w.products.removeModule(w.admin, 5, auditBy(w.adminId)); }));
}

BOOST_AUTO_TEST_CASE(modules_are_listed_in_display_order) {
    World w;
    w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    w.products.create(w.admin, productInput("SPU-002"), auditBy(w.adminId));
    w.products.createModule(w.admin, 1, moduleInput("detail", std::nullopt, 5), auditBy(w.adminId));  // 1
    w.products.createModule(w.admin, 1, moduleInput("main", std::nullopt, 0), auditBy(w.adminId));    // 2
    w.products.createModule(w.admin, 2, moduleInput("main"), auditBy(w.adminId));                     // 3
    w.products.createModule(w.admin, 1, moduleInput("sku", "a", 5), auditBy(w.adminId));              // 4
    std::vector<ModuleId> ids;
    for (const auto& m : w.products.modules(w.viewer, 1)) ids.push_back(m.id);
    BOOST_TEST(ids == (std::vector<ModuleId>{2, 1, 4}), boost::test_tools::per_element());
    BOOST_TEST(w.products.modules(w.viewer, 2).size() == 1u);
}

BOOST_AUTO_TEST_CASE(remove_module_logs_module_delete) {
    World w;
    w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    const MaterialModule m =
        w.products.createModule(w.admin, 1, moduleInput("sku", "red"), auditBy(w.adminId));
    w.clock.advance(3);

    w.products.removeModule(w.uploader, 1, auditBy(w.uploaderId));

    BOOST_TEST(w.store.state.modules.empty());
    checkNotFound(thrownBy([&] { w.products.module(w.viewer, 1); }));
    BOOST_TEST_REQUIRE(w.store.state.logs.size() == 3u);
    const auto& log = w.store.state.logs.back();
    BOOST_TEST(log.action == "module.delete");
    BOOST_TEST(log.targetType == "module");
    BOOST_TEST(log.targetId == "1");
    BOOST_TEST(log.timestamp == w.clock.t);
    BOOST_TEST_REQUIRE(log.userId.has_value());
    BOOST_TEST(*log.userId == w.uploaderId);
    BOOST_TEST(log.detailsJson == R"({"before":)" + moduleJson(m) + "}");

    checkNotFound(thrownBy([&] { w.products.removeModule(w.uploader, 1, auditBy(w.uploaderId)); }));
    BOOST_TEST(w.store.state.logs.size() == 3u);
    // The slot is free again.
    BOOST_CHECK_NO_THROW(w.products.createModule(w.admin, 1, moduleInput("sku", "red"), auditBy(w.adminId)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(product_service_audit_failure)

BOOST_DATA_TEST_CASE(a_failing_log_write_rolls_the_change_back, bdata::make(kRollbacks), c) {
    World w;
    w.products.create(w.admin, productInput("SPU-001"), auditBy(w.adminId));
    w.products.createModule(w.admin, 1, moduleInput("main"), auditBy(w.adminId));
    const std::string before = snapshot(w.store);
    const int rollbacks = w.store.rollbacks;
    w.clock.advance(1000);
    w.store.failLogAppends = true;

    const auto e = thrownBy([&] { run(w, c.operation, w.admin); });

    BOOST_TEST(e.kind() == ErrorKind::Unavailable);
    BOOST_TEST(e.code() == "unavailable");
    BOOST_TEST(w.store.rollbacks == rollbacks + 1);
    BOOST_TEST(snapshot(w.store) == before);

    // Once the log is back the same change goes through.
    w.store.failLogAppends = false;
    BOOST_CHECK_NO_THROW(run(w, c.operation, w.admin));
    BOOST_TEST(w.store.state.logs.size() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- pages and facets kept per catalogue version
//
// The caller passes the catalogue version its session check read. These tests change the fake
// store's rows behind the service's back (as another process would, had the version not moved)
// to see whether an answer came from the store or from what the service kept.

namespace {

// A world with two female products (1, 2: "casual") and a male one (3: "sport").
struct CatalogueWorld : World {
    CatalogueWorld() {
        products.create(admin, productInput("SPU-001", "First Dress"), auditBy(adminId));
        products.create(admin, productInput("SPU-002", "Second Dress"), auditBy(adminId));
        ProductInput male = productInput("SPU-003", "Track Jacket");
        male.gender = "male";
        male.styles = Strings{"sport"};
        products.create(admin, male, auditBy(adminId));
    }

    int listReads() const { return store.state.productListReads; }
    int facetReads() const { return store.state.productFacetReads; }
    // A change that the service does not see (no version passed to it moves).
    void renameBehindTheService(ProductId id, const std::string& name) {
        store.state.products.at(id).name = name;
    }
};

ProductQuery femaleQuery() {
    ProductQuery q;
    q.filter.gender = "female";
    q.limit = 21;
    return q;
}

Strings namesOf(const std::vector<Product>& page) {
    Strings out;
    for (const auto& p : page) out.push_back(p.name);
    return out;
}

std::int64_t countOf(const ProductFacets& f, const std::string& kind, const std::string& value) {
    const auto k = f.counts.find(kind);
    if (k == f.counts.end()) return 0;
    const auto v = k->second.find(value);
    return v == k->second.end() ? 0 : v->second;
}

void checkValidationOf(const DomainError& e, const Strings& fields) {
    BOOST_TEST(e.kind() == ErrorKind::Validation);
    BOOST_TEST(e.code() == "validation_failed");
    BOOST_TEST(fieldsOf(e) == fields, boost::test_tools::per_element());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(product_service_cache)

BOOST_AUTO_TEST_CASE(list_at_the_same_version_answers_the_kept_page) {
    CatalogueWorld w;
    const auto first = w.products.list(w.viewer, femaleQuery(), 7);
    BOOST_TEST(namesOf(first) == (Strings{"First Dress", "Second Dress"}), boost::test_tools::per_element());
    BOOST_TEST(w.listReads() == 1);

    w.renameBehindTheService(1, "Renamed Dress");
    const auto second = w.products.list(w.viewer, femaleQuery(), 7);
    BOOST_TEST(w.listReads() == 1, "the second call at version 7 read the store");
    BOOST_TEST(namesOf(second) == namesOf(first), boost::test_tools::per_element());

    // Any principal with product.read shares the page: it does not depend on who asks.
    BOOST_TEST(namesOf(w.products.list(w.admin, femaleQuery(), 7)) == namesOf(first),
               boost::test_tools::per_element());
    BOOST_TEST(w.listReads() == 1);
}

BOOST_AUTO_TEST_CASE(list_at_a_new_version_reads_the_store_again) {
    CatalogueWorld w;
    w.products.list(w.viewer, femaleQuery(), 7);
    w.renameBehindTheService(1, "Renamed Dress");

    const auto fresh = w.products.list(w.viewer, femaleQuery(), 8);
    BOOST_TEST(w.listReads() == 2);
    BOOST_TEST(namesOf(fresh) == (Strings{"Renamed Dress", "Second Dress"}),
               boost::test_tools::per_element());
    // ... and keeps that one for version 8.
    w.renameBehindTheService(2, "Renamed Twice");
    BOOST_TEST(namesOf(w.products.list(w.viewer, femaleQuery(), 8)) == namesOf(fresh),
               boost::test_tools::per_element());
    BOOST_TEST(w.listReads() == 2);

    // A caller that read an older version (its session check ran before the change) must not
    // get the page once kept for that version back: it was dropped when version 8 came.
    const auto older = w.products.list(w.viewer, femaleQuery(), 7);
    BOOST_TEST(w.listReads() == 3);
    BOOST_TEST(namesOf(older) == (Strings{"Renamed Dress", "Renamed Twice"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(list_without_a_version_always_reads_and_leaves_the_kept_pages_alone) {
    CatalogueWorld w;
    w.products.list(w.viewer, femaleQuery(), 8);
    BOOST_TEST(w.listReads() == 1);
    w.renameBehindTheService(1, "Renamed Dress");
    for (int i = 0; i < 3; ++i) {
        const auto page = w.products.list(w.viewer, femaleQuery());
        BOOST_TEST(namesOf(page) == (Strings{"Renamed Dress", "Second Dress"}),
                   boost::test_tools::per_element());
        BOOST_TEST(w.listReads() == 2 + i);
    }
    BOOST_TEST(namesOf(w.products.list(w.viewer, femaleQuery(), std::nullopt)).front() == "Renamed Dress");
    BOOST_TEST(w.listReads() == 5);
    // Those calls neither replaced nor dropped the page kept for version 8.
    BOOST_TEST(namesOf(w.products.list(w.viewer, femaleQuery(), 8)).front() == "First Dress");
    BOOST_TEST(w.listReads() == 5);
}

BOOST_AUTO_TEST_CASE(list_keeps_each_query_apart) {
    CatalogueWorld w;
    w.products.list(w.viewer, femaleQuery(), 7);
    ProductQuery male;
    male.filter.gender = "male";
    BOOST_TEST(namesOf(w.products.list(w.viewer, male, 7)) == Strings{"Track Jacket"},
               boost::test_tools::per_element());
    ProductQuery one = femaleQuery();
    one.limit = 1;
    BOOST_TEST(w.products.list(w.viewer, one, 7).size() == 1u);
    ProductQuery byName = femaleQuery();
    byName.sort = ProductSort::NameAsc;
    w.products.list(w.viewer, byName, 7);
    ProductQuery after = femaleQuery();
    after.after = ProductCursor{ProductSort::CreatedDesc, 0, "", 1};
    w.products.list(w.viewer, after, 7);
    BOOST_TEST(w.listReads() == 5, "each different query reads the store once");

    // The same filter spelled differently (style values reordered, repeated) is the same page.
    ProductQuery styles = femaleQuery();
    styles.filter.styles = {"sport", "casual"};
    w.products.list(w.viewer, styles, 7);
    BOOST_TEST(w.listReads() == 6);
    styles.filter.styles = {"casual", "sport", "casual"};
    w.products.list(w.viewer, styles, 7);
    BOOST_TEST(w.listReads() == 6);
}

BOOST_AUTO_TEST_CASE(a_kept_page_is_a_copy) {
    CatalogueWorld w;
    auto page = w.products.list(w.viewer, femaleQuery(), 7);
    BOOST_TEST_REQUIRE(!page.empty());
    page.front().name = "scribbled on by the caller";
    page.pop_back();
    const auto again = w.products.list(w.viewer, femaleQuery(), 7);
    BOOST_TEST(namesOf(again) == (Strings{"First Dress", "Second Dress"}), boost::test_tools::per_element());
    BOOST_TEST(w.listReads() == 1);
}

BOOST_AUTO_TEST_CASE(facets_at_the_same_version_answer_the_kept_counts) {
    CatalogueWorld w;
    ProductFilter all;
    const auto first = w.products.facets(w.viewer, all, 7);
    BOOST_TEST(countOf(first, "gender", "female") == 2);
    BOOST_TEST(countOf(first, "gender", "male") == 1);
    BOOST_TEST(w.facetReads() == 1);

    w.store.state.products.at(3).gender = "female";  // behind the service's back
    const auto kept = w.products.facets(w.viewer, all, 7);
    BOOST_TEST(w.facetReads() == 1);
    BOOST_TEST(countOf(kept, "gender", "female") == 2);

    const auto fresh = w.products.facets(w.viewer, all, 8);
    BOOST_TEST(w.facetReads() == 2);
    BOOST_TEST(countOf(fresh, "gender", "female") == 3);
    BOOST_TEST(countOf(fresh, "gender", "male") == 0);

    // Without a version: always the store.
    w.store.state.products.at(1).deleted = true;
    BOOST_TEST(countOf(w.products.facets(w.viewer, all), "gender", "female") == 2);
    BOOST_TEST(countOf(w.products.facets(w.viewer, all), "gender", "female") == 2);
    BOOST_TEST(w.facetReads() == 4);
    // ... while version 8 still answers what was kept for it.
    BOOST_TEST(countOf(w.products.facets(w.viewer, all, 8), "gender", "female") == 3);
    BOOST_TEST(w.facetReads() == 4);
}

BOOST_AUTO_TEST_CASE(facets_keep_each_filter_apart_and_pages_and_facets_do_not_mix) {
    CatalogueWorld w;
    ProductFilter casual;
    casual.styles = {"casual"};
    ProductFilter sport;
    sport.styles = {"sport"};
    BOOST_TEST(countOf(w.products.facets(w.viewer, casual, 7), "gender", "female") == 2);
    BOOST_TEST(countOf(w.products.facets(w.viewer, sport, 7), "gender", "female") == 0);
    BOOST_TEST(countOf(w.products.facets(w.viewer, sport, 7), "gender", "male") == 1);
    BOOST_TEST(w.facetReads() == 2);

    // A list with the same filter at the same version is not answered from the facets, and
    // the other way round.
    ProductQuery q;
    q.filter = casual;
    w.products.list(w.viewer, q, 7);
    BOOST_TEST(w.listReads() == 1);
    BOOST_TEST(w.facetReads() == 2);
}

BOOST_AUTO_TEST_CASE(validation_still_applies_to_a_query_whose_page_is_kept) {
    CatalogueWorld w;
    ProductQuery casual = femaleQuery();
    casual.filter.styles = {"casual"};
    w.products.list(w.viewer, casual, 7);
    w.products.facets(w.viewer, casual.filter, 7);

    // 21 style values are refused even though, repeated, they are the one value of the kept
    // page's key.
    ProductQuery repeated = casual;
    repeated.filter.styles = Strings(21, "casual");
    checkValidationOf(thrownBy([&] { w.products.list(w.viewer, repeated, 7); }), {"style"});
    checkValidationOf(thrownBy([&] { w.products.facets(w.viewer, repeated.filter, 7); }), {"style"});

    ProductQuery badGender = femaleQuery();
    badGender.filter.gender = "other";
    checkValidationOf(thrownBy([&] { w.products.list(w.viewer, badGender, 7); }), {"gender"});
    checkValidationOf(thrownBy([&] { w.products.facets(w.viewer, badGender.filter, 7); }), {"gender"});
    BOOST_TEST(w.listReads() == 1);
    BOOST_TEST(w.facetReads() == 1);
}

BOOST_AUTO_TEST_SUITE_END()
