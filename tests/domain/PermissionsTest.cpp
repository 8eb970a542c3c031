#include <algorithm>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "Support.hpp"
#include "domain/Permissions.hpp"

namespace bdata = boost::unit_test::data;
using namespace mofang::domain;
using mofang::test::thrownBy;

namespace {

// SPEC §3, row by row, spelled as the users see the strings (not through perm::k...).
struct MatrixRow {
    const char* permission;
    bool viewer;
    bool uploader;
    bool admin;
};
const MatrixRow kSpecMatrix[] = {
    {"product.read", true, true, true},     {"selection.write", true, true, true},
    {"download.preview", true, true, true}, {"download.package", true, true, true},
    {"model.generate", false, true, true},  {"product.write", false, true, true},
    {"product.delete", false, false, true}, {"user.manage", false, false, true},
    {"log.read", false, false, true},       {"selection.read_all", false, false, true},
    {"model.read_all", false, false, true}, {"download.read_all", false, false, true},
};

struct MatrixCase {
    Role role;
    std::string permission;
    bool expected;
};
std::ostream& operator<<(std::ostream& os, const MatrixCase& c) {
    return os << toString(c.role) << " " << c.permission << " -> " << (c.expected ? "yes" : "no");
}

std::vector<MatrixCase> matrixCases() {
    std::vector<MatrixCase> cases;
    for (const auto& row : kSpecMatrix) {
        cases.push_back({Role::Viewer, row.permission, row.viewer});
        cases.push_back({Role::Uploader, row.permission, row.uploader});
        cases.push_back({Role::Admin, row.permission, row.admin});
    }
    return cases;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(permissions)

BOOST_DATA_TEST_CASE(spec_matrix_role_defaults, bdata::make(matrixCases()), c) {
    BOOST_TEST(contains(roleDefaults(c.role), c.permission) == c.expected);
    BOOST_TEST(Principal(7, c.role, {}).has(c.permission) == c.expected);
}

BOOST_AUTO_TEST_CASE(catalogue_is_exactly_the_spec_list_sorted) {
    std::vector<std::string> expected;
    for (const auto& row : kSpecMatrix) expected.emplace_back(row.permission);
    std::sort(expected.begin(), expected.end());
    BOOST_TEST(permissionCatalogue() == expected, boost::test_tools::per_element());
    BOOST_TEST(roleDefaults(Role::Admin) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(every_role_default_is_sorted_unique_and_known) {
    for (const Role role : {Role::Viewer, Role::Uploader, Role::Admin}) {
        const auto& defaults = roleDefaults(role);
        BOOST_TEST(std::is_sorted(defaults.begin(), defaults.end()), toString(role));
        BOOST_TEST((std::adjacent_find(defaults.begin(), defaults.end()) == defaults.end()), toString(role));
        for (const auto& p : defaults) BOOST_TEST(isKnownPermission(p), p);
    }
}

namespace {

struct KnownCase {
    std::string text;
    bool known;
};
std::ostream& operator<<(std::ostream& os, const KnownCase& c) {
    return os << "'" << c.text << "' -> " << (c.known ? "known" : "unknown");
}
const std::vector<KnownCase> kKnownCases = {
    {"product.read", true},
    {"log.read", true},
    {"download.read_all", true},
    {"model.generate", true},
    {"", false},
    {"product", false},
    {"Product.Read", false},
    {"product.read ", false},
    {" product.read", false},
    {"product.readx", false},
    {"product.read.all", false},
    {"admin", false},
    {"user.*", false},
    {"product_read", false},
    {"download.packages", false},
};

}  // namespace

BOOST_DATA_TEST_CASE(is_known_permission, bdata::make(kKnownCases), c) {
    BOOST_TEST(isKnownPermission(c.text) == c.known);
}

BOOST_AUTO_TEST_CASE(effective_permissions_are_defaults_union_grants) {
    const auto eff = effectivePermissions(Role::Viewer, {"log.read", "model.generate"});
    std::vector<std::string> expected = roleDefaults(Role::Viewer);
    expected.emplace_back("log.read");
    expected.emplace_back("model.generate");
    std::sort(expected.begin(), expected.end());
    BOOST_TEST(eff == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(effective_permissions_without_duplicates_when_a_grant_is_a_default) {
    const auto eff =
        effectivePermissions(Role::Uploader, {"product.read", "product.write", "log.read", "log.read"});
    std::vector<std::string> expected = roleDefaults(Role::Uploader);
    expected.emplace_back("log.read");
    std::sort(expected.begin(), expected.end());
    BOOST_TEST(eff == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(effective_permissions_ignore_unknown_grants) {
    const auto eff = effectivePermissions(Role::Viewer, {"root", "", "user.manage ", "Log.Read"});
    BOOST_TEST(eff == roleDefaults(Role::Viewer), boost::test_tools::per_element());

    const Principal p(3, Role::Viewer, {"root", "user.manage"});
    BOOST_TEST(!p.has("root"));
    BOOST_TEST(p.has("user.manage"));
    BOOST_TEST(!p.has("log.read"));
}

BOOST_AUTO_TEST_CASE(principal_keeps_id_and_role) {
    const Principal p(42, Role::Uploader, {});
    BOOST_TEST(p.id() == 42);
    BOOST_TEST(p.role() == Role::Uploader);
    BOOST_TEST(p.permissions().size() == roleDefaults(Role::Uploader).size());
}

namespace {

struct RoleCase {
    std::string text;
    std::optional<Role> role;
};
std::ostream& operator<<(std::ostream& os, const RoleCase& c) {
    os << "'" << c.text << "' -> ";
    return c.role ? os << toString(*c.role) : os << "none";
}
const std::vector<RoleCase> kRoleCases = {
    {"viewer", Role::Viewer},  {"uploader", Role::Uploader}, {"admin", Role::Admin},
    {"", std::nullopt},        {"Admin", std::nullopt},      {"ADMIN", std::nullopt},
    {" admin", std::nullopt},  {"admin ", std::nullopt},     {"root", std::nullopt},
    {"viewers", std::nullopt},
};

}  // namespace

BOOST_DATA_TEST_CASE(parse_role, bdata::make(kRoleCases), c) {
    const auto parsed = parseRole(c.text);
    BOOST_TEST(parsed.has_value() == c.role.has_value());
    if (parsed && c.role) {
        BOOST_TEST(*parsed == *c.role);
        BOOST_TEST(std::string(toString(*parsed)) == c.text);  // round trip
    }
}

BOOST_AUTO_TEST_CASE(role_to_string_round_trips) {
    for (const Role role : {Role::Viewer, Role::Uploader, Role::Admin}) {
        const auto back = parseRole(toString(role));
        BOOST_TEST_REQUIRE(back.has_value());
        BOOST_TEST(*back == role);
    }
}

BOOST_AUTO_TEST_CASE(require_without_the_permission_is_forbidden) {
    const Principal viewer(5, Role::Viewer, {});
    const auto e = thrownBy([&] { viewer.require(perm::kUserManage); });
    BOOST_TEST(e.kind() == ErrorKind::Forbidden);
    BOOST_TEST(e.code() == "forbidden");
    BOOST_TEST(e.details().empty());
}

BOOST_AUTO_TEST_CASE(require_with_the_permission_passes) {
    BOOST_CHECK_NO_THROW(Principal(5, Role::Admin, {}).require(perm::kUserManage));
    BOOST_CHECK_NO_THROW(Principal(5, Role::Viewer, {"user.manage"}).require(perm::kUserManage));
    BOOST_CHECK_NO_THROW(Principal(5, Role::Viewer, {}).require(perm::kProductRead));
}

BOOST_AUTO_TEST_CASE(require_owner_or_lets_the_owner_through) {
    const Principal owner(10, Role::Viewer, {});
    BOOST_CHECK_NO_THROW(owner.requireOwnerOr(10, perm::kSelectionReadAll));
}

BOOST_AUTO_TEST_CASE(require_owner_or_hides_others_records_as_not_found) {
    const Principal other(11, Role::Uploader, {});
    for (const auto readAll : {perm::kSelectionReadAll, perm::kModelReadAll, perm::kDownloadReadAll}) {
        const auto e = thrownBy([&] { other.requireOwnerOr(10, readAll); });
        BOOST_TEST(e.kind() == ErrorKind::NotFound, readAll);
        BOOST_TEST(e.code() == "not_found", readAll);
    }
}

BOOST_AUTO_TEST_CASE(require_owner_or_with_read_all_passes) {
    BOOST_CHECK_NO_THROW(Principal(11, Role::Admin, {}).requireOwnerOr(10, perm::kModelReadAll));
    BOOST_CHECK_NO_THROW(
        Principal(11, Role::Viewer, {"model.read_all"}).requireOwnerOr(10, perm::kModelReadAll));
    // One read_all does not open another kind of record.
    const auto e = thrownBy(
        [] { Principal(11, Role::Viewer, {"model.read_all"}).requireOwnerOr(10, perm::kSelectionReadAll); });
    BOOST_TEST(e.kind() == ErrorKind::NotFound);
}

BOOST_AUTO_TEST_SUITE_END()
