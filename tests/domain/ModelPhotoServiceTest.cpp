#include <boost/test/unit_test.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "Fakes.hpp"
#include "Support.hpp"
#include "domain/ModelPhotoService.hpp"

using namespace mofang::domain;
using mofang::test::FakeClock;
using mofang::test::FakeRandom;
using mofang::test::FakeStore;
using mofang::test::fieldsOf;
using mofang::test::thrownBy;

namespace {

using Strings = std::vector<std::string>;

constexpr int kMaxAttempts = 3;

AuditContext auditBy(UserId actor) {
    return AuditContext{actor, "203.0.113.9", "studio-ui", std::nullopt};
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

ModelPhotoInput request(const std::string& prompt = "a model in a red coat") {
    ModelPhotoInput in;
    in.prompt = prompt;
    return in;
}

// A store with an uploader (model.generate), a second uploader, an admin (model.read_all) and
// a viewer (neither); one live material (`materialId`) and one soft-deleted (`deletedMaterialId`).
struct World {
    FakeStore store;
    FakeClock clock;
    FakeRandom random;
    ModelPhotoService photos{store, clock, random, kMaxAttempts};
    UserId uploaderId = store.addUser("uploader", "pw", Role::Uploader);
    UserId otherId = store.addUser("other", "pw", Role::Uploader);
    UserId adminId = store.addUser("admin", "pw", Role::Admin);
    UserId viewerId = store.addUser("viewer", "pw", Role::Viewer);
    Principal uploader{uploaderId, Role::Uploader, {}};
    Principal other{otherId, Role::Uploader, {}};
    Principal admin{adminId, Role::Admin, {}};
    Principal viewer{viewerId, Role::Viewer, {}};
    MaterialId materialId = 0;
    MaterialId deletedMaterialId = 0;

    World() {
        store.transact([&](Repositories& r) {
            Material m;
            m.moduleId = 1;
            m.productId = 1;
            m.filename = "a.jpg";
            m.storageKey = "key-a";
            materialId = r.materials().insert(m);
            m.filename = "b.jpg";
            m.storageKey = "key-b";
            deletedMaterialId = r.materials().insert(m);
            r.materials().markDeleted(deletedMaterialId, clock.t);
        });
        store.transactions = 0;
    }

    ModelPhoto create(const Principal& who, ModelPhotoInput in = request()) {
        return photos.create(who, in, auditBy(who.id()));
    }

    const ModelPhoto& photo(ModelPhotoId id) const { return store.state.modelPhotos.at(id); }
    const ImageTask& task(ModelPhotoId id) const { return store.state.imageTasks.at(photo(id).taskId); }

    // Moves a photo and its task to `status` as a worker would have left them.
    void setStatus(ModelPhotoId id, PhotoStatus status) {
        auto& p = store.state.modelPhotos.at(id);
        auto& t = store.state.imageTasks.at(p.taskId);
        p.status = t.status = status;
        if (status == PhotoStatus::Processing) {
            t.attempts = 1;
            t.lockedBy = "worker-1";
            t.leaseUntil = clock.t + 60'000;
            p.startedAt = t.startedAt = clock.t;
            p.progress = t.progress = 40;
        }
        if (status == PhotoStatus::Completed) {
            p.progress = t.progress = 100;
            p.startedAt = t.startedAt = clock.t - 5000;
            p.finishedAt = t.finishedAt = clock.t;
            p.generationTime = 5.0;
        }
        if (status == PhotoStatus::Failed) {
            t.attempts = 3;
            p.errorCode = t.errorCode = "upstream_unavailable";
            p.errorMessage = t.errorMessage = "the generator failed 3 times";
            p.startedAt = t.startedAt = clock.t - 5000;
            p.finishedAt = t.finishedAt = clock.t;
            p.generationTime = 5.0;
            p.progress = t.progress = 0;
        }
    }

    // A result image of the photo with its preview and thumbnail (sort order 1); the result's id.
    ModelImageId addImages(ModelPhotoId id) {
        ModelImageId resultId = 0;
        store.transact([&](Repositories& r) {
            for (const auto type :
                 {ModelImageType::Result, ModelImageType::Preview, ModelImageType::Thumbnail}) {
                ModelImage i;
                i.modelPhotoId = id;
                i.userId = photo(id).userId;
                i.imageType = type;
                i.isPrimary = type == ModelImageType::Result;
                i.sortOrder = 1;
                i.filename =
                    "model-" + std::to_string(id) + "-1" +
                    (type == ModelImageType::Result ? ".png" : "-" + std::string(toString(type)) + ".jpg");
                i.contentType = type == ModelImageType::Result ? "image/png" : "image/jpeg";
                i.storageKey = "key-" + std::to_string(id) + "-" + std::string(toString(type));
                const auto imageId = r.modelImages().insert(i);
                if (type == ModelImageType::Result) resultId = imageId;
            }
        });
        return resultId;
    }

    std::size_t liveTasks() const { return store.state.imageTasks.size(); }
};

void checkNotFound(const DomainError& e) {
    BOOST_TEST(e.kind() == ErrorKind::NotFound);
    BOOST_TEST(e.code() == "not_found");
}

void checkForbidden(const DomainError& e) {
    BOOST_TEST(e.kind() == ErrorKind::Forbidden);
    BOOST_TEST(e.code() == "forbidden");
}

void checkConflict(const DomainError& e) {
    BOOST_TEST(e.kind() == ErrorKind::Conflict);
    BOOST_TEST(e.code() == "invalid_state");
}

void checkValidation(const DomainError& e, const Strings& fields) {
    BOOST_TEST(e.kind() == ErrorKind::Validation);
    BOOST_TEST(e.code() == "validation_failed");
    BOOST_TEST(fieldsOf(e) == fields, boost::test_tools::per_element());
}

void checkNothingWritten(const World& w) {
    BOOST_TEST(w.store.state.modelPhotos.empty());
    BOOST_TEST(w.store.state.imageTasks.empty());
    BOOST_TEST(w.store.state.logs.empty());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(model_photo_service_create)

BOOST_AUTO_TEST_CASE(create_queues_the_photo_and_its_task_in_one_transaction) {
    World w;
    auto in = request("  a model in a red coat ");
    in.aspectRatio = "3:4";
    in.resolution = "2K";
    in.imageCount = 2;
    in.gender = "female";
    in.styleTags = Strings{"street"};
    const auto p = w.create(w.uploader, in);

    BOOST_TEST(w.store.transactions == 1);
    BOOST_TEST(w.store.rollbacks == 0);
    BOOST_TEST(p.id > 0);
    BOOST_TEST(p.userId == w.uploaderId);
    BOOST_TEST((p.status == PhotoStatus::Queued));
    BOOST_TEST(p.progress == 0);
    BOOST_TEST(p.taskId == "00000000-0000-4000-8000-000000000001");
    BOOST_TEST(isUuid(p.taskId));
    BOOST_TEST(p.batchId == "");
    BOOST_TEST(p.prompt == "a model in a red coat");
    BOOST_TEST(p.imageCount == 2);
    BOOST_TEST(p.createdAt == w.clock.t);
    BOOST_TEST(p.updatedAt == w.clock.t);
    BOOST_TEST(!p.startedAt.has_value());
    BOOST_TEST(modelPhotoJson(w.photo(p.id)) == modelPhotoJson(p));

    BOOST_TEST_REQUIRE(w.store.state.imageTasks.size() == 1U);
    const auto& t = w.task(p.id);
    BOOST_TEST(t.id == p.taskId);
    BOOST_TEST(t.modelPhotoId == p.id);
    BOOST_TEST(t.type == "model_photo");
    BOOST_TEST((t.status == PhotoStatus::Queued));
    BOOST_TEST(t.attempts == 0);
    BOOST_TEST(t.maxAttempts == kMaxAttempts);
    BOOST_TEST(t.nextAttemptAt == w.clock.t);
    BOOST_TEST(t.lockedBy == "");
    BOOST_TEST(!t.leaseUntil.has_value());
    BOOST_TEST(t.createdAt == w.clock.t);
    // The payload is the request as a generator will get it.
    BOOST_TEST(contains(t.payload, R"("size":"1536x2048")"), t.payload);
    BOOST_TEST(contains(t.payload, R"("n":2)"), t.payload);
    BOOST_TEST(contains(t.payload, R"("prompt":"a model in a red coat\nModel: a woman.\nStyle: street.")"),
               t.payload);

    BOOST_TEST_REQUIRE(w.store.state.logs.size() == 1U);
    const auto& log = w.store.state.logs.front();
    BOOST_TEST(log.action == "model_photo.create");
    BOOST_TEST(log.targetType == "model_photo");
    BOOST_TEST(log.targetId == std::to_string(p.id));
    BOOST_TEST((log.userId == std::optional<UserId>(w.uploaderId)));
    BOOST_TEST(log.ip == "203.0.113.9");
    BOOST_TEST(log.timestamp == w.clock.t);
    BOOST_TEST(contains(log.detailsJson, R"("after":{"id":")" + std::to_string(p.id) + "\""),
               log.detailsJson);
    BOOST_TEST(!contains(log.detailsJson, R"("before")"));
}

BOOST_AUTO_TEST_CASE(each_request_gets_its_own_task_id) {
    World w;
    const auto a = w.create(w.uploader);
    const auto b = w.create(w.uploader);
    BOOST_TEST(a.taskId != b.taskId);
    BOOST_TEST(a.id != b.id);
    BOOST_TEST(w.store.state.imageTasks.size() == 2U);
}

BOOST_AUTO_TEST_CASE(a_log_failure_rolls_back_the_photo_and_task) {
    World w;
    w.store.failLogAppends = true;
    const auto e = thrownBy([&] { w.create(w.uploader); });
    BOOST_TEST(e.kind() == ErrorKind::Unavailable);
    BOOST_TEST(w.store.rollbacks == 1);
    checkNothingWritten(w);
}

BOOST_AUTO_TEST_CASE(a_validation_failure_writes_nothing) {
    World w;
    auto in = request("   ");
    in.imageCount = 9;
    const auto e = thrownBy([&] { w.create(w.uploader, in); });
    checkValidation(e, {"prompt", "imageCount"});
    checkNothingWritten(w);
    BOOST_TEST(w.store.transactions == 0);
    BOOST_TEST(w.random.uuids == 0);
}

BOOST_AUTO_TEST_CASE(material_references_must_name_live_materials) {
    World w;
    auto in = request();
    in.referenceImages = Strings{"https://example.com/a.jpg", "material:999",
                                 "material:" + std::to_string(w.deletedMaterialId)};
    const auto e = thrownBy([&] { w.create(w.uploader, in); });
    checkValidation(e, {"referenceImages[1]", "referenceImages[2]"});
    checkNothingWritten(w);

    in.referenceImages = Strings{"material:" + std::to_string(w.materialId)};
    const auto p = w.create(w.uploader, in);
    BOOST_TEST(p.referenceImages == (Strings{"material:" + std::to_string(w.materialId)}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_viewer_cannot_generate) {
    World w;
    checkForbidden(thrownBy([&] { w.create(w.viewer); }));
    checkForbidden(thrownBy([&] { w.photos.createBatch(w.viewer, {request()}, auditBy(w.viewerId)); }));
    checkNothingWritten(w);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(model_photo_service_batch)

BOOST_AUTO_TEST_CASE(a_batch_shares_one_batch_id) {
    World w;
    const auto batch = w.photos.createBatch(w.uploader, {request("one"), request("two"), request("three")},
                                            auditBy(w.uploaderId));
    BOOST_TEST(w.store.transactions == 1);
    BOOST_TEST(isUuid(batch.batchId));
    BOOST_TEST_REQUIRE(batch.items.size() == 3U);
    std::set<std::string> taskIds;
    std::set<ModelPhotoId> ids;
    for (const auto& p : batch.items) {
        BOOST_TEST(p.batchId == batch.batchId);
        BOOST_TEST(w.photo(p.id).batchId == batch.batchId);
        BOOST_TEST((w.task(p.id).status == PhotoStatus::Queued));
        BOOST_TEST(p.batchId != p.taskId);
        taskIds.insert(p.taskId);
        ids.insert(p.id);
    }
    BOOST_TEST(taskIds.size() == 3U);
    BOOST_TEST(ids.size() == 3U);
    BOOST_TEST(batch.items[0].prompt == "one");
    BOOST_TEST(batch.items[2].prompt == "three");
    BOOST_TEST(
        w.store.actions() == (Strings{"model_photo.create", "model_photo.create", "model_photo.create"}),
        boost::test_tools::per_element());

    ModelPhotoQuery q;
    q.batchId = batch.batchId;
    BOOST_TEST(w.photos.list(w.uploader, q).size() == 3U);
}

BOOST_AUTO_TEST_CASE(one_bad_item_writes_nothing_and_is_named) {
    World w;
    auto bad = request("");
    auto alsoBad = request();
    alsoBad.gender = "robot";
    const auto e = thrownBy([&] {
        w.photos.createBatch(w.uploader, {request(), bad, request(), alsoBad}, auditBy(w.uploaderId));
    });
    checkValidation(e, {"items[1].prompt", "items[3].gender"});
    checkNothingWritten(w);
}

BOOST_AUTO_TEST_CASE(a_missing_material_in_one_item_writes_nothing) {
    World w;
    auto bad = request();
    bad.referenceImages = Strings{"material:999"};
    const auto e = thrownBy([&] {
        w.photos.createBatch(w.uploader, {request(), request(), bad}, auditBy(w.uploaderId));
    });
    checkValidation(e, {"items[2].referenceImages[0]"});
    checkNothingWritten(w);
}

BOOST_AUTO_TEST_CASE(zero_and_fifty_one_items_are_refused) {
    World w;
    checkValidation(thrownBy([&] { w.photos.createBatch(w.uploader, {}, auditBy(w.uploaderId)); }),
                    {"items"});
    const std::vector<ModelPhotoInput> tooMany(51, request());
    checkValidation(thrownBy([&] { w.photos.createBatch(w.uploader, tooMany, auditBy(w.uploaderId)); }),
                    {"items"});
    checkNothingWritten(w);

    const std::vector<ModelPhotoInput> fifty(50, request());
    const auto batch = w.photos.createBatch(w.uploader, fifty, auditBy(w.uploaderId));
    BOOST_TEST(batch.items.size() == 50U);
    BOOST_TEST(w.store.state.imageTasks.size() == 50U);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(model_photo_service_ownership)

BOOST_AUTO_TEST_CASE(someone_elses_photo_does_not_exist) {
    World w;
    const auto p = w.create(w.uploader);
    const auto imageId = w.addImages(p.id);
    const auto logs = w.store.state.logs.size();

    checkNotFound(thrownBy([&] { w.photos.get(w.other, p.id); }));
    checkNotFound(thrownBy([&] { w.photos.retry(w.other, p.id, auditBy(w.otherId)); }));
    checkNotFound(thrownBy([&] { w.photos.cancel(w.other, p.id, auditBy(w.otherId)); }));
    checkNotFound(thrownBy([&] { w.photos.remove(w.other, p.id, auditBy(w.otherId)); }));
    checkNotFound(thrownBy([&] { w.photos.imageDelivery(w.other, imageId); }));
    BOOST_TEST((w.photo(p.id).status == PhotoStatus::Queued));
    BOOST_TEST(!w.photo(p.id).deleted);
    BOOST_TEST(w.store.state.logs.size() == logs);
}

BOOST_AUTO_TEST_CASE(an_unknown_id_is_not_found) {
    World w;
    checkNotFound(thrownBy([&] { w.photos.get(w.admin, 42); }));
    checkNotFound(thrownBy([&] { w.photos.cancel(w.admin, 42, auditBy(w.adminId)); }));
    checkNotFound(thrownBy([&] { w.photos.imageDelivery(w.admin, 42); }));
}

BOOST_AUTO_TEST_CASE(model_read_all_may_act_on_anyones_photo) {
    World w;
    const auto p = w.create(w.uploader);
    const auto imageId = w.addImages(p.id);

    BOOST_TEST(w.photos.get(w.admin, p.id).photo.id == p.id);
    BOOST_TEST(w.photos.imageDelivery(w.admin, imageId).image.id == imageId);
    const auto cancelled = w.photos.cancel(w.admin, p.id, auditBy(w.adminId));
    BOOST_TEST((cancelled.status == PhotoStatus::Failed));
    const auto retried = w.photos.retry(w.admin, p.id, auditBy(w.adminId));
    BOOST_TEST((retried.status == PhotoStatus::Queued));
    w.photos.remove(w.admin, p.id, auditBy(w.adminId));
    BOOST_TEST(w.photo(p.id).deleted);
    // The log names who acted, not the owner.
    BOOST_TEST((w.store.state.logs.back().userId == std::optional<UserId>(w.adminId)));

    // A grant works like the admin role.
    const auto q = w.create(w.uploader);
    const Principal auditor{w.viewerId, Role::Viewer, {std::string(perm::kModelReadAll)}};
    BOOST_TEST(w.photos.get(auditor, q.id).photo.id == q.id);
    BOOST_TEST((w.photos.cancel(auditor, q.id, auditBy(w.viewerId)).status == PhotoStatus::Failed));
    BOOST_TEST((w.photos.retry(auditor, q.id, auditBy(w.viewerId)).status == PhotoStatus::Queued));
}

BOOST_AUTO_TEST_CASE(list_is_forced_to_the_callers_own) {
    World w;
    const auto mine1 = w.create(w.uploader);
    const auto theirs = w.create(w.other);
    const auto mine2 = w.create(w.uploader);

    const auto own = w.photos.list(w.uploader, ModelPhotoQuery{});
    BOOST_TEST_REQUIRE(own.size() == 2U);
    BOOST_TEST(own[0].id == mine2.id);  // newest first
    BOOST_TEST(own[1].id == mine1.id);

    ModelPhotoQuery q;
    q.userId = w.uploaderId;
    BOOST_TEST(w.photos.list(w.uploader, q).size() == 2U);
    q.userId = w.otherId;
    checkForbidden(thrownBy([&] { w.photos.list(w.uploader, q); }));

    BOOST_TEST(w.photos.list(w.admin, ModelPhotoQuery{}).size() == 3U);
    const auto others = w.photos.list(w.admin, q);
    BOOST_TEST_REQUIRE(others.size() == 1U);
    BOOST_TEST(others[0].id == theirs.id);
}

BOOST_AUTO_TEST_CASE(list_filters_and_pages) {
    World w;
    auto female = request();
    female.gender = "female";
    female.styleTags = Strings{"street", "minimal"};
    const auto a = w.create(w.uploader, female);
    const auto b = w.create(w.uploader);
    const auto c = w.create(w.uploader, female);
    w.setStatus(b.id, PhotoStatus::Completed);

    ModelPhotoQuery q;
    q.gender = "female";
    BOOST_TEST(w.photos.list(w.uploader, q).size() == 2U);
    q = {};
    q.styleTag = "minimal";
    BOOST_TEST(w.photos.list(w.uploader, q).size() == 2U);
    q = {};
    q.status = PhotoStatus::Completed;
    const auto done = w.photos.list(w.uploader, q);
    BOOST_TEST_REQUIRE(done.size() == 1U);
    BOOST_TEST(done[0].id == b.id);
    q = {};
    q.limit = 2;
    const auto page1 = w.photos.list(w.uploader, q);
    BOOST_TEST_REQUIRE(page1.size() == 2U);
    BOOST_TEST(page1[0].id == c.id);
    q.beforeId = page1[1].id;
    const auto page2 = w.photos.list(w.uploader, q);
    BOOST_TEST_REQUIRE(page2.size() == 1U);
    BOOST_TEST(page2[0].id == a.id);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(model_photo_service_lifecycle)

BOOST_AUTO_TEST_CASE(get_embeds_the_images_in_order) {
    World w;
    const auto p = w.create(w.uploader);
    w.setStatus(p.id, PhotoStatus::Completed);
    w.addImages(p.id);
    const auto d = w.photos.get(w.uploader, p.id);
    BOOST_TEST(d.photo.id == p.id);
    BOOST_TEST_REQUIRE(d.images.size() == 3U);
    BOOST_TEST((d.images[0].imageType == ModelImageType::Result));
    BOOST_TEST((d.images[1].imageType == ModelImageType::Preview));
    BOOST_TEST((d.images[2].imageType == ModelImageType::Thumbnail));
}

BOOST_AUTO_TEST_CASE(image_delivery_names_the_blob) {
    World w;
    const auto p = w.create(w.uploader);
    const auto imageId = w.addImages(p.id);
    const auto d = w.photos.imageDelivery(w.uploader, imageId);
    BOOST_TEST(d.image.id == imageId);
    BOOST_TEST(d.key == "key-" + std::to_string(p.id) + "-result");
    BOOST_TEST(d.contentType == "image/png");
    BOOST_TEST(d.filename == "model-" + std::to_string(p.id) + "-1.png");
}

BOOST_AUTO_TEST_CASE(retry_only_from_failed) {
    World w;
    const auto p = w.create(w.uploader);
    checkConflict(thrownBy([&] { w.photos.retry(w.uploader, p.id, auditBy(w.uploaderId)); }));
    w.setStatus(p.id, PhotoStatus::Processing);
    checkConflict(thrownBy([&] { w.photos.retry(w.uploader, p.id, auditBy(w.uploaderId)); }));
    w.setStatus(p.id, PhotoStatus::Completed);
    checkConflict(thrownBy([&] { w.photos.retry(w.uploader, p.id, auditBy(w.uploaderId)); }));
    BOOST_TEST(w.store.actions() == (Strings{"model_photo.create"}), boost::test_tools::per_element());

    w.setStatus(p.id, PhotoStatus::Failed);
    w.clock.advance(90'000);
    const auto r = w.photos.retry(w.uploader, p.id, auditBy(w.uploaderId));
    BOOST_TEST((r.status == PhotoStatus::Queued));
    BOOST_TEST(r.progress == 0);
    BOOST_TEST(r.errorCode == "");
    BOOST_TEST(r.errorMessage == "");
    BOOST_TEST(!r.startedAt.has_value());
    BOOST_TEST(!r.finishedAt.has_value());
    BOOST_TEST(!r.generationTime.has_value());
    BOOST_TEST(r.updatedAt == w.clock.t);
    BOOST_TEST(r.taskId == p.taskId);
    BOOST_TEST(modelPhotoJson(w.photo(p.id)) == modelPhotoJson(r));

    const auto& t = w.task(p.id);
    BOOST_TEST((t.status == PhotoStatus::Queued));
    BOOST_TEST(t.attempts == 0);
    BOOST_TEST(t.nextAttemptAt == w.clock.t);
    BOOST_TEST(t.errorCode == "");
    BOOST_TEST(t.errorMessage == "");
    BOOST_TEST(t.lockedBy == "");
    BOOST_TEST(!t.leaseUntil.has_value());
    BOOST_TEST(!t.startedAt.has_value());
    BOOST_TEST(!t.finishedAt.has_value());
    BOOST_TEST(w.store.actions() == (Strings{"model_photo.create", "model_photo.retry"}),
               boost::test_tools::per_element());
    const auto& log = w.store.state.logs.back();
    BOOST_TEST(contains(log.detailsJson, R"("before":{)"));
    BOOST_TEST(contains(log.detailsJson, R"("status":"failed")"));
    BOOST_TEST(contains(log.detailsJson, R"("status":"queued")"));
}

BOOST_AUTO_TEST_CASE(retry_needs_the_right_to_generate) {
    World w;
    const auto p = w.create(w.uploader);
    w.setStatus(p.id, PhotoStatus::Failed);
    // The owner lost model.generate (demoted to viewer).
    const Principal demoted{w.uploaderId, Role::Viewer, {}};
    checkForbidden(thrownBy([&] { w.photos.retry(demoted, p.id, auditBy(w.uploaderId)); }));
    BOOST_TEST((w.photo(p.id).status == PhotoStatus::Failed));
}

BOOST_AUTO_TEST_CASE(cancel_a_queued_photo) {
    World w;
    const auto p = w.create(w.uploader);
    w.clock.advance(1000);
    const auto c = w.photos.cancel(w.uploader, p.id, auditBy(w.uploaderId));
    BOOST_TEST((c.status == PhotoStatus::Failed));
    BOOST_TEST(c.errorCode == "cancelled");
    BOOST_TEST(c.errorMessage != "");
    BOOST_TEST((c.finishedAt == std::optional<Millis>(w.clock.t)));
    BOOST_TEST(!c.generationTime.has_value());  // it never started
    BOOST_TEST(modelPhotoJson(w.photo(p.id)) == modelPhotoJson(c));
    const auto& t = w.task(p.id);
    BOOST_TEST((t.status == PhotoStatus::Failed));
    BOOST_TEST(t.errorCode == "cancelled");
    BOOST_TEST((t.finishedAt == std::optional<Millis>(w.clock.t)));
    BOOST_TEST(w.store.actions().back() == "model_photo.cancel");
}

BOOST_AUTO_TEST_CASE(cancel_a_processing_photo) {
    World w;
    const auto p = w.create(w.uploader);
    w.setStatus(p.id, PhotoStatus::Processing);
    w.clock.advance(2500);
    const auto c = w.photos.cancel(w.uploader, p.id, auditBy(w.uploaderId));
    BOOST_TEST((c.status == PhotoStatus::Failed));
    BOOST_TEST(c.errorCode == "cancelled");
    BOOST_TEST((c.generationTime == std::optional<double>(2.5)));
    const auto& t = w.task(p.id);
    BOOST_TEST((t.status == PhotoStatus::Failed));
    BOOST_TEST(t.errorCode == "cancelled");
    BOOST_TEST(t.lockedBy == "");  // the worker's next heartbeat finds it gone
    BOOST_TEST(!t.leaseUntil.has_value());
}

BOOST_AUTO_TEST_CASE(cancel_a_finished_photo_is_a_conflict) {
    World w;
    const auto p = w.create(w.uploader);
    w.setStatus(p.id, PhotoStatus::Completed);
    checkConflict(thrownBy([&] { w.photos.cancel(w.uploader, p.id, auditBy(w.uploaderId)); }));
    BOOST_TEST((w.photo(p.id).status == PhotoStatus::Completed));
    w.setStatus(p.id, PhotoStatus::Failed);
    checkConflict(thrownBy([&] { w.photos.cancel(w.uploader, p.id, auditBy(w.uploaderId)); }));
    BOOST_TEST(w.photo(p.id).errorCode == "upstream_unavailable");
    BOOST_TEST(w.store.actions() == (Strings{"model_photo.create"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(delete_cancels_an_active_task_and_hides_photo_and_images) {
    World w;
    const auto p = w.create(w.uploader);
    w.setStatus(p.id, PhotoStatus::Processing);
    const auto imageId = w.addImages(p.id);
    w.clock.advance(1000);
    w.photos.remove(w.uploader, p.id, auditBy(w.uploaderId));

    const auto& t = w.task(p.id);
    BOOST_TEST((t.status == PhotoStatus::Failed));
    BOOST_TEST(t.errorCode == "cancelled");
    BOOST_TEST(t.lockedBy == "");
    BOOST_TEST(w.photo(p.id).deleted);
    BOOST_TEST((w.photo(p.id).deletedAt == std::optional<Millis>(w.clock.t)));
    BOOST_TEST((w.photo(p.id).status == PhotoStatus::Failed));
    for (const auto& [id, i] : w.store.state.modelImages) BOOST_TEST(i.deleted);

    checkNotFound(thrownBy([&] { w.photos.get(w.uploader, p.id); }));
    checkNotFound(thrownBy([&] { w.photos.imageDelivery(w.uploader, imageId); }));
    checkNotFound(thrownBy([&] { w.photos.remove(w.uploader, p.id, auditBy(w.uploaderId)); }));
    checkNotFound(thrownBy([&] { w.photos.get(w.admin, p.id); }));
    BOOST_TEST(w.photos.list(w.uploader, ModelPhotoQuery{}).empty());
    BOOST_TEST(w.store.actions() == (Strings{"model_photo.create", "model_photo.delete"}),
               boost::test_tools::per_element());
    const auto& log = w.store.state.logs.back();
    BOOST_TEST(log.targetId == std::to_string(p.id));
    BOOST_TEST(contains(log.detailsJson, R"("before":{)"));
    BOOST_TEST(!contains(log.detailsJson, R"("after")"));
}

BOOST_AUTO_TEST_CASE(delete_of_a_finished_photo_leaves_its_task_alone) {
    World w;
    const auto p = w.create(w.uploader);
    w.setStatus(p.id, PhotoStatus::Completed);
    w.photos.remove(w.uploader, p.id, auditBy(w.uploaderId));
    BOOST_TEST((w.task(p.id).status == PhotoStatus::Completed));
    BOOST_TEST((w.photo(p.id).status == PhotoStatus::Completed));
    BOOST_TEST(w.photo(p.id).deleted);
}

BOOST_AUTO_TEST_SUITE_END()
