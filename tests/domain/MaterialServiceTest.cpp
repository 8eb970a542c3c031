#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "Fakes.hpp"
#include "Support.hpp"
#include "domain/MaterialService.hpp"

namespace bdata = boost::unit_test::data;
using namespace mofang::domain;
using mofang::test::crc32Of;
using mofang::test::FakeBlobStore;
using mofang::test::FakeClock;
using mofang::test::fakeDigest;
using mofang::test::FakeRenderer;
using mofang::test::FakeStore;
using mofang::test::fieldsOf;
using mofang::test::thrownBy;

namespace {

using Strings = std::vector<std::string>;
using Keys = std::set<std::string>;
using Ids = std::vector<MaterialId>;

constexpr int kRetainDays = 30;
constexpr Millis kDay = 24LL * 60 * 60 * 1000;

AuditContext auditBy(UserId actor) {
    return AuditContext{actor, "203.0.113.9", "catalogue-ui", std::nullopt};
}

// What the fake renderer makes of an upload's `bytes`: the preview from the original, the
// thumbnail from the preview (the service decodes the original once).
std::string previewBytes(const std::string& bytes) {
    return FakeRenderer::previewOf(bytes);
}
std::string thumbnailBytes(const std::string& bytes) {
    return FakeRenderer::thumbnailOf(FakeRenderer::previewOf(bytes));
}

// The three blobs an upload of `bytes` needs: the file and its two renditions.
Keys keysFor(const std::string& bytes) {
    return {fakeDigest(bytes), fakeDigest(thumbnailBytes(bytes)), fakeDigest(previewBytes(bytes))};
}

Keys keysOf(const Material& m) {
    return {m.storageKey, m.thumbnail.key, m.preview.key};
}

Keys unionOf(std::initializer_list<Keys> sets) {
    Keys out;
    for (const auto& s : sets) out.insert(s.begin(), s.end());
    return out;
}

// A store with an admin, an uploader and a viewer; a live product with two modules
// (`moduleId`, `otherModuleId`) and a second product with one module (`foreignModuleId`).
struct World {
    FakeStore store;
    FakeClock clock;
    FakeBlobStore blobs;
    FakeRenderer renderer{blobs};
    MaterialService materials{store, blobs, renderer, clock, kRetainDays};
    UserId adminId = store.addUser("admin", "pw", Role::Admin);
    UserId uploaderId = store.addUser("uploader", "pw", Role::Uploader);
    UserId viewerId = store.addUser("viewer", "pw", Role::Viewer);
    Principal admin{adminId, Role::Admin, {}};
    Principal uploader{uploaderId, Role::Uploader, {}};
    Principal viewer{viewerId, Role::Viewer, {}};
    ProductId productId = 0;
    ProductId otherProductId = 0;
    ModuleId moduleId = 0;
    ModuleId otherModuleId = 0;
    ModuleId foreignModuleId = 0;

    World() {
        store.transact([&](Repositories& r) {
            productId = r.products().insert(product("SPU-001"));
            otherProductId = r.products().insert(product("SPU-002"));
            moduleId = r.modules().insert(module(productId, "main", 0));
            otherModuleId = r.modules().insert(module(productId, "detail", 1));
            foreignModuleId = r.modules().insert(module(otherProductId, "main", 0));
        });
        store.transactions = 0;
    }

    Product product(const std::string& spu) const {
        Product p;
        p.name = "Product " + spu;
        p.spuCode = spu;
        p.gender = "unisex";
        p.ageRange = "adult";
        p.createdBy = adminId;
        p.createdAt = clock.t;
        p.updatedAt = clock.t;
        return p;
    }
    MaterialModule module(ProductId product, const std::string& type, int order) const {
        MaterialModule m;
        m.productId = product;
        m.type = type;
        m.order = order;
        m.createdAt = clock.t;
        m.updatedAt = clock.t;
        return m;
    }

    // A file as the transport leaves it: bytes written into a writer, not finished.
    StagedUpload staged(const std::string& bytes, std::optional<std::string> name = "photo.jpg",
                        ImageFormat format = ImageFormat::Jpeg, std::uint32_t width = 800,
                        std::uint32_t height = 600) {
        StagedUpload s;
        s.blob = blobs.create();
        s.blob->write(bytes.data(), bytes.size());
        s.format = format;
        s.width = width;
        s.height = height;
        s.clientFilename = std::move(name);
        return s;
    }

    std::vector<Material> upload(std::vector<StagedUpload>& files,
                                 std::optional<ModuleId> into = std::nullopt) {
        return materials.upload(uploader, into.value_or(moduleId), files, auditBy(uploaderId));
    }
    // One JPEG of `bytes` into `into` (the main module by default).
    Material uploadOne(const std::string& bytes, const std::string& name = "photo.jpg",
                       std::optional<ModuleId> into = std::nullopt) {
        std::vector<StagedUpload> files;
        files.push_back(staged(bytes, name));
        return upload(files, into).at(0);
    }

    const Material& row(MaterialId id) const { return store.state.materials.at(id); }
    Keys published() const {
        Keys out;
        for (const auto& [key, blob] : blobs.blobs) out.insert(key);
        return out;
    }
    std::size_t liveRows() const {
        std::size_t n = 0;
        for (const auto& [id, m] : store.state.materials) n += m.deleted ? 0 : 1;
        return n;
    }
    // Ids of the module's live materials in display order.
    Ids listed(ModuleId module) {
        Ids out;
        store.read([&](Repositories& r) {
            for (const auto& m : r.materials().listByModule(module)) out.push_back(m.id);
        });
        return out;
    }
};

// Everything material-related the store holds, for "nothing changed" checks.
std::string snapshot(const FakeStore& store) {
    std::string out;
    for (const auto& [id, m] : store.state.materials)
        out += materialJson(m) +
               (m.deleted ? " deleted at " + std::to_string(m.deletedAt.value_or(-1)) : "") + "\n";
    for (const auto& [id, pin] : store.state.pins) out += "pin " + pin.first + "\n";
    out += "logs " + std::to_string(store.state.logs.size()) + " modules " +
           std::to_string(store.state.modules.size());
    return out;
}

void checkForbidden(const DomainError& e) {
    BOOST_TEST(e.kind() == ErrorKind::Forbidden);
    BOOST_TEST(e.code() == "forbidden");
}

void checkNotFound(const DomainError& e) {
    BOOST_TEST(e.kind() == ErrorKind::NotFound);
    BOOST_TEST(e.code() == "not_found");
    BOOST_TEST(e.details().empty());
}

void checkValidation(const DomainError& e, const Strings& fields) {
    BOOST_TEST(e.kind() == ErrorKind::Validation);
    BOOST_TEST(e.code() == "validation_failed");
    BOOST_TEST(fieldsOf(e) == fields, boost::test_tools::per_element());
}

// An upload that failed before its rows were inserted leaves no trace: no rows, no log entries,
// no pins; and, once the caller drops its writers, no staged bytes.
void checkNothingStored(World& w, std::vector<StagedUpload>& files) {
    BOOST_TEST(w.store.state.materials.empty());
    BOOST_TEST(w.store.state.logs.empty());
    BOOST_TEST(w.store.state.pins.empty());
    files.clear();
    BOOST_TEST(w.blobs.staged.empty());
}

// ---- permissions (SPEC §3): reads need product.read, changes product.write

struct PermissionCase {
    std::string operation;
    Role role;
    bool allowed;
};
std::ostream& operator<<(std::ostream& os, const PermissionCase& c) {
    return os << c.operation << " as " << toString(c.role) << (c.allowed ? " allowed" : " forbidden");
}

std::vector<PermissionCase> permissionCases() {
    struct Op {
        std::string name;
        bool viewer;
    };
    const std::vector<Op> ops = {
        {"checkUpload", false}, {"upload", false}, {"update", false},  {"remove", false},
        {"reorder", false},     {"get", true},     {"delivery", true}, {"forModules", true},
    };
    std::vector<PermissionCase> out;
    for (const auto& op : ops) {
        out.push_back({op.name, Role::Viewer, op.viewer});
        out.push_back({op.name, Role::Uploader, true});
        out.push_back({op.name, Role::Admin, true});
    }
    return out;
}

// Runs `operation` on material `id` (in the main module) of `w`.
void run(World& w, const std::string& operation, const Principal& who, MaterialId id) {
    auto& s = w.materials;
    const auto audit = auditBy(who.id());
    if (operation == "checkUpload") {
        s.checkUpload(who, w.moduleId);
    } else if (operation == "upload") {
        std::vector<StagedUpload> files;
        files.push_back(w.staged("another image"));
        s.upload(who, w.moduleId, files, audit);
    } else if (operation == "update") {
        s.update(who, id, MaterialInput{"renamed", 5}, audit);
    } else if (operation == "remove") {
        s.remove(who, id, audit);
    } else if (operation == "reorder") {
        s.reorder(who, w.moduleId, {id}, audit);
    } else if (operation == "get") {
        s.get(who, id);
    } else if (operation == "delivery") {
        s.delivery(who, id, MaterialBytes::Preview);
    } else if (operation == "forModules") {
        s.forModules(who, {w.moduleId});
    } else {
        throw std::logic_error("unknown operation " + operation);
    }
}

// ---- upload validation: the whole request is rejected, each bad file named

struct FileSpec {
    std::uint32_t width = 800;
    std::uint32_t height = 600;
    std::optional<std::string> name = "photo.jpg";
};

struct RejectCase {
    std::string label;
    std::vector<FileSpec> files;
    Strings fields;
};
std::ostream& operator<<(std::ostream& os, const RejectCase& c) {
    return os << c.label;
}

const FileSpec kGood{};
const std::vector<RejectCase> kRejected = {
    {"width 15", {{15, 600}}, {"file"}},
    {"height 15", {{800, 15}}, {"file"}},
    {"width 0", {{0, 600}}, {"file"}},
    {"width 16385", {{16385, 600}}, {"file"}},
    {"height 16385", {{800, 16385}}, {"file"}},
    {"pixel flood 10001 x 10000", {{10001, 10000}}, {"file"}},
    {"pixel flood 16384 x 16384", {{16384, 16384}}, {"file"}},
    {"invalid UTF-8 name", {{800, 600, std::string("\xff\xfe.jpg")}}, {"file"}},
    {"overlong UTF-8 slash in the name",
     {{800, 600,
       std::string("a\xc0\xaf"
                   "b.jpg")}},
     {"file"}},
    {"truncated UTF-8 name", {{800, 600, std::string("\xe5\x9b.jpg")}}, {"file"}},
    {"bad size and bad name", {{15, 600, std::string("\xff")}}, {"file", "file"}},
    {"second of three", {kGood, {800, 15}, kGood}, {"file[1]"}},
    {"first and last of three",
     {{16385, 16}, kGood, {800, 600, std::string("\x80")}},
     {"file[0]", "file[2]"}},
    {"every one of two", {{15, 15}, {10001, 10001}}, {"file[0]", "file[1]"}},
};

// ---- the final transaction fails after the blobs were published

struct LateFailureCase {
    std::string label;
    std::function<void(World&)> arrange;  // makes the upload's insert transaction fail
    ErrorKind kind;
    std::string code;
};
std::ostream& operator<<(std::ostream& os, const LateFailureCase& c) {
    return os << c.label;
}

const std::vector<LateFailureCase> kLateFailures = {
    {"module removed while the blobs were published",
     [](World& w) {
         w.blobs.onPublish = [&w](const std::string&) { w.store.state.modules.erase(w.moduleId); };
     },
     ErrorKind::NotFound, "not_found"},
    {"product deleted while the blobs were published",
     [](World& w) {
         w.blobs.onPublish = [&w](const std::string&) {
             w.store.state.products.at(w.productId).deleted = true;
         };
     },
     ErrorKind::NotFound, "not_found"},
    {"operation log write fails", [](World& w) { w.store.failLogAppends = true; }, ErrorKind::Unavailable,
     "unavailable"},
    {"fifth publish fails", [](World& w) { w.blobs.failPublishAfter = 4; }, ErrorKind::Unavailable,
     "unavailable"},
};

// ---- update

struct RenameCase {
    ImageFormat format;
    std::string clientName;  // at upload
    std::string input;       // PATCH filename
    std::string expected;
};
std::ostream& operator<<(std::ostream& os, const RenameCase& c) {
    return os << mimeType(c.format) << " '" << mofang::test::escaped(c.input) << "' -> '"
              << mofang::test::escaped(c.expected) << "'";
}
const std::vector<RenameCase> kRenames = {
    {ImageFormat::Jpeg, "photo.jpg", "renamed", "renamed.jpg"},
    {ImageFormat::Jpeg, "photo.jpg", "renamed.JPEG", "renamed.JPEG"},
    {ImageFormat::Jpeg, "photo.jpg", "renamed.png", "renamed.jpg"},
    {ImageFormat::Jpeg, "photo.jpg", "report.txt", "report.txt.jpg"},
    {ImageFormat::Jpeg, "photo.jpg", "../etc/a\\b/c<1>?.jpg", "c_1__.jpg"},
    {ImageFormat::Jpeg, "photo.jpg", "  ...  ", "file.jpg"},
    {ImageFormat::Jpeg, "photo.jpg", "春季 新品.jpg", "春季 新品.jpg"},
    {ImageFormat::Png, "photo.png", "shot.jpg", "shot.png"},
    {ImageFormat::Png, "photo.png", "shot", "shot.png"},
    {ImageFormat::Webp, "photo.webp", "x.gif", "x.webp"},
    {ImageFormat::Gif, "photo.gif", std::string(300, 'a') + ".gif", std::string(251, 'a') + ".gif"},
};

struct OrderCase {
    std::int64_t order;
    bool valid;
};
std::ostream& operator<<(std::ostream& os, const OrderCase& c) {
    return os << "order " << c.order << (c.valid ? " valid" : " invalid");
}
const std::vector<OrderCase> kOrders = {
    {0, true},
    {1, true},
    {999'999, true},
    {1'000'000, true},
    {-1, false},
    {1'000'001, false},
    {std::int64_t{1} << 31, false},
    {-(std::int64_t{1} << 40), false},
};

// ---- reorder: the list must be exactly the module's live materials

// Materials by letter: a, b, c live in the main module (orders 1, 2, 3), d deleted from it, e in
// the other module, x an id that does not exist.
struct ReorderRejectCase {
    std::string label;
    std::string ids;  // letters
};
std::ostream& operator<<(std::ostream& os, const ReorderRejectCase& c) {
    return os << c.label << " [" << c.ids << "]";
}
const std::vector<ReorderRejectCase> kBadReorders = {
    {"empty", ""},
    {"one missing", "ab"},
    {"only one", "c"},
    {"duplicate", "aabc"},
    {"duplicate instead of one", "aab"},
    {"another module's material", "abce"},
    {"another module's instead of one", "abe"},
    {"deleted material", "abcd"},
    {"unknown id", "abcx"},
};

// ---- delivery

struct DeliveryCase {
    ImageFormat format;
    std::string clientName;
    MaterialBytes which;
    std::string contentType;
    std::string filename;
};
std::ostream& operator<<(std::ostream& os, const DeliveryCase& c) {
    const char* which = c.which == MaterialBytes::File        ? "file"
                        : c.which == MaterialBytes::Thumbnail ? "thumbnail"
                                                              : "preview";
    return os << which << " of " << mofang::test::escaped(c.clientName);
}
const std::vector<DeliveryCase> kDeliveries = {
    {ImageFormat::Png, "photo.png", MaterialBytes::File, "image/png", "photo.png"},
    {ImageFormat::Png, "photo.png", MaterialBytes::Thumbnail, "image/jpeg", "photo-thumbnail.jpg"},
    {ImageFormat::Png, "photo.png", MaterialBytes::Preview, "image/jpeg", "photo.jpg"},
    {ImageFormat::Jpeg, "a.b.JPEG", MaterialBytes::File, "image/jpeg", "a.b.JPEG"},
    {ImageFormat::Jpeg, "a.b.JPEG", MaterialBytes::Thumbnail, "image/jpeg", "a.b-thumbnail.jpg"},
    {ImageFormat::Jpeg, "a.b.JPEG", MaterialBytes::Preview, "image/jpeg", "a.b.jpg"},
    {ImageFormat::Webp, "中文.webp", MaterialBytes::File, "image/webp", "中文.webp"},
    {ImageFormat::Webp, "中文.webp", MaterialBytes::Preview, "image/jpeg", "中文.jpg"},
    {ImageFormat::Gif, "anim.gif", MaterialBytes::Thumbnail, "image/jpeg", "anim-thumbnail.jpg"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(material_service_permissions)

BOOST_DATA_TEST_CASE(role_table, bdata::make(permissionCases()), c) {
    World w;
    const auto m = w.uploadOne("existing image");
    const std::string before = snapshot(w.store);
    const auto publishes = w.blobs.publishes;
    const Principal who = c.role == Role::Admin ? w.admin : c.role == Role::Uploader ? w.uploader : w.viewer;
    if (c.allowed) {
        BOOST_CHECK_NO_THROW(run(w, c.operation, who, m.id));
        return;
    }
    checkForbidden(thrownBy([&] { run(w, c.operation, who, m.id); }));
    BOOST_TEST(snapshot(w.store) == before);
    BOOST_TEST(w.blobs.publishes == publishes);
    BOOST_TEST(w.blobs.removedKeys.empty());
}

BOOST_AUTO_TEST_CASE(a_product_write_grant_lets_a_viewer_upload) {
    World w;
    const Principal granted(w.viewerId, Role::Viewer, {"product.write"});
    BOOST_CHECK_NO_THROW(w.materials.checkUpload(granted, w.moduleId));
    std::vector<StagedUpload> files;
    files.push_back(w.staged("granted"));
    const auto made = w.materials.upload(granted, w.moduleId, files, auditBy(w.viewerId));
    BOOST_REQUIRE_EQUAL(made.size(), 1u);
    BOOST_TEST(made[0].createdBy == w.viewerId);
}

BOOST_AUTO_TEST_CASE(check_upload_wants_a_live_module_of_a_live_product) {
    World w;
    BOOST_CHECK_NO_THROW(w.materials.checkUpload(w.uploader, w.moduleId));
    BOOST_CHECK_NO_THROW(w.materials.checkUpload(w.uploader, w.foreignModuleId));
    checkNotFound(thrownBy([&] { w.materials.checkUpload(w.uploader, 999); }));
    checkNotFound(thrownBy([&] { w.materials.checkUpload(w.uploader, 0); }));

    w.store.state.modules.erase(w.otherModuleId);
    checkNotFound(thrownBy([&] { w.materials.checkUpload(w.uploader, w.otherModuleId); }));

    w.store.transact([&](Repositories& r) { r.products().markDeleted(w.otherProductId, w.clock.t); });
    checkNotFound(thrownBy([&] { w.materials.checkUpload(w.uploader, w.foreignModuleId); }));
    // Permission comes first: a viewer learns nothing about the module.
    checkForbidden(thrownBy([&] { w.materials.checkUpload(w.viewer, 999); }));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(material_service_upload)

BOOST_AUTO_TEST_CASE(stores_rows_blobs_and_log_entries_and_continues_the_order) {
    World w;
    std::vector<StagedUpload> first;
    first.push_back(w.staged("bytes A", "a.jpg"));
    first.push_back(w.staged("bytes B", "b.jpg"));
    const auto earlier = w.upload(first);
    BOOST_REQUIRE_EQUAL(earlier.size(), 2u);
    BOOST_TEST(earlier[0].order == 1);
    BOOST_TEST(earlier[1].order == 2);

    w.clock.advance(60'000);
    w.blobs.publishes = 0;
    // Pins are committed before a blob appears, rows only after.
    std::vector<std::string> unpinnedAtPublish;
    std::size_t rowsAtPublish = 0;
    w.blobs.onPublish = [&](const std::string& key) {
        bool pinned = false;
        for (const auto& [id, pin] : w.store.state.pins) pinned = pinned || pin.first == key;
        if (!pinned) unpinnedAtPublish.push_back(key);
        rowsAtPublish = std::max(rowsAtPublish, w.store.state.materials.size());
    };

    struct Expected {
        std::string bytes;
        ImageFormat format;
        std::uint32_t width, height;
        std::optional<std::string> clientName;
        std::string filename;
        std::string mime;
    };
    const std::vector<Expected> expected = {
        {"JPEG bytes one", ImageFormat::Jpeg, 4000, 3000, "photo.png", "photo.jpg", "image/jpeg"},
        {"PNG bytes two", ImageFormat::Png, 16, 16384, "图片 二", "图片 二.png", "image/png"},
        {"GIF bytes three", ImageFormat::Gif, 10000, 10000, std::nullopt, "file.gif", "image/gif"},
        {"WebP bytes four", ImageFormat::Webp, 16384, 6103, "C:\\Users\\me\\x.webp", "x.webp", "image/webp"},
    };
    std::vector<StagedUpload> files;
    for (const auto& e : expected)
        files.push_back(w.staged(e.bytes, e.clientName, e.format, e.width, e.height));
    const auto made = w.upload(files);

    BOOST_REQUIRE_EQUAL(made.size(), expected.size());
    BOOST_TEST(unpinnedAtPublish.empty());
    BOOST_TEST(rowsAtPublish == 2u);
    for (std::size_t i = 0; i < made.size(); ++i) {
        BOOST_TEST_CONTEXT("file " << i) {
            const auto& m = made[i];
            const auto& e = expected[i];
            BOOST_TEST(m.id == earlier[1].id + 1 + static_cast<MaterialId>(i));
            BOOST_TEST(m.moduleId == w.moduleId);
            BOOST_TEST(m.productId == w.productId);
            BOOST_TEST(m.filename == e.filename);
            BOOST_TEST(m.filesize == e.bytes.size());
            BOOST_TEST(m.mimeType == e.mime);
            BOOST_TEST(m.width == static_cast<int>(e.width));
            BOOST_TEST(m.height == static_cast<int>(e.height));
            BOOST_TEST(m.order == 3 + static_cast<int>(i));
            BOOST_TEST(m.storageKey == fakeDigest(e.bytes));
            BOOST_TEST(m.sha256 == fakeDigest(e.bytes));
            BOOST_TEST(m.crc32 == crc32Of(e.bytes));
            const auto thumb = thumbnailBytes(e.bytes);
            BOOST_TEST(m.thumbnail.key == fakeDigest(thumb));
            BOOST_TEST(m.thumbnail.size == thumb.size());
            BOOST_TEST(m.thumbnail.crc32 == crc32Of(thumb));
            BOOST_TEST(m.thumbnail.width == FakeRenderer::kThumbnailWidth);
            BOOST_TEST(m.thumbnail.height == FakeRenderer::kThumbnailHeight);
            const auto preview = previewBytes(e.bytes);
            BOOST_TEST(m.preview.key == fakeDigest(preview));
            BOOST_TEST(m.preview.size == preview.size());
            BOOST_TEST(m.preview.crc32 == crc32Of(preview));
            BOOST_TEST(m.preview.width == FakeRenderer::kPreviewWidth);
            BOOST_TEST(m.preview.height == FakeRenderer::kPreviewHeight);
            BOOST_TEST(m.createdBy == w.uploaderId);
            BOOST_TEST(m.createdAt == w.clock.t);
            BOOST_TEST(m.updatedAt == w.clock.t);
            BOOST_TEST(!m.deleted);
            BOOST_TEST(!m.deletedAt);

            // The stored row is the returned one.
            BOOST_REQUIRE(w.store.state.materials.count(m.id));
            const auto& stored = w.row(m.id);
            BOOST_TEST(materialJson(stored) == materialJson(m));
            BOOST_TEST(keysOf(stored) == keysOf(m), boost::test_tools::per_element());
            BOOST_TEST(stored.crc32 == m.crc32);
            BOOST_TEST(stored.thumbnail.crc32 == m.thumbnail.crc32);
            BOOST_TEST(stored.preview.size == m.preview.size);

            // The three blobs are published with their bytes.
            BOOST_TEST(w.blobs.blobs.at(m.storageKey).bytes == e.bytes);
            BOOST_TEST(w.blobs.blobs.at(m.thumbnail.key).bytes == thumb);
            BOOST_TEST(w.blobs.blobs.at(m.preview.key).bytes == preview);

            // One log entry per file, in the same order.
            const auto& log = w.store.state.logs.at(2 + i);
            BOOST_TEST(log.action == "material.upload");
            BOOST_TEST(log.targetType == "material");
            BOOST_TEST(log.targetId == std::to_string(m.id));
            BOOST_TEST(log.userId.value_or(0) == w.uploaderId);
            BOOST_TEST(log.timestamp == w.clock.t);
            BOOST_TEST(log.detailsJson == R"({"after":)" + materialJson(m) + "}");
        }
    }
    BOOST_TEST(w.store.state.logs.size() == 2u + expected.size());
    BOOST_TEST(w.blobs.publishes == 3 * static_cast<int>(expected.size()));
    BOOST_TEST(w.blobs.blobs.size() == 3 * (2 + expected.size()));
    BOOST_TEST(w.blobs.removedKeys.empty());
    BOOST_TEST(w.store.state.pins.empty());
    BOOST_TEST(w.blobs.unpublishedWriters() == 0);  // rendition writers gone, uploads published
    BOOST_TEST(w.store.transactions == 4);          // per upload: pins, then rows + logs + unpins
}

BOOST_AUTO_TEST_CASE(orders_continue_after_the_highest_live_order) {
    World w;
    const auto a = w.uploadOne("a");
    const auto b = w.uploadOne("b");
    const auto c = w.uploadOne("c");
    BOOST_TEST(a.order == 1);
    BOOST_TEST(b.order == 2);
    BOOST_TEST(c.order == 3);
    w.materials.update(w.uploader, a.id, MaterialInput{std::nullopt, 40}, auditBy(w.uploaderId));
    BOOST_TEST(w.uploadOne("d").order == 41);
    // Other modules count for nothing.
    BOOST_TEST(w.uploadOne("e", "e.jpg", w.otherModuleId).order == 1);
    // A deleted material's order is free again.
    w.materials.remove(w.uploader, a.id, auditBy(w.uploaderId));
    w.materials.remove(w.uploader, w.listed(w.moduleId).back(), auditBy(w.uploaderId));
    BOOST_TEST(w.uploadOne("f").order == 4);
}

BOOST_AUTO_TEST_CASE(identical_files_share_their_blobs) {
    World w;
    const auto first = w.uploadOne("same bytes", "one.jpg");
    std::vector<StagedUpload> files;
    files.push_back(w.staged("same bytes", "two.jpg"));
    files.push_back(w.staged("same bytes", "three.jpg"));
    const auto made = w.upload(files);
    BOOST_REQUIRE_EQUAL(made.size(), 2u);
    for (const auto& m : made) {
        BOOST_TEST(keysOf(m) == keysOf(first), boost::test_tools::per_element());
        BOOST_TEST(m.id != first.id);
    }
    BOOST_TEST(w.published() == keysFor("same bytes"), boost::test_tools::per_element());
    BOOST_TEST(w.liveRows() == 3u);
    BOOST_TEST(w.store.state.pins.empty());
}

BOOST_AUTO_TEST_CASE(an_empty_request_is_a_validation_error_on_file) {
    World w;
    std::vector<StagedUpload> none;
    checkValidation(thrownBy([&] { w.upload(none); }), {"file"});
    BOOST_TEST(w.store.transactions == 0);
}

BOOST_DATA_TEST_CASE(invalid_files_reject_the_whole_request_and_leave_nothing, bdata::make(kRejected), c) {
    World w;
    std::vector<StagedUpload> files;
    for (std::size_t i = 0; i < c.files.size(); ++i) {
        const auto& f = c.files[i];
        files.push_back(w.staged("image " + std::to_string(i), f.name, ImageFormat::Jpeg, f.width, f.height));
    }
    checkValidation(thrownBy([&] { w.upload(files); }), c.fields);
    BOOST_TEST(w.renderer.renders == 0);
    BOOST_TEST(w.blobs.publishes == 0);
    BOOST_TEST(w.blobs.blobs.empty());
    BOOST_TEST(w.store.transactions == 0);
    checkNothingStored(w, files);
}

BOOST_AUTO_TEST_CASE(an_undecodable_second_file_of_three_publishes_nothing) {
    World w;
    std::vector<StagedUpload> files;
    for (const auto* bytes : {"first", "second", "third"}) files.push_back(w.staged(bytes));
    w.renderer.undecodablePath = files[1].blob->stagedPath();

    const auto e = thrownBy([&] { w.upload(files); });
    BOOST_TEST(e.kind() == ErrorKind::UnsupportedMediaType);
    BOOST_TEST(e.code() == "undecodable_image");
    BOOST_TEST(w.blobs.publishes == 0);
    BOOST_TEST(w.blobs.blobs.empty());
    BOOST_TEST(w.store.transactions == 0);  // not even the pins
    // The first file's renditions were discarded with their writers; the uploads are the caller's.
    BOOST_TEST(w.blobs.staged.size() == 3u);
    BOOST_TEST(w.blobs.unpublishedWriters() == 3);
    checkNothingStored(w, files);
}

BOOST_DATA_TEST_CASE(a_late_failure_removes_the_blobs_it_published_again, bdata::make(kLateFailures), c) {
    World w;
    std::vector<StagedUpload> files;
    files.push_back(w.staged("first"));
    files.push_back(w.staged("second", "second.png", ImageFormat::Png));
    c.arrange(w);

    const auto e = thrownBy([&] { w.upload(files); });
    BOOST_TEST(e.kind() == c.kind);
    BOOST_TEST(e.code() == c.code);
    BOOST_TEST(w.blobs.publishes > 0);
    BOOST_TEST(w.blobs.blobs.empty());
    // Every blob it published (six distinct keys, or the four before the failing publish).
    const Keys removed(w.blobs.removedKeys.begin(), w.blobs.removedKeys.end());
    BOOST_TEST(removed.size() == w.blobs.removedKeys.size());
    BOOST_TEST(removed.size() == static_cast<std::size_t>(w.blobs.publishes));
    const Keys ours = unionOf({keysFor("first"), keysFor("second")});
    for (const auto& key : removed) BOOST_TEST(ours.count(key) == 1u);
    BOOST_TEST(w.store.state.materials.empty());
    BOOST_TEST(w.store.state.pins.empty());
    checkNothingStored(w, files);
}

BOOST_AUTO_TEST_CASE(a_late_failure_keeps_the_blobs_that_others_still_need) {
    World w;
    // Earlier uploads: one live, one deleted 10 days ago (within retention), one deleted 35
    // days ago (past it; its blobs are garbage that no collection has taken yet).
    const auto live = w.uploadOne("live duplicate");
    const auto retained = w.uploadOne("retained duplicate");
    const auto expired = w.uploadOne("expired duplicate");
    w.materials.remove(w.admin, expired.id, auditBy(w.adminId));
    w.clock.advance(25 * kDay);
    w.materials.remove(w.admin, retained.id, auditBy(w.adminId));
    w.clock.advance(10 * kDay);
    // Another request has pinned a key it is about to publish.
    const auto foreignPinKey = fakeDigest("pinned by another request");
    w.store.transact([&](Repositories& r) { r.blobReferences().pin(foreignPinKey, w.clock.t); });
    const auto before = snapshot(w.store);

    std::vector<StagedUpload> files;
    for (const auto* bytes : {"live duplicate", "retained duplicate", "expired duplicate", "brand new",
                              "pinned by another request"})
        files.push_back(w.staged(bytes));
    w.store.failLogAppends = true;
    const auto e = thrownBy([&] { w.upload(files); });
    BOOST_TEST(e.kind() == ErrorKind::Unavailable);

    BOOST_TEST(snapshot(w.store) == before);  // no rows, our pins gone, the other request's kept
    BOOST_TEST(w.published() == unionOf({keysOf(live), keysOf(retained), {foreignPinKey}}),
               boost::test_tools::per_element());
    const Keys removed(w.blobs.removedKeys.begin(), w.blobs.removedKeys.end());
    BOOST_TEST(removed == unionOf({keysOf(expired),
                                   keysFor("brand new"),
                                   {fakeDigest(thumbnailBytes("pinned by another request")),
                                    fakeDigest(previewBytes("pinned by another request"))}}),
               boost::test_tools::per_element());
    files.clear();
    BOOST_TEST(w.blobs.staged.empty());
}

BOOST_AUTO_TEST_CASE(a_late_failure_keeps_a_blob_that_a_concurrent_writer_published_after_the_check) {
    World w;
    std::vector<StagedUpload> files;
    files.push_back(w.staged("contested"));
    w.store.failLogAppends = true;
    // Between the reference check and the removal another request pins and publishes the same
    // bytes: its publish is after the remover's mark, so the blob stays.
    const auto contested = fakeDigest("contested");
    w.blobs.beforeRemoveIfStale = [&](const std::string& key) {
        if (key == contested) w.blobs.put("contested");
    };
    const auto e = thrownBy([&] { w.upload(files); });
    BOOST_TEST(e.kind() == ErrorKind::Unavailable);
    BOOST_TEST(w.published() == Keys{contested}, boost::test_tools::per_element());
    BOOST_TEST(w.blobs.removedKeys.size() == 2u);
}

BOOST_AUTO_TEST_CASE(an_upload_into_a_missing_module_is_not_found_and_leaves_nothing) {
    World w;
    std::vector<StagedUpload> files;
    files.push_back(w.staged("orphan"));
    checkNotFound(thrownBy([&] { w.upload(files, 999); }));
    BOOST_TEST(w.blobs.blobs.empty());
    checkNothingStored(w, files);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(material_service_update)

BOOST_DATA_TEST_CASE(a_new_filename_is_sanitised_and_keeps_the_stored_type, bdata::make(kRenames), c) {
    World w;
    std::vector<StagedUpload> files;
    files.push_back(w.staged("image", c.clientName, c.format));
    const auto m = w.upload(files).at(0);
    w.clock.advance(1000);
    const auto updated =
        w.materials.update(w.uploader, m.id, MaterialInput{c.input, std::nullopt}, auditBy(w.uploaderId));
    BOOST_TEST(updated.filename == c.expected);
    BOOST_TEST(w.row(m.id).filename == c.expected);
    BOOST_TEST(updated.mimeType == m.mimeType);
    BOOST_TEST(updated.order == m.order);
}

BOOST_AUTO_TEST_CASE(update_writes_the_row_and_logs_before_and_after) {
    World w;
    const auto m = w.uploadOne("image", "before.jpg");
    const auto other = w.uploadOne("other", "other.jpg");
    w.clock.advance(5000);
    const auto updated =
        w.materials.update(w.uploader, m.id, MaterialInput{"after.jpg", 7}, auditBy(w.uploaderId));

    BOOST_TEST(updated.id == m.id);
    BOOST_TEST(updated.filename == "after.jpg");
    BOOST_TEST(updated.order == 7);
    BOOST_TEST(updated.updatedAt == w.clock.t);
    BOOST_TEST(updated.createdAt == m.createdAt);
    BOOST_TEST(keysOf(updated) == keysOf(m), boost::test_tools::per_element());
    BOOST_TEST(materialJson(w.row(m.id)) == materialJson(updated));
    BOOST_TEST(materialJson(w.row(other.id)) == materialJson(other));

    const auto& log = w.store.state.logs.back();
    BOOST_TEST(log.action == "material.update");
    BOOST_TEST(log.targetId == std::to_string(m.id));
    BOOST_TEST(log.timestamp == w.clock.t);
    BOOST_TEST(log.detailsJson ==
               R"({"before":)" + materialJson(m) + R"(,"after":)" + materialJson(updated) + "}");

    // Absent fields stay as they are.
    w.clock.advance(1);
    const auto touched = w.materials.update(w.uploader, m.id, MaterialInput{}, auditBy(w.uploaderId));
    BOOST_TEST(touched.filename == "after.jpg");
    BOOST_TEST(touched.order == 7);
    BOOST_TEST(touched.updatedAt == w.clock.t);
}

BOOST_DATA_TEST_CASE(order_bounds, bdata::make(kOrders), c) {
    World w;
    const auto m = w.uploadOne("image");
    const auto before = snapshot(w.store);
    const auto update = [&] {
        return w.materials.update(w.uploader, m.id, MaterialInput{std::nullopt, c.order},
                                  auditBy(w.uploaderId));
    };
    if (c.valid) {
        BOOST_TEST(update().order == c.order);
        BOOST_TEST(w.row(m.id).order == c.order);
        return;
    }
    checkValidation(thrownBy(update), {"order"});
    BOOST_TEST(snapshot(w.store) == before);
}

BOOST_AUTO_TEST_CASE(every_invalid_field_is_reported_and_nothing_changes) {
    World w;
    const auto m = w.uploadOne("image");
    const auto before = snapshot(w.store);
    checkValidation(thrownBy([&] {
                        w.materials.update(w.uploader, m.id, MaterialInput{std::string("bad\xff"), -5},
                                           auditBy(w.uploaderId));
                    }),
                    {"filename", "order"});
    BOOST_TEST(snapshot(w.store) == before);
}

BOOST_AUTO_TEST_CASE(only_live_materials_of_live_modules_and_products_can_be_updated) {
    World w;
    const auto deleted = w.uploadOne("deleted");
    w.materials.remove(w.uploader, deleted.id, auditBy(w.uploaderId));
    const auto inRemovedModule = w.uploadOne("module gone", "x.jpg", w.otherModuleId);
    w.store.state.modules.erase(w.otherModuleId);
    const auto ofDeletedProduct = w.uploadOne("product gone", "y.jpg", w.foreignModuleId);
    w.store.state.products.at(w.otherProductId).deleted = true;
    const auto before = snapshot(w.store);

    for (const MaterialId id : {deleted.id, inRemovedModule.id, ofDeletedProduct.id, MaterialId{999}}) {
        BOOST_TEST_CONTEXT("material " << id) {
            checkNotFound(thrownBy([&] {
                w.materials.update(w.uploader, id, MaterialInput{"x", 1}, auditBy(w.uploaderId));
            }));
            checkNotFound(thrownBy([&] { w.materials.get(w.uploader, id); }));
            checkNotFound(thrownBy([&] { w.materials.remove(w.uploader, id, auditBy(w.uploaderId)); }));
            checkNotFound(thrownBy([&] { w.materials.delivery(w.viewer, id, MaterialBytes::File); }));
        }
    }
    BOOST_TEST(snapshot(w.store) == before);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(material_service_remove)

BOOST_AUTO_TEST_CASE(remove_soft_deletes_logs_and_keeps_the_blobs) {
    World w;
    const auto m = w.uploadOne("doomed");
    const auto keep = w.uploadOne("kept");
    w.clock.advance(3000);
    w.materials.remove(w.uploader, m.id, auditBy(w.uploaderId));

    BOOST_TEST(w.row(m.id).deleted);
    BOOST_TEST(w.row(m.id).deletedAt.value_or(0) == w.clock.t);
    BOOST_TEST(!w.row(keep.id).deleted);
    BOOST_TEST(w.listed(w.moduleId) == Ids{keep.id}, boost::test_tools::per_element());
    checkNotFound(thrownBy([&] { w.materials.get(w.uploader, m.id); }));

    const auto& log = w.store.state.logs.back();
    BOOST_TEST(log.action == "material.delete");
    BOOST_TEST(log.targetId == std::to_string(m.id));
    BOOST_TEST(log.timestamp == w.clock.t);
    BOOST_TEST(log.detailsJson == R"({"before":)" + materialJson(m) + "}");

    // The blobs wait for the garbage collection (and the retention period).
    BOOST_TEST(w.published() == unionOf({keysOf(m), keysOf(keep)}), boost::test_tools::per_element());
    BOOST_TEST(w.blobs.removedKeys.empty());

    // Once is enough.
    const auto logs = w.store.state.logs.size();
    checkNotFound(thrownBy([&] { w.materials.remove(w.uploader, m.id, auditBy(w.uploaderId)); }));
    BOOST_TEST(w.store.state.logs.size() == logs);
    BOOST_TEST(w.row(m.id).deletedAt.value_or(0) == w.clock.t);
}

BOOST_AUTO_TEST_CASE(a_failing_log_write_rolls_the_removal_back) {
    World w;
    const auto m = w.uploadOne("image");
    const auto before = snapshot(w.store);
    w.store.failLogAppends = true;
    BOOST_TEST(thrownBy([&] { w.materials.remove(w.uploader, m.id, auditBy(w.uploaderId)); }).kind() ==
               ErrorKind::Unavailable);
    BOOST_TEST(thrownBy([&] {
                   w.materials.update(w.uploader, m.id, MaterialInput{"x", 9}, auditBy(w.uploaderId));
               }).kind() == ErrorKind::Unavailable);
    BOOST_TEST(thrownBy([&] {
                   w.materials.reorder(w.uploader, w.moduleId, {m.id}, auditBy(w.uploaderId));
               }).kind() == ErrorKind::Unavailable);
    BOOST_TEST(snapshot(w.store) == before);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(material_service_reorder)

BOOST_AUTO_TEST_CASE(reorder_numbers_the_list_from_one_and_logs_both_sequences) {
    World w;
    const auto a = w.uploadOne("a");
    const auto b = w.uploadOne("b");
    const auto c = w.uploadOne("c");
    const auto d = w.uploadOne("d");
    w.materials.remove(w.uploader, d.id, auditBy(w.uploaderId));
    const auto e = w.uploadOne("e", "e.jpg", w.otherModuleId);
    w.clock.advance(1000);

    const auto out = w.materials.reorder(w.uploader, w.moduleId, {c.id, a.id, b.id}, auditBy(w.uploaderId));
    BOOST_REQUIRE_EQUAL(out.size(), 3u);
    const Ids expected{c.id, a.id, b.id};
    for (std::size_t i = 0; i < out.size(); ++i) {
        BOOST_TEST(out[i].id == expected[i]);
        BOOST_TEST(out[i].order == static_cast<int>(i) + 1);
        BOOST_TEST(w.row(expected[i]).order == static_cast<int>(i) + 1);
        BOOST_TEST(w.row(expected[i]).updatedAt == w.clock.t);
    }
    BOOST_TEST(w.listed(w.moduleId) == expected, boost::test_tools::per_element());
    BOOST_TEST(w.row(e.id).order == 1);  // the other module is untouched
    BOOST_TEST(w.row(d.id).order == 4);  // and so is the deleted material

    const auto ids = [](const std::vector<MaterialId>& v) {
        std::string s;
        for (const auto id : v) s += (s.empty() ? "\"" : ",\"") + std::to_string(id) + "\"";
        return "[" + s + "]";
    };
    const auto m = std::to_string(w.moduleId);
    const auto& log = w.store.state.logs.back();
    BOOST_TEST(log.action == "material.reorder");
    BOOST_TEST(log.targetId == m);
    BOOST_TEST(log.timestamp == w.clock.t);
    BOOST_TEST(log.detailsJson == R"({"before":{"moduleId":")" + m + R"(","materialIds":)" +
                                      ids({a.id, b.id, c.id}) + R"(},"after":{"moduleId":")" + m +
                                      R"(","materialIds":)" + ids(expected) + "}}");
}

BOOST_AUTO_TEST_CASE(reorder_touches_only_the_materials_that_move) {
    World w;
    const auto a = w.uploadOne("a");
    const auto b = w.uploadOne("b");
    const auto c = w.uploadOne("c");
    const Millis uploadedAt = w.clock.t;
    w.clock.advance(1000);
    w.materials.reorder(w.uploader, w.moduleId, {a.id, c.id, b.id}, auditBy(w.uploaderId));
    BOOST_TEST(w.row(a.id).updatedAt == uploadedAt);
    BOOST_TEST(w.row(b.id).updatedAt == w.clock.t);
    BOOST_TEST(w.row(c.id).updatedAt == w.clock.t);

    // Gaps and ties are closed up by the same rule.
    w.materials.update(w.uploader, a.id, MaterialInput{std::nullopt, 50}, auditBy(w.uploaderId));
    w.materials.update(w.uploader, b.id, MaterialInput{std::nullopt, 50}, auditBy(w.uploaderId));
    w.materials.reorder(w.uploader, w.moduleId, w.listed(w.moduleId), auditBy(w.uploaderId));
    BOOST_TEST(w.listed(w.moduleId) == (Ids{c.id, a.id, b.id}), boost::test_tools::per_element());
    BOOST_TEST(w.row(c.id).order == 1);
    BOOST_TEST(w.row(a.id).order == 2);
    BOOST_TEST(w.row(b.id).order == 3);
}

BOOST_DATA_TEST_CASE(the_list_must_be_exactly_the_live_materials, bdata::make(kBadReorders), c) {
    World w;
    std::map<char, MaterialId> byLetter;
    byLetter['a'] = w.uploadOne("a").id;
    byLetter['b'] = w.uploadOne("b").id;
    byLetter['c'] = w.uploadOne("c").id;
    byLetter['d'] = w.uploadOne("d").id;
    w.materials.remove(w.uploader, byLetter['d'], auditBy(w.uploaderId));
    byLetter['e'] = w.uploadOne("e", "e.jpg", w.otherModuleId).id;
    byLetter['x'] = 999;
    Ids ids;
    for (const char letter : c.ids) ids.push_back(byLetter.at(letter));
    const auto before = snapshot(w.store);

    checkValidation(
        thrownBy([&] { w.materials.reorder(w.uploader, w.moduleId, ids, auditBy(w.uploaderId)); }),
        {"materialIds"});
    BOOST_TEST(snapshot(w.store) == before);
}

BOOST_AUTO_TEST_CASE(an_empty_module_takes_the_empty_list_and_a_missing_module_is_not_found) {
    World w;
    const auto out = w.materials.reorder(w.uploader, w.otherModuleId, {}, auditBy(w.uploaderId));
    BOOST_TEST(out.empty());
    BOOST_TEST(w.store.state.logs.back().action == "material.reorder");
    checkNotFound(thrownBy([&] { w.materials.reorder(w.uploader, 999, {}, auditBy(w.uploaderId)); }));
    w.store.state.products.at(w.otherProductId).deleted = true;
    checkNotFound(
        thrownBy([&] { w.materials.reorder(w.uploader, w.foreignModuleId, {}, auditBy(w.uploaderId)); }));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(material_service_reads)

BOOST_DATA_TEST_CASE(delivery_names_the_key_type_and_filename, bdata::make(kDeliveries), c) {
    World w;
    std::vector<StagedUpload> files;
    files.push_back(w.staged("image bytes", c.clientName, c.format));
    const auto m = w.upload(files).at(0);
    const auto d = w.materials.delivery(w.viewer, m.id, c.which);
    const auto& key = c.which == MaterialBytes::File        ? m.storageKey
                      : c.which == MaterialBytes::Thumbnail ? m.thumbnail.key
                                                            : m.preview.key;
    BOOST_TEST(d.key == key);
    BOOST_TEST(d.contentType == c.contentType);
    BOOST_TEST(d.filename == c.filename);
    BOOST_TEST(d.material.id == m.id);
    BOOST_TEST(w.blobs.has(d.key));
}

BOOST_AUTO_TEST_CASE(get_returns_the_live_row) {
    World w;
    const auto m = w.uploadOne("image");
    BOOST_TEST(materialJson(w.materials.get(w.viewer, m.id)) == materialJson(m));
}

BOOST_AUTO_TEST_CASE(for_modules_groups_live_materials_in_display_order) {
    World w;
    const auto a = w.uploadOne("a");
    const auto b = w.uploadOne("b");
    const auto c = w.uploadOne("c");
    const auto x = w.uploadOne("x", "x.jpg", w.otherModuleId);
    const auto gone = w.uploadOne("gone", "g.jpg", w.otherModuleId);
    w.materials.remove(w.uploader, gone.id, auditBy(w.uploaderId));
    const auto foreign = w.uploadOne("f", "f.jpg", w.foreignModuleId);
    w.materials.reorder(w.uploader, w.moduleId, {c.id, a.id, b.id}, auditBy(w.uploaderId));

    const auto grouped = w.materials.forModules(w.viewer, {w.otherModuleId, w.moduleId, 999});
    BOOST_REQUIRE_EQUAL(grouped.size(), 2u);
    const auto idsOf = [](const std::vector<Material>& ms) {
        Ids out;
        for (const auto& m : ms) out.push_back(m.id);
        return out;
    };
    BOOST_TEST(idsOf(grouped.at(w.moduleId)) == (Ids{c.id, a.id, b.id}), boost::test_tools::per_element());
    BOOST_TEST(idsOf(grouped.at(w.otherModuleId)) == Ids{x.id}, boost::test_tools::per_element());
    BOOST_TEST(grouped.count(w.foreignModuleId) == 0u);
    BOOST_TEST(materialJson(grouped.at(w.otherModuleId).at(0)) == materialJson(x));

    BOOST_TEST(w.materials.forModules(w.viewer, {}).empty());
    BOOST_TEST(w.materials.forModules(w.viewer, {999}).empty());
    BOOST_TEST(w.materials.forModules(w.viewer, {w.foreignModuleId}).at(w.foreignModuleId).at(0).id ==
               foreign.id);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(material_service_garbage_collection)

// Blobs of: a live material, a material deleted within the retention period, one deleted past
// it, one deleted past it that shares its bytes with the live one, an orphan, a blob pinned by
// a writer in progress, and one whose pin is older than a day (a crashed writer's).
struct GcWorld : World {
    Material live, retained, expired, sharesWithLive;
    std::string orphan, pinned, stalePinned;
    std::uint64_t expiredBytes = 0;

    GcWorld() {
        live = uploadOne("live image");
        expired = uploadOne("expired image");
        sharesWithLive = uploadOne("live image");
        materials.remove(admin, expired.id, auditBy(adminId));
        materials.remove(admin, sharesWithLive.id, auditBy(adminId));
        clock.advance(kRetainDays * kDay - 5 * kDay);
        retained = uploadOne("retained image");
        materials.remove(admin, retained.id, auditBy(adminId));
        orphan = blobs.put("orphan bytes");
        stalePinned = blobs.put("crashed writer's bytes");
        store.transact([&](Repositories& r) { r.blobReferences().pin(stalePinned, clock.t); });
        clock.advance(5 * kDay + 1);  // `expired` is now 1 ms past retention, `retained` 5 days within
        pinned = blobs.put("in progress");
        store.transact([&](Repositories& r) { r.blobReferences().pin(pinned, clock.t - 1000); });
        blobs.abandonedBytes = 4321;
        for (const auto& key : keysOf(expired)) expiredBytes += blobs.blobs.at(key).bytes.size();
        blobs.publishes = 0;
    }

    Keys garbage() const { return unionOf({keysOf(expired), {orphan}}); }
    std::uint64_t garbageBytes() const { return expiredBytes + std::string("orphan bytes").size(); }
};

void checkReportNamesGarbage(const GcReport& report, const GcWorld& w) {
    BOOST_TEST(report.blobsSeen == 3u * 3 + 3);
    BOOST_TEST(report.blobsRemoved == w.garbage().size());
    BOOST_TEST(report.bytesFreed == w.garbageBytes());
    Keys removed;
    std::uint64_t sizes = 0;
    for (const auto& [key, size] : report.removed) {
        removed.insert(key);
        sizes += size;
    }
    BOOST_TEST(removed == w.garbage(), boost::test_tools::per_element());
    BOOST_TEST(report.removed.size() == w.garbage().size());
    BOOST_TEST(sizes == w.garbageBytes());
}

BOOST_FIXTURE_TEST_CASE(a_dry_run_only_counts, GcWorld) {
    const auto before = snapshot(store);
    const auto blobsBefore = published();
    const auto report = materials.collectGarbage(true);
    checkReportNamesGarbage(report, *this);
    BOOST_TEST(report.abandonedBytesFreed == 0u);
    BOOST_TEST(report.pinsExpired == 0u);
    BOOST_TEST(published() == blobsBefore, boost::test_tools::per_element());
    BOOST_TEST(blobs.removedKeys.empty());
    BOOST_TEST(blobs.removeAbandonedCalls.empty());
    BOOST_TEST(snapshot(store) == before);
}

BOOST_FIXTURE_TEST_CASE(removes_what_nothing_references_and_keeps_the_rest, GcWorld) {
    const auto report = materials.collectGarbage(false);
    checkReportNamesGarbage(report, *this);
    const Keys removed(blobs.removedKeys.begin(), blobs.removedKeys.end());
    BOOST_TEST(removed == garbage(), boost::test_tools::per_element());
    BOOST_TEST(published() == unionOf({keysOf(live), keysOf(retained), {pinned, stalePinned}}),
               boost::test_tools::per_element());
    // Writers' leftovers older than a day, and pins older than a day.
    BOOST_TEST(report.abandonedBytesFreed == 4321u);
    BOOST_TEST(blobs.removeAbandonedCalls == std::vector<Millis>{clock.t - kDay},
               boost::test_tools::per_element());
    BOOST_TEST(report.pinsExpired == 1u);
    BOOST_REQUIRE_EQUAL(store.state.pins.size(), 1u);
    BOOST_TEST(store.state.pins.begin()->second.first == pinned);
    BOOST_TEST(blobs.publishes == 0);

    // The next run finds the crashed writer's blob unpinned, and, past the retention, the
    // retained material's blobs too.
    clock.advance(26 * kDay);
    const auto next = materials.collectGarbage(false);
    Keys second;
    for (const auto& [key, size] : next.removed) second.insert(key);
    BOOST_TEST(second == unionOf({keysOf(retained), {stalePinned}}), boost::test_tools::per_element());
    BOOST_TEST(published() == unionOf({keysOf(live), {pinned}}), boost::test_tools::per_element());
    BOOST_TEST(next.pinsExpired == 1u);  // the writer in progress has been gone for 26 days
    BOOST_TEST(store.state.pins.empty());

    // Nothing left to do.
    const auto third = materials.collectGarbage(false);
    BOOST_TEST(third.removed.size() == 1u);  // the pinned blob, now unpinned
    BOOST_TEST(published() == keysOf(live), boost::test_tools::per_element());
    BOOST_TEST(materials.collectGarbage(false).blobsRemoved == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_blob_published_again_after_the_reference_read_is_kept, GcWorld) {
    // A writer whose pin the reference read missed publishes the orphan's bytes again before
    // the removal: the blob is newer than the collector's mark.
    blobs.beforeRemoveIfStale = [&](const std::string& key) {
        if (key == orphan) blobs.put("orphan bytes");
    };
    const auto report = materials.collectGarbage(false);
    BOOST_TEST(blobs.has(orphan));
    Keys removed;
    for (const auto& [key, size] : report.removed) removed.insert(key);
    BOOST_TEST(removed == keysOf(expired), boost::test_tools::per_element());
    BOOST_TEST(report.blobsRemoved == 3u);
    BOOST_TEST(report.bytesFreed == expiredBytes);
}

BOOST_AUTO_TEST_CASE(a_material_deleted_with_its_module_keeps_its_blobs_for_the_retention_period) {
    World w;
    const auto m = w.uploadOne("in a module that goes");
    w.store.transact([&](Repositories& r) {
        r.materials().markDeletedByModule(w.moduleId, w.clock.t);
        r.modules().remove(w.moduleId);
    });
    w.clock.advance(kRetainDays * kDay - 1);
    BOOST_TEST(w.materials.collectGarbage(false).blobsRemoved == 0u);
    BOOST_TEST(w.published() == keysOf(m), boost::test_tools::per_element());
    w.clock.advance(2);
    BOOST_TEST(w.materials.collectGarbage(false).blobsRemoved == 3u);
    BOOST_TEST(w.published().empty());
}

BOOST_AUTO_TEST_SUITE_END()
