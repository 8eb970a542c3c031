#include <boost/test/unit_test.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "Fakes.hpp"
#include "Support.hpp"
#include "domain/GenerationService.hpp"
#include "domain/MaterialService.hpp"
#include "domain/ModelPhotoService.hpp"

using namespace mofang::domain;
using mofang::test::FakeBlobStore;
using mofang::test::FakeClock;
using mofang::test::FakeRandom;
using mofang::test::FakeRenderer;
using mofang::test::FakeStore;
using mofang::test::fieldsOf;
using mofang::test::pngOf;
using mofang::test::thrownBy;

namespace {

using Keys = std::set<std::string>;

constexpr int kRetainDays = 30;
constexpr Millis kDay = 24LL * 60 * 60 * 1000;

AuditContext auditBy(UserId actor) {
    return AuditContext{actor, "203.0.113.9", "catalogue-ui", std::nullopt};
}

struct OneShot final : Generator {
    std::string bytes;
    GenerationResult generate(const GenerationRequest&, GenerationControl&) override {
        GenerationResult r;
        r.images.push_back(GeneratedImage{bytes});
        return r;
    }
};

struct NoControl final : GenerationControl {
    void progress(int) override {}
    bool stopRequested() const override { return false; }
};

// A product with a module; an uploader who generated one model photo (result, preview and
// thumbnail stored through the real GenerationService), a second uploader, an admin, a viewer.
struct World {
    FakeStore store;
    FakeClock clock;
    FakeRandom random;
    FakeBlobStore blobs;
    FakeRenderer renderer{blobs};
    MaterialService materials{store, blobs, renderer, clock, kRetainDays};
    ModelPhotoService photos{store, clock, random, 3};
    UserId ownerId = store.addUser("owner", "pw", Role::Uploader);
    UserId otherId = store.addUser("other", "pw", Role::Uploader);
    UserId adminId = store.addUser("admin", "pw", Role::Admin);
    UserId viewerId = store.addUser("viewer", "pw", Role::Viewer);
    Principal owner{ownerId, Role::Uploader, {}};
    Principal other{otherId, Role::Uploader, {}};
    Principal admin{adminId, Role::Admin, {}};
    Principal viewer{viewerId, Role::Viewer, {}};
    ModuleId moduleId = 0;
    ModelPhotoId photoId = 0;
    ModelImage result, preview, thumbnail;

    explicit World(std::string bytes = pngOf(768, 1024)) {
        store.transact([&](Repositories& r) {
            Product p;
            p.name = "Coat";
            p.spuCode = "SPU-001";
            p.gender = "female";
            p.ageRange = "adult";
            const auto productId = r.products().insert(p);
            MaterialModule m;
            m.productId = productId;
            m.type = "main";
            moduleId = r.modules().insert(m);
            Material existing;
            existing.moduleId = moduleId;
            existing.productId = productId;
            existing.order = 4;
            existing.storageKey = "existing";
            r.materials().insert(existing);
        });
        ModelPhotoInput in;
        in.prompt = "red coat";
        photoId = photos.create(owner, in, auditBy(ownerId)).id;
        GenerationService generation(store, blobs, renderer, clock, random, WorkerPolicy{});
        OneShot generator;
        generator.bytes = std::move(bytes);
        NoControl control;
        const auto claimed = generation.claim("w1");
        if (!claimed || generation.run(*claimed, "w1", generator, control) != TaskOutcome::Completed)
            throw std::logic_error("set-up: generation did not complete");
        for (const auto& [id, i] : store.state.modelImages) {
            if (i.imageType == ModelImageType::Result) result = i;
            if (i.imageType == ModelImageType::Preview) preview = i;
            if (i.imageType == ModelImageType::Thumbnail) thumbnail = i;
        }
        store.state.logs.clear();
        store.transactions = 0;
    }

    Material import(const Principal& who, ModelImageId id) {
        return materials.importModelImage(who, moduleId, id, auditBy(who.id()));
    }
    Keys published() const {
        Keys out;
        for (const auto& [key, blob] : blobs.blobs) out.insert(key);
        return out;
    }
    std::size_t materialRows() const { return store.state.materials.size(); }
};

void checkNotFound(const DomainError& e) {
    BOOST_TEST(e.kind() == ErrorKind::NotFound);
    BOOST_TEST(e.code() == "not_found");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(model_image_import)

BOOST_AUTO_TEST_CASE(the_material_reuses_the_results_blobs) {
    World w;
    const auto publishes = w.blobs.publishes;
    const auto m = w.import(w.owner, w.result.id);

    BOOST_TEST(m.id > 0);
    BOOST_TEST(m.moduleId == w.moduleId);
    BOOST_TEST(m.order == 5);  // after the module's last
    BOOST_TEST(m.filename == "model-" + std::to_string(w.photoId) + "-1.png");
    BOOST_TEST(m.mimeType == "image/png");
    BOOST_TEST(m.filesize == w.result.size);
    BOOST_TEST(m.width == 768);
    BOOST_TEST(m.height == 1024);
    BOOST_TEST(m.storageKey == w.result.storageKey);
    BOOST_TEST(m.sha256 == w.result.sha256);
    BOOST_TEST(m.crc32 == w.result.crc32);
    BOOST_TEST(m.preview.key == w.preview.storageKey);
    BOOST_TEST(m.preview.size == w.preview.size);
    BOOST_TEST(m.preview.crc32 == w.preview.crc32);
    BOOST_TEST(m.preview.width == w.preview.width);
    BOOST_TEST(m.preview.height == w.preview.height);
    BOOST_TEST(m.thumbnail.key == w.thumbnail.storageKey);
    BOOST_TEST(m.thumbnail.size == w.thumbnail.size);
    BOOST_TEST(m.thumbnail.width == w.thumbnail.width);
    BOOST_TEST(m.createdBy == w.ownerId);
    BOOST_TEST(m.createdAt == w.clock.t);

    // Nothing copied: no new blobs, one row, one log entry, one transaction.
    BOOST_TEST(w.blobs.publishes == publishes);
    BOOST_TEST(w.store.transactions == 1);
    BOOST_TEST(materialJson(w.store.state.materials.at(m.id)) == materialJson(m));
    BOOST_TEST(w.store.actions() == (std::vector<std::string>{"material.upload"}),
               boost::test_tools::per_element());
    BOOST_TEST(w.store.state.logs.back().targetId == std::to_string(m.id));
}

BOOST_AUTO_TEST_CASE(someone_elses_image_is_not_found_unless_read_all) {
    World w;
    checkNotFound(thrownBy([&] { w.import(w.other, w.result.id); }));
    BOOST_TEST(w.materialRows() == 1U);
    BOOST_TEST(w.store.state.logs.empty());
    // The admin holds model.read_all and product.write.
    BOOST_TEST(w.import(w.admin, w.result.id).storageKey == w.result.storageKey);
}

BOOST_AUTO_TEST_CASE(unknown_and_deleted_images_are_not_found) {
    World w;
    checkNotFound(thrownBy([&] { w.import(w.owner, 999); }));
    w.photos.remove(w.owner, w.photoId, auditBy(w.ownerId));
    checkNotFound(thrownBy([&] { w.import(w.owner, w.result.id); }));
    BOOST_TEST(w.materialRows() == 1U);
}

BOOST_AUTO_TEST_CASE(a_rendition_cannot_be_imported) {
    World w;
    for (const auto& image : {w.preview, w.thumbnail}) {
        const auto e = thrownBy([&] { w.import(w.owner, image.id); });
        BOOST_TEST(e.kind() == ErrorKind::Validation);
        BOOST_TEST(e.code() == "validation_failed");
        BOOST_TEST(fieldsOf(e) == (std::vector<std::string>{"modelImageId"}),
                   boost::test_tools::per_element());
    }
    BOOST_TEST(w.materialRows() == 1U);
    BOOST_TEST(w.store.state.logs.empty());
}

BOOST_AUTO_TEST_CASE(an_image_too_small_for_a_material_is_refused) {
    World w(pngOf(8, 8));
    const auto e = thrownBy([&] { w.import(w.owner, w.result.id); });
    BOOST_TEST(e.kind() == ErrorKind::Validation);
    BOOST_TEST(fieldsOf(e) == (std::vector<std::string>{"modelImageId"}), boost::test_tools::per_element());
    BOOST_TEST(w.materialRows() == 1U);
}

BOOST_AUTO_TEST_CASE(permissions_and_module) {
    World w;
    const auto e = thrownBy([&] { w.import(w.viewer, w.result.id); });
    BOOST_TEST(e.kind() == ErrorKind::Forbidden);
    checkNotFound(
        thrownBy([&] { w.materials.importModelImage(w.owner, 999, w.result.id, auditBy(w.ownerId)); }));
    BOOST_TEST(w.materialRows() == 1U);
}

BOOST_AUTO_TEST_CASE(garbage_collection_keeps_blobs_while_any_row_holds_them) {
    World w;
    const Keys generated = {w.result.storageKey, w.preview.storageKey, w.thumbnail.storageKey};
    const auto m = w.import(w.owner, w.result.id);

    // The photo deleted long ago: the material still holds the blobs.
    w.photos.remove(w.owner, w.photoId, auditBy(w.ownerId));
    w.clock.advance((kRetainDays + 1) * kDay);
    w.materials.collectGarbage(false);
    BOOST_TEST(w.published() == generated, boost::test_tools::per_element());

    // The material deleted too: past retention, the blobs go.
    w.materials.remove(w.owner, m.id, auditBy(w.ownerId));
    w.clock.advance((kRetainDays + 1) * kDay);
    w.materials.collectGarbage(false);
    BOOST_TEST(w.published().empty());
}

BOOST_AUTO_TEST_CASE(garbage_collection_keeps_a_live_photos_blobs) {
    World w;
    const Keys generated = {w.result.storageKey, w.preview.storageKey, w.thumbnail.storageKey};
    w.clock.advance((kRetainDays + 1) * kDay);
    w.materials.collectGarbage(false);
    BOOST_TEST(w.published() == generated, boost::test_tools::per_element());

    // Deleted, within retention: kept; after it: gone.
    w.photos.remove(w.owner, w.photoId, auditBy(w.ownerId));
    w.clock.advance(kDay);
    w.materials.collectGarbage(false);
    BOOST_TEST(w.published() == generated, boost::test_tools::per_element());
    w.clock.advance(kRetainDays * kDay);
    w.materials.collectGarbage(false);
    BOOST_TEST(w.published().empty());
}

BOOST_AUTO_TEST_SUITE_END()
