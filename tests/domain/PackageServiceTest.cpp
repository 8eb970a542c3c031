#include <algorithm>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "Fakes.hpp"
#include "Support.hpp"
#include "domain/PackageService.hpp"

namespace mofang::domain {
inline std::ostream& operator<<(std::ostream& os, DownloadType type) {
    return os << toString(type);
}
}  // namespace mofang::domain

namespace bdata = boost::unit_test::data;
using namespace mofang::domain;
using mofang::test::FakeClock;
using mofang::test::FakeCrypto;
using mofang::test::fakeDigest;
using mofang::test::FakeStore;
using mofang::test::thrownBy;

namespace {

using Strings = std::vector<std::string>;
using Ids = std::vector<DownloadId>;

AuditContext auditBy(UserId actor) {
    return AuditContext{actor, "203.0.113.9", "catalogue-ui", std::nullopt};
}

// What a material row says about its file, derived from a tag so that every value differs.
std::string fileSha(const std::string& tag) {
    return fakeDigest("bytes of " + tag);
}
std::string fileKey(const std::string& tag) {
    return fakeDigest("key of " + tag);
}
std::string previewKey(const std::string& tag) {
    return fakeDigest("preview of " + tag);
}

// Users: `owner` and `other` are viewers, `reader` holds selection.read_all, `auditor`
// download.read_all. The catalogue goes straight into the fake's state: product SPU-001 with its
// modules inserted out of display order (detail 2, main 0, sku/red 1) and materials whose
// order differs from their ids; `mainSide` is never selected. Product BAG-1 has one module.
// The owner's selection names its materials in an order unlike the archive's.
struct World {
    FakeStore store;
    FakeClock clock;
    FakeCrypto crypto;
    PackageService packages{store, crypto, clock};
    UserId ownerId = store.addUser("owner", "pw");
    UserId otherId = store.addUser("other", "pw");
    UserId readerId = store.addUser("reader", "pw", Role::Viewer, UserStatus::Active,
                                    {std::string(perm::kSelectionReadAll)});
    UserId auditorId = store.addUser("auditor", "pw", Role::Viewer, UserStatus::Active,
                                     {std::string(perm::kDownloadReadAll)});
    Principal owner{ownerId, Role::Viewer, {}};
    Principal other{otherId, Role::Viewer, {}};
    Principal reader{readerId, Role::Viewer, {std::string(perm::kSelectionReadAll)}};
    Principal auditor{auditorId, Role::Viewer, {std::string(perm::kDownloadReadAll)}};

    ProductId shoe = addProduct("SPU-001");
    ProductId bag = addProduct("BAG-1");
    ModuleId detail = addModule(shoe, "detail", "", 2);
    ModuleId main = addModule(shoe, "main", "", 0);
    ModuleId sku = addModule(shoe, "sku", "red", 1);
    ModuleId bagMain = addModule(bag, "main", "", 0);
    MaterialId mainFront = addMaterial(main, 2, "front");
    MaterialId mainBack = addMaterial(main, 1, "back");
    MaterialId mainSide = addMaterial(main, 3, "side");
    MaterialId skuRed = addMaterial(sku, 1, "red");
    MaterialId detailA = addMaterial(detail, 1, "a");
    MaterialId detailB = addMaterial(detail, 2, "b");
    MaterialId bagOnly = addMaterial(bagMain, 1, "bag");
    SelectionId selection = addSelection(
        ownerId, shoe,
        {{detail, detailB}, {sku, skuRed}, {main, mainFront}, {detail, detailA}, {main, mainBack}});

    ProductId addProduct(const std::string& spu) {
        Product p;
        p.id = store.state.nextProductId++;
        p.name = "Product " + spu;
        p.spuCode = spu;
        p.gender = "unisex";
        p.ageRange = "adult";
        p.createdAt = p.updatedAt = clock.t;
        store.state.products[p.id] = p;
        return p.id;
    }
    ModuleId addModule(ProductId productId, const std::string& type, const std::string& subType, int order) {
        MaterialModule m;
        m.id = store.state.nextModuleId++;
        m.productId = productId;
        m.type = type;
        m.subType = subType;
        m.order = order;
        m.createdAt = m.updatedAt = clock.t;
        store.state.modules[m.id] = m;
        return m.id;
    }
    MaterialId addMaterial(ModuleId moduleId, int order, const std::string& tag) {
        Material m;
        m.id = store.state.nextMaterialId++;
        m.moduleId = moduleId;
        m.productId = store.state.modules.at(moduleId).productId;
        m.filename = tag + ".png";
        m.filesize = 1000 + static_cast<std::uint64_t>(m.id);
        m.mimeType = "image/png";
        m.width = 800;
        m.height = 600;
        m.order = order;
        m.storageKey = fileKey(tag);
        m.sha256 = fileSha(tag);
        m.crc32 = 0xC0DE0000u + static_cast<std::uint32_t>(m.id);
        m.thumbnail = {fakeDigest("thumbnail of " + tag), 100, 0x7E000000u, 320, 240};
        m.preview = {previewKey(tag), 500 + static_cast<std::uint64_t>(m.id),
                     0x9E000000u + static_cast<std::uint32_t>(m.id), 1600, 1200};
        m.createdAt = m.updatedAt = clock.t + m.id * 86'400'000;  // a day apart
        store.state.materials[m.id] = m;
        return m.id;
    }
    SelectionId addSelection(UserId userId, ProductId productId, const std::vector<SelectionItem>& items) {
        Selection s;
        s.id = store.state.nextSelectionId++;
        s.userId = userId;
        s.productId = productId;
        s.items = items;
        s.createdAt = s.updatedAt = clock.t;
        store.state.selections[s.id] = s;
        return s.id;
    }
    Material& material(MaterialId id) { return store.state.materials.at(id); }

    PreparedPackage package(DownloadType type = DownloadType::Package) {
        return packages.prepare(owner, selection, type);
    }
    std::string etag() { return package().etag; }
};

struct Expected {
    std::string name;
    MaterialId material;
};

Strings namesOf(const ZipPlan& plan) {
    Strings out;
    for (const auto& e : plan.entries()) out.push_back(e.name);
    return out;
}

void checkNotFound(const DomainError& e) {
    BOOST_TEST(e.kind() == ErrorKind::NotFound);
    BOOST_TEST(e.code() == "not_found");
}

void checkForbidden(const DomainError& e) {
    BOOST_TEST(e.kind() == ErrorKind::Forbidden);
    BOOST_TEST(e.code() == "forbidden");
}

// ---- what changes the ETag and what does not

struct Mutation {
    const char* name;
    std::function<void(World&)> apply;
};
std::ostream& operator<<(std::ostream& os, const Mutation& m) {
    return os << m.name;
}

const std::vector<Mutation> kChangesTheArchive = {
    {"a selected material deleted", [](World& w) { w.material(w.detailA).deleted = true; }},
    {"a selected material renamed", [](World& w) { w.material(w.mainFront).filename = "front-2.png"; }},
    {"two selected materials reordered",
     [](World& w) {
         w.material(w.mainFront).order = 1;
         w.material(w.mainBack).order = 2;
     }},
    {"a selected material's bytes replaced",
     [](World& w) {
         auto& m = w.material(w.skuRed);
         m.sha256 = fileSha("red v2");
         m.crc32 ^= 1;
     }},
    {"a selected material's size changed", [](World& w) { w.material(w.skuRed).filesize += 1; }},
    {"a selected material's time changed", [](World& w) { w.material(w.skuRed).createdAt += 2000; }},
    {"modules reordered", [](World& w) { w.store.state.modules.at(w.sku).order = 3; }},
    {"a module's sub-type changed", [](World& w) { w.store.state.modules.at(w.sku).subType = "blue"; }},
    {"the SPU code changed", [](World& w) { w.store.state.products.at(w.shoe).spuCode = "SPU-002"; }},
};

const std::vector<Mutation> kKeepsTheArchive = {
    {"nothing", [](World&) {}},
    {"an unselected material renamed", [](World& w) { w.material(w.mainSide).filename = "other.png"; }},
    {"an unselected material deleted", [](World& w) { w.material(w.mainSide).deleted = true; }},
    {"an unselected material moved to the front", [](World& w) { w.material(w.mainSide).order = 0; }},
    {"orders renumbered without changing the sequence",
     [](World& w) {
         w.material(w.mainBack).order = 10;
         w.material(w.mainFront).order = 20;
     }},
    {"the selection's item order changed",
     [](World& w) {
         auto& items = w.store.state.selections.at(w.selection).items;
         std::reverse(items.begin(), items.end());
     }},
    {"the product renamed", [](World& w) { w.store.state.products.at(w.shoe).name = "Another name"; }},
    {"a selected material's thumbnail replaced",
     [](World& w) { w.material(w.mainFront).thumbnail.key = fakeDigest("new thumbnail"); }},
    {"a selected material's blob moved to another key (same bytes)",
     [](World& w) { w.material(w.mainFront).storageKey = fakeDigest("elsewhere"); }},
    {"another product's material changed", [](World& w) { w.material(w.bagOnly).filename = "x.png"; }},
};

}  // namespace

// ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(package_service_prepare)

BOOST_AUTO_TEST_CASE(archive_is_modules_in_display_order_then_materials_by_order_not_selection_order) {
    World w;
    const auto p = w.package();
    const std::vector<Expected> expected = {
        {"SPU-001/\xE4\xB8\xBB\xE5\x9B\xBE/01-back.png", w.mainBack},          // 主图
        {"SPU-001/\xE4\xB8\xBB\xE5\x9B\xBE/02-front.png", w.mainFront},        // 主图
        {"SPU-001/SKU\xE5\x9B\xBE/red/01-red.png", w.skuRed},                  // SKU图
        {"SPU-001/\xE8\xAF\xA6\xE6\x83\x85\xE5\x9B\xBE/01-a.png", w.detailA},  // 详情图
        {"SPU-001/\xE8\xAF\xA6\xE6\x83\x85\xE5\x9B\xBE/02-b.png", w.detailB},  // 详情图
    };
    BOOST_REQUIRE_EQUAL(p.plan->entries().size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        BOOST_TEST_CONTEXT("entry " << i) {
            const auto& e = p.plan->entries()[i];
            const auto& m = w.material(expected[i].material);
            BOOST_TEST(e.name == expected[i].name);
            BOOST_TEST(e.blobKey == m.storageKey);
            BOOST_TEST(e.sha256 == m.sha256);
            BOOST_TEST(e.size == m.filesize);
            BOOST_TEST(e.crc32 == m.crc32);
        }
    }
}

BOOST_AUTO_TEST_CASE(returns_the_selection_product_type_and_zip_filename) {
    World w;
    const auto p = w.package();
    BOOST_TEST(p.selection.id == w.selection);
    BOOST_TEST(p.selection.userId == w.ownerId);
    BOOST_TEST(p.product.id == w.shoe);
    BOOST_TEST(p.product.spuCode == "SPU-001");
    BOOST_TEST((p.type == DownloadType::Package));
    BOOST_TEST(p.filename == "SPU-001.zip");
}

BOOST_AUTO_TEST_CASE(preview_packs_the_preview_renditions_under_jpg_names) {
    World w;
    const auto p = w.package(DownloadType::Preview);
    BOOST_TEST((p.type == DownloadType::Preview));
    BOOST_TEST(p.filename == "SPU-001-preview.zip");
    const std::vector<Expected> expected = {
        {"SPU-001/\xE4\xB8\xBB\xE5\x9B\xBE/01-back.jpg", w.mainBack},
        {"SPU-001/\xE4\xB8\xBB\xE5\x9B\xBE/02-front.jpg", w.mainFront},
        {"SPU-001/SKU\xE5\x9B\xBE/red/01-red.jpg", w.skuRed},
        {"SPU-001/\xE8\xAF\xA6\xE6\x83\x85\xE5\x9B\xBE/01-a.jpg", w.detailA},
        {"SPU-001/\xE8\xAF\xA6\xE6\x83\x85\xE5\x9B\xBE/02-b.jpg", w.detailB},
    };
    BOOST_REQUIRE_EQUAL(p.plan->entries().size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        BOOST_TEST_CONTEXT("entry " << i) {
            const auto& e = p.plan->entries()[i];
            const auto& m = w.material(expected[i].material);
            BOOST_TEST(e.name == expected[i].name);
            BOOST_TEST(e.blobKey == m.preview.key);
            BOOST_TEST(e.sha256 == m.preview.key);  // preview keys are their SHA-256
            BOOST_TEST(e.size == m.preview.size);
            BOOST_TEST(e.crc32 == m.preview.crc32);
        }
    }
    BOOST_TEST(p.etag != w.etag());
}

BOOST_AUTO_TEST_CASE(leaves_out_unselected_and_deleted_materials_and_ranks_the_rest) {
    World w;
    w.material(w.detailA).deleted = true;
    w.material(w.detailA).deletedAt = w.clock.t;
    const auto p = w.package();
    BOOST_TEST(namesOf(*p.plan) == (Strings{"SPU-001/\xE4\xB8\xBB\xE5\x9B\xBE/01-back.png",
                                            "SPU-001/\xE4\xB8\xBB\xE5\x9B\xBE/02-front.png",
                                            "SPU-001/SKU\xE5\x9B\xBE/red/01-red.png",
                                            "SPU-001/\xE8\xAF\xA6\xE6\x83\x85\xE5\x9B\xBE/01-b.png"}),
               boost::test_tools::per_element());
    // The selection itself is not rewritten.
    BOOST_TEST(p.selection.items.size() == 5u);
}

BOOST_AUTO_TEST_CASE(leaves_out_the_materials_of_a_removed_module) {
    World w;
    w.store.state.modules.erase(w.sku);
    w.material(w.skuRed).deleted = true;
    const auto p = w.package();
    BOOST_TEST(p.plan->entries().size() == 4u);
    for (const auto& e : p.plan->entries()) BOOST_TEST(e.blobKey != w.material(w.skuRed).storageKey);
}

BOOST_AUTO_TEST_CASE(none_of_the_selected_materials_left_is_a_conflict) {
    World w;
    for (const auto id : {w.mainFront, w.mainBack, w.skuRed, w.detailA, w.detailB})
        w.material(id).deleted = true;
    for (const auto type : {DownloadType::Package, DownloadType::Preview}) {
        const auto e = thrownBy([&] { w.package(type); });
        BOOST_TEST(e.kind() == ErrorKind::Conflict);
        BOOST_TEST(e.code() == "conflict");
    }
}

BOOST_AUTO_TEST_CASE(a_deleted_product_is_not_found) {
    World w;
    w.store.state.products.at(w.shoe).deleted = true;
    checkNotFound(thrownBy([&] { w.package(); }));
    checkNotFound(thrownBy([&] { w.package(DownloadType::Preview); }));
}

BOOST_AUTO_TEST_CASE(an_unknown_selection_is_not_found) {
    World w;
    checkNotFound(thrownBy([&] { w.packages.prepare(w.owner, 99, DownloadType::Package); }));
}

BOOST_AUTO_TEST_CASE(another_users_selection_is_not_found_without_selection_read_all) {
    World w;
    for (const auto type : {DownloadType::Package, DownloadType::Preview}) {
        checkNotFound(thrownBy([&] { w.packages.prepare(w.other, w.selection, type); }));
        // download.read_all is about records, not selections.
        checkNotFound(thrownBy([&] { w.packages.prepare(w.auditor, w.selection, type); }));
    }
}

BOOST_AUTO_TEST_CASE(selection_read_all_gets_the_same_package_as_the_owner) {
    World w;
    const auto mine = w.package();
    const auto theirs = w.packages.prepare(w.reader, w.selection, DownloadType::Package);
    BOOST_TEST(theirs.etag == mine.etag);
    BOOST_TEST(theirs.plan->size() == mine.plan->size());
    BOOST_TEST(theirs.selection.userId == w.ownerId);
}

BOOST_AUTO_TEST_CASE(every_role_holds_both_download_permissions) {
    // SPEC §3: download.package and download.preview are defaults of every role and grants only
    // add, so no principal lacks them; the lowest one must be let through for each type.
    World w;
    const Principal bare{w.ownerId, Role::Viewer, {}};
    BOOST_TEST(bare.has(perm::kDownloadPackage));
    BOOST_TEST(bare.has(perm::kDownloadPreview));
    BOOST_CHECK_NO_THROW(w.packages.prepare(bare, w.selection, DownloadType::Package));
    BOOST_CHECK_NO_THROW(w.packages.prepare(bare, w.selection, DownloadType::Preview));
}

BOOST_AUTO_TEST_CASE(the_injected_zip_limits_reach_the_plan) {
    World w;
    PackageService small{w.store, w.crypto, w.clock, ZipLimits{1000, 2}};
    const auto p = small.prepare(w.owner, w.selection, DownloadType::Package);
    BOOST_TEST(p.plan->limits().max32 == 1000u);
    BOOST_TEST(p.plan->limits().max16 == 2u);
    BOOST_TEST(p.plan->zip64End());
    BOOST_TEST(p.etag != w.etag());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(package_service_etag)

BOOST_AUTO_TEST_CASE(is_the_quoted_sha256_of_the_manifest) {
    World w;
    for (const auto type : {DownloadType::Package, DownloadType::Preview}) {
        const auto p = w.package(type);
        // FakeCrypto's sha256Hex(data) is "sha:" + data.
        BOOST_TEST(p.etag == "\"sha:" + p.plan->manifest() + "\"");
    }
}

BOOST_DATA_TEST_CASE(changes_when_the_archive_would, bdata::make(kChangesTheArchive), m) {
    World w;
    const std::string before = w.etag();
    m.apply(w);
    const auto p = w.package();
    BOOST_TEST(p.etag != before);
    BOOST_TEST(p.etag == "\"sha:" + p.plan->manifest() + "\"");
}

BOOST_DATA_TEST_CASE(stays_when_the_archive_would_not_change, bdata::make(kKeepsTheArchive), m) {
    World w;
    const std::string before = w.etag();
    m.apply(w);
    BOOST_TEST(w.etag() == before);
}

BOOST_AUTO_TEST_CASE(comes_back_when_a_change_is_undone) {
    World w;
    const std::string before = w.etag();
    w.material(w.mainFront).filename = "renamed.png";
    BOOST_TEST(w.etag() != before);
    w.material(w.mainFront).filename = "front.png";
    BOOST_TEST(w.etag() == before);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(package_service_record_download)

BOOST_DATA_TEST_CASE(records_the_download_and_one_log_entry,
                     bdata::make({DownloadType::Package, DownloadType::Preview}) ^
                         bdata::make({"download.package", "download.preview"}),
                     type, action) {
    World w;
    const auto p = w.package(type);
    w.clock.advance(3000);
    const DownloadRecord d = w.packages.recordDownload(w.owner, p, auditBy(w.ownerId));
    BOOST_TEST(d.id == 1);
    BOOST_TEST(d.userId == w.ownerId);
    BOOST_TEST(d.productId == w.shoe);
    BOOST_TEST(d.selectionId == w.selection);
    BOOST_TEST(d.downloadTime == w.clock.t);
    BOOST_TEST((d.type == type));
    BOOST_TEST(d.etag == p.etag);
    BOOST_TEST(d.size == p.plan->size());
    BOOST_REQUIRE_EQUAL(w.store.state.downloads.count(d.id), 1u);
    BOOST_TEST(downloadJson(w.store.state.downloads.at(d.id)) == downloadJson(d));
    BOOST_TEST(w.store.state.downloads.at(d.id).etag == p.etag);

    BOOST_REQUIRE_EQUAL(w.store.state.logs.size(), 1u);
    const auto& log = w.store.state.logs[0];
    BOOST_TEST(log.action == std::string(action));
    BOOST_TEST(log.targetType == "download");
    BOOST_TEST(log.targetId == std::to_string(d.id));
    BOOST_TEST(log.userId.value_or(0) == w.ownerId);
    BOOST_TEST(log.timestamp == w.clock.t);
    BOOST_TEST(log.detailsJson == R"({"after":)" + downloadJson(d) + "}");
}

BOOST_AUTO_TEST_CASE(a_reader_of_anothers_selection_records_its_own_download) {
    World w;
    const auto p = w.packages.prepare(w.reader, w.selection, DownloadType::Package);
    const DownloadRecord d = w.packages.recordDownload(w.reader, p, auditBy(w.readerId));
    BOOST_TEST(d.userId == w.readerId);
    BOOST_TEST(d.selectionId == w.selection);
    BOOST_TEST(w.store.state.logs.at(0).userId.value_or(0) == w.readerId);
}

BOOST_AUTO_TEST_CASE(each_download_is_a_record_of_its_own) {
    World w;
    const auto p = w.package();
    const auto first = w.packages.recordDownload(w.owner, p, auditBy(w.ownerId));
    const auto second = w.packages.recordDownload(w.owner, p, auditBy(w.ownerId));
    BOOST_TEST(first.id == 1);
    BOOST_TEST(second.id == 2);
    BOOST_TEST(w.store.state.downloads.size() == 2u);
    BOOST_TEST(w.store.actions() == (Strings{"download.package", "download.package"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_failing_log_write_leaves_no_record) {
    World w;
    const auto p = w.package();
    w.store.failLogAppends = true;
    BOOST_TEST(thrownBy([&] { w.packages.recordDownload(w.owner, p, auditBy(w.ownerId)); }).kind() ==
               ErrorKind::Unavailable);
    BOOST_TEST(w.store.state.downloads.empty());
    BOOST_TEST(w.store.state.nextDownloadId == 1);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(package_service_downloads)

// 1 owner/shoe, 2 other/shoe, 3 owner/bag, 4 owner/shoe (preview), 5 other/bag, 6 auditor/shoe.
struct Recorded : World {
    Recorded() {
        add(ownerId, shoe);
        add(otherId, shoe);
        add(ownerId, bag);
        add(ownerId, shoe, DownloadType::Preview);
        add(otherId, bag);
        add(auditorId, shoe);
    }
    void add(UserId userId, ProductId productId, DownloadType type = DownloadType::Package) {
        DownloadRecord d;
        d.id = store.state.nextDownloadId++;
        d.userId = userId;
        d.productId = productId;
        d.selectionId = selection;
        d.downloadTime = clock.t + d.id;
        d.type = type;
        d.etag = "\"e" + std::to_string(d.id) + "\"";
        d.size = 100;
        store.state.downloads[d.id] = d;
    }
    Ids ids(const Principal& who, DownloadQuery q = {}) {
        Ids out;
        for (const auto& d : packages.downloads(who, q)) out.push_back(d.id);
        return out;
    }
};

BOOST_AUTO_TEST_CASE(a_user_reads_its_own_newest_first) {
    Recorded w;
    BOOST_TEST(w.ids(w.owner) == (Ids{4, 3, 1}), boost::test_tools::per_element());
    BOOST_TEST(w.ids(w.other) == (Ids{5, 2}), boost::test_tools::per_element());
    BOOST_TEST(w.ids(w.owner, {w.ownerId, std::nullopt, std::nullopt, 20}) == (Ids{4, 3, 1}),
               boost::test_tools::per_element());
    BOOST_TEST(w.ids(w.reader).empty());
}

BOOST_AUTO_TEST_CASE(another_users_records_without_download_read_all_are_forbidden) {
    Recorded w;
    checkForbidden(thrownBy([&] { w.ids(w.owner, {w.otherId, std::nullopt, std::nullopt, 20}); }));
    // selection.read_all is about selections, not records.
    checkForbidden(thrownBy([&] { w.ids(w.reader, {w.ownerId, std::nullopt, std::nullopt, 20}); }));
}

BOOST_AUTO_TEST_CASE(filters_own_records_by_product_and_pages) {
    Recorded w;
    BOOST_TEST(w.ids(w.owner, {std::nullopt, w.shoe, std::nullopt, 20}) == (Ids{4, 1}),
               boost::test_tools::per_element());
    BOOST_TEST(w.ids(w.owner, {std::nullopt, std::nullopt, std::nullopt, 2}) == (Ids{4, 3}),
               boost::test_tools::per_element());
    BOOST_TEST(w.ids(w.owner, {std::nullopt, std::nullopt, 3, 2}) == (Ids{1}),
               boost::test_tools::per_element());
    BOOST_TEST(w.ids(w.owner, {std::nullopt, std::nullopt, 1, 2}).empty());
}

BOOST_AUTO_TEST_CASE(download_read_all_reads_anyones_or_everyones) {
    Recorded w;
    BOOST_TEST(w.ids(w.auditor) == (Ids{6, 5, 4, 3, 2, 1}), boost::test_tools::per_element());
    BOOST_TEST(w.ids(w.auditor, {w.otherId, std::nullopt, std::nullopt, 20}) == (Ids{5, 2}),
               boost::test_tools::per_element());
    BOOST_TEST(w.ids(w.auditor, {std::nullopt, w.bag, std::nullopt, 20}) == (Ids{5, 3}),
               boost::test_tools::per_element());
    BOOST_TEST(w.ids(w.auditor, {w.ownerId, w.shoe, 4, 20}) == (Ids{1}), boost::test_tools::per_element());
    BOOST_TEST(w.ids(w.auditor, {std::nullopt, std::nullopt, 6, 3}) == (Ids{5, 4, 3}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_admin_reads_everyones) {
    Recorded w;
    const UserId adminId = w.store.addUser("admin", "pw", Role::Admin);
    BOOST_TEST(w.ids(Principal{adminId, Role::Admin, {}}) == (Ids{6, 5, 4, 3, 2, 1}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(records_come_back_whole) {
    Recorded w;
    const auto list = w.packages.downloads(w.owner, {std::nullopt, std::nullopt, std::nullopt, 1});
    BOOST_REQUIRE_EQUAL(list.size(), 1u);
    BOOST_TEST(downloadJson(list[0]) == downloadJson(w.store.state.downloads.at(4)));
    BOOST_TEST(list[0].etag == "\"e4\"");
    BOOST_TEST((list[0].type == DownloadType::Preview));
}

BOOST_AUTO_TEST_SUITE_END()
