#include <Poco/Data/Session.h>
#include <Poco/Exception.h>

#include <algorithm>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <future>
#include <iomanip>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "Fixtures.hpp"
#include "persistence/SqlQuery.hpp"

using namespace mofang;
using namespace mofang::test;
using domain::ImageTask;
using domain::ModelImage;
using domain::ModelImageType;
using domain::ModelPhoto;
using domain::ModelPhotoId;
using domain::ModelPhotoQuery;
using domain::PhotoStatus;
using domain::Repositories;

namespace bdata = boost::unit_test::data;

namespace mofang::domain {
std::ostream& operator<<(std::ostream& os, PhotoStatus s) {
    return os << toString(s);
}
std::ostream& operator<<(std::ostream& os, ModelImageType t) {
    return os << toString(t);
}
}  // namespace mofang::domain

namespace {

constexpr domain::Millis kT0 = 1'700'000'000'000;
constexpr std::uint64_t kGiB = 1024ull * 1024 * 1024;

using Ids = std::vector<std::int64_t>;

// An optional as the failure messages show it.
template <class T>
std::string show(const std::optional<T>& v) {
    if (!v) return "null";
    std::ostringstream os;
    os << std::setprecision(17) << *v;
    return os.str();
}
#define CHECK_SAME_OPTIONAL(a, e) BOOST_TEST(((a) == (e)), #a " is " << show(a) << ", expected " << show(e))

// A 64-hex content key that differs per `n` (the store's key format).
std::string keyOf(int n) {
    static const char* kDigits = "0123456789abcdef";
    std::string key(64, '0');
    for (int i = 0; i < 64; ++i) key[static_cast<std::size_t>(i)] = kDigits[(n * 7 + i * 13 + (n >> 4)) & 15];
    key[0] = kDigits[n & 15];
    key[1] = kDigits[(n >> 4) & 15];
    key[2] = kDigits[(n >> 8) & 15];
    return key;
}

// A UUID-shaped id that differs per `n`.
std::string uuidOf(int n) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-%012x", static_cast<unsigned>(n),
                  static_cast<unsigned>(n));
    return buf;
}

// WithSeedData plus helpers that each run in a transaction (or read) of their own.
struct WithModelPhotos : WithSeedData {
    // A queued request of `userId` as the service would build it.
    ModelPhoto photo(domain::UserId userId, const std::string& name = "model",
                     domain::Millis at = kT0) const {
        ModelPhoto p;
        p.createdAt = at;
        p.updatedAt = at;
        p.userId = userId;
        p.taskId = uuidOf(static_cast<int>(at % 100000));
        p.name = name;
        p.gender = "female";
        p.ageRange = "25-30";
        p.styleTags = {"street"};
        p.prompt = "a model in a linen coat";
        return p;
    }
    ModelPhotoId insert(ModelPhoto& p) {
        store.transact([&](Repositories& r) { p.id = r.modelPhotos().insert(p); });
        return p.id;
    }
    std::optional<ModelPhoto> find(ModelPhotoId id) {
        std::optional<ModelPhoto> out;
        store.read([&](Repositories& r) { out = r.modelPhotos().findById(id); });
        return out;
    }
    std::vector<ModelPhoto> list(const ModelPhotoQuery& q) {
        std::vector<ModelPhoto> out;
        store.read([&](Repositories& r) { out = r.modelPhotos().list(q); });
        return out;
    }
    Ids listIds(const ModelPhotoQuery& q) {
        Ids out;
        for (const auto& p : list(q)) out.push_back(p.id);
        return out;
    }
    void markDeleted(ModelPhotoId id, domain::Millis at) {
        store.transact([&](Repositories& r) { r.modelPhotos().markDeleted(id, at); });
    }

    ModelImage image(const ModelPhoto& p, int sortOrder, ModelImageType type, int keyNumber) const {
        ModelImage m;
        m.createdAt = kT0 + 500;
        m.modelPhotoId = p.id;
        m.userId = p.userId;
        m.filename = "model-" + std::to_string(sortOrder) + ".png";
        m.width = 1024;
        m.height = 1024;
        m.size = 1'000'000 + static_cast<std::uint64_t>(keyNumber);
        m.contentType = "image/png";
        m.extension = ".png";
        m.storageKey = keyOf(keyNumber);
        m.sha256 = m.storageKey;
        m.crc32 = 0x01020304u + static_cast<std::uint32_t>(keyNumber);
        m.imageType = type;
        m.sortOrder = sortOrder;
        return m;
    }
    domain::ModelImageId insert(ModelImage& m) {
        store.transact([&](Repositories& r) { m.id = r.modelImages().insert(m); });
        return m.id;
    }
    std::optional<ModelImage> findImage(domain::ModelImageId id) {
        std::optional<ModelImage> out;
        store.read([&](Repositories& r) { out = r.modelImages().findById(id); });
        return out;
    }
    std::vector<ModelImage> listByPhoto(ModelPhotoId id) {
        std::vector<ModelImage> out;
        store.read([&](Repositories& r) { out = r.modelImages().listByPhoto(id); });
        return out;
    }

    ImageTask task(const ModelPhoto& p, PhotoStatus status, domain::Millis nextAttemptAt,
                   std::optional<domain::Millis> leaseUntil = std::nullopt,
                   domain::Millis createdAt = kT0) const {
        ImageTask t;
        t.id = p.taskId;
        t.modelPhotoId = p.id;
        t.payload = R"({"prompt":"a model"})";
        t.status = status;
        t.nextAttemptAt = nextAttemptAt;
        t.leaseUntil = leaseUntil;
        if (leaseUntil) t.lockedBy = "worker-1";
        t.createdAt = createdAt;
        t.updatedAt = createdAt;
        return t;
    }
    // A photo with its task in `status`, both inserted; returns the task.
    ImageTask insertTask(PhotoStatus status, domain::Millis nextAttemptAt,
                         std::optional<domain::Millis> leaseUntil = std::nullopt,
                         domain::Millis createdAt = kT0) {
        auto p = photo(alice.id, "task", kT0);
        p.taskId = uuidOf(++taskCounter_);
        p.status = status;
        insert(p);
        auto t = task(p, status, nextAttemptAt, leaseUntil, createdAt);
        store.transact([&](Repositories& r) { r.imageTasks().insert(t); });
        return t;
    }
    std::optional<ImageTask> findTask(ModelPhotoId photoId) {
        std::optional<ImageTask> out;
        store.read([&](Repositories& r) { out = r.imageTasks().findByPhoto(photoId); });
        return out;
    }
    // The task lockNextDue claims at `now`, completed in the same transaction so that the next
    // call moves on (as a worker that finishes it would).
    std::optional<std::string> claimAndComplete(domain::Millis now) {
        std::optional<std::string> claimed;
        store.transact([&](Repositories& r) {
            auto t = r.imageTasks().lockNextDue(now);
            if (!t) return;
            claimed = t->id;
            t->status = PhotoStatus::Completed;
            t->finishedAt = now;
            r.imageTasks().update(*t);
        });
        return claimed;
    }

    struct RowState {
        bool deleted = false;
        std::optional<std::int64_t> deletedAt;
    };
    RowState rowState(const std::string& table, std::int64_t id) {
        RowState out;
        db.run([&](Poco::Data::Session& s) {
            auto rs =
                persistence::SqlQuery(s, "SELECT is_deleted, deleted_at FROM " + table + " WHERE id = ?")
                    .arg(id)
                    .rows();
            BOOST_REQUIRE_EQUAL(rs.rowCount(), 1u);
            out.deleted = persistence::cellInt(rs, 0, 0) != 0;
            out.deletedAt = persistence::cellOptInt(rs, 1, 0);
        });
        return out;
    }
    bool referenced(const std::string& key, domain::Millis deletedSince) {
        bool out = false;
        store.read([&](Repositories& r) { out = r.blobReferences().isReferenced(key, deletedSince); });
        return out;
    }
    std::set<std::string> referencedKeys(domain::Millis deletedSince) {
        std::vector<std::string> list;
        store.read([&](Repositories& r) { list = r.blobReferences().referencedKeys(deletedSince); });
        return {list.begin(), list.end()};
    }

  private:
    int taskCounter_ = 1000;
};

void checkSamePhoto(const ModelPhoto& a, const ModelPhoto& e) {
    BOOST_TEST(a.id == e.id);
    BOOST_TEST(a.createdAt == e.createdAt);
    BOOST_TEST(a.updatedAt == e.updatedAt);
    BOOST_TEST(a.userId == e.userId);
    BOOST_TEST(a.taskId == e.taskId);
    BOOST_TEST(a.batchId == e.batchId);
    BOOST_TEST(a.name == e.name);
    BOOST_TEST(a.description == e.description);
    BOOST_TEST(a.gender == e.gender);
    BOOST_TEST(a.ageRange == e.ageRange);
    BOOST_TEST(a.ethnicity == e.ethnicity);
    BOOST_TEST(a.styleTags == e.styleTags, boost::test_tools::per_element());
    BOOST_TEST(a.prompt == e.prompt);
    BOOST_TEST(a.referenceImages == e.referenceImages, boost::test_tools::per_element());
    BOOST_TEST(a.aspectRatio == e.aspectRatio);
    BOOST_TEST(a.resolution == e.resolution);
    BOOST_TEST(a.modelVersion == e.modelVersion);
    BOOST_TEST(a.negativePrompt == e.negativePrompt);
    BOOST_TEST(a.status == e.status);
    BOOST_TEST(a.progress == e.progress);
    BOOST_TEST(a.errorCode == e.errorCode);
    BOOST_TEST(a.errorMessage == e.errorMessage);
    CHECK_SAME_OPTIONAL(a.startedAt, e.startedAt);
    CHECK_SAME_OPTIONAL(a.finishedAt, e.finishedAt);
    CHECK_SAME_OPTIONAL(a.generationTime, e.generationTime);  // exactly: a double round trip
    BOOST_TEST(a.imageCount == e.imageCount);
    BOOST_TEST(a.totalSize == e.totalSize);
    BOOST_TEST(a.deleted == e.deleted);
    CHECK_SAME_OPTIONAL(a.deletedAt, e.deletedAt);
}

void checkSameImage(const ModelImage& a, const ModelImage& e) {
    BOOST_TEST(a.id == e.id);
    BOOST_TEST(a.createdAt == e.createdAt);
    BOOST_TEST(a.modelPhotoId == e.modelPhotoId);
    BOOST_TEST(a.userId == e.userId);
    BOOST_TEST(a.filename == e.filename);
    BOOST_TEST(a.width == e.width);
    BOOST_TEST(a.height == e.height);
    BOOST_TEST(a.size == e.size);
    BOOST_TEST(a.contentType == e.contentType);
    BOOST_TEST(a.extension == e.extension);
    BOOST_TEST(a.storageKey == e.storageKey);
    BOOST_TEST(a.sha256 == e.sha256);
    BOOST_TEST(a.crc32 == e.crc32);
    BOOST_TEST(a.ossObjectName == e.ossObjectName);
    BOOST_TEST(a.ossUrl == e.ossUrl);
    BOOST_TEST(a.ossCdnUrl == e.ossCdnUrl);
    BOOST_TEST(a.ossFolder == e.ossFolder);
    BOOST_TEST(a.localPath == e.localPath);
    BOOST_TEST(a.isUploaded == e.isUploaded);
    CHECK_SAME_OPTIONAL(a.uploadedAt, e.uploadedAt);
    BOOST_TEST(a.imageType == e.imageType);
    BOOST_TEST(a.isPrimary == e.isPrimary);
    BOOST_TEST(a.sortOrder == e.sortOrder);
    BOOST_TEST(a.deleted == e.deleted);
    CHECK_SAME_OPTIONAL(a.deletedAt, e.deletedAt);
}

void checkSameTask(const ImageTask& a, const ImageTask& e) {
    BOOST_TEST(a.id == e.id);
    BOOST_TEST(a.modelPhotoId == e.modelPhotoId);
    BOOST_TEST(a.type == e.type);
    BOOST_TEST(a.payload == e.payload);
    BOOST_TEST(a.status == e.status);
    BOOST_TEST(a.attempts == e.attempts);
    BOOST_TEST(a.maxAttempts == e.maxAttempts);
    BOOST_TEST(a.nextAttemptAt == e.nextAttemptAt);
    BOOST_TEST(a.lockedBy == e.lockedBy);
    CHECK_SAME_OPTIONAL(a.leaseUntil, e.leaseUntil);
    BOOST_TEST(a.providerTaskId == e.providerTaskId);
    BOOST_TEST(a.progress == e.progress);
    BOOST_TEST(a.errorCode == e.errorCode);
    BOOST_TEST(a.errorMessage == e.errorMessage);
    BOOST_TEST(a.createdAt == e.createdAt);
    BOOST_TEST(a.updatedAt == e.updatedAt);
    CHECK_SAME_OPTIONAL(a.startedAt, e.startedAt);
    CHECK_SAME_OPTIONAL(a.finishedAt, e.finishedAt);
}

// Every character class the text columns must keep: CJK (3 bytes), emoji (4 bytes, utf8mb4),
// and what JSON escapes (quotes, backslashes, controls, U+2028).
const std::string kCjk = "模特😀";

// ---- list filters: each query is checked against the same filter applied to the rows in memory

struct ListCase {
    explicit ListCase(const char* n) : name(n) {}
    ListCase& user() { return byUser = true, *this; }
    ListCase& withStatus(PhotoStatus s) { return status = s, *this; }
    ListCase& withGender(const std::string& g) { return gender = g, *this; }
    ListCase& withStyleTag(const std::string& t) { return styleTag = t, *this; }
    ListCase& batch() { return byBatch = true, *this; }

    const char* name;
    bool byUser = false;  // alice's only
    std::optional<PhotoStatus> status;
    std::optional<std::string> gender;
    std::optional<std::string> styleTag;
    bool byBatch = false;  // the batch's only
};
std::ostream& operator<<(std::ostream& os, const ListCase& c) {
    return os << c.name;
}
std::vector<ListCase> listCases() {
    return {
        ListCase("no filter"),
        ListCase("user").user(),
        ListCase("status").withStatus(PhotoStatus::Failed),
        ListCase("gender").withGender("male"),
        ListCase("style tag").withStyleTag("复古"),
        ListCase("batch").batch(),
        ListCase("user and status").user().withStatus(PhotoStatus::Completed),
        ListCase("user, gender and tag").user().withGender("female").withStyleTag("street"),
        ListCase("everything")
            .user()
            .withStatus(PhotoStatus::Queued)
            .withGender("female")
            .withStyleTag("street")
            .batch(),
        ListCase("a tag no one has").withStyleTag("none"),
    };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(model_photo_repository, *boost::unit_test::label("db"))

BOOST_FIXTURE_TEST_CASE(insert_and_find_by_id_read_every_field, WithModelPhotos) {
    ModelPhoto full;
    full.createdAt = kT0;
    full.updatedAt = kT0 + 1;
    full.userId = bob.id;
    full.taskId = "0f8fad5b-d9cb-469f-a165-70867728950e";
    full.batchId = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    full.name = "春季" + kCjk;
    full.description = "第一行\n第二行 \"quoted\" \\ tab\t end 🧥";
    full.gender = "other";
    full.ageRange = "25-30";
    full.ethnicity = "东亚 🌏";
    full.styleTags = {"街头", "复古😀", "a \"quoted\" \\ tag", "line\u2028sep", "ctl\x01"};
    std::string longPrompt;
    for (int i = 0; i < 4000; ++i) longPrompt += i % 100 == 99 ? "😀" : "模";  // 4000 characters
    full.prompt = longPrompt;
    full.referenceImages = {"https://example.com/a.jpg?x=1&y=\"2\"", "material:42",
                            "https://例子.测试/图.png"};
    full.aspectRatio = "9:16";
    full.resolution = "4K";
    full.modelVersion = "gpt-image-1";
    full.negativePrompt = "模糊, blurry";
    full.status = PhotoStatus::Completed;
    full.progress = 100;
    full.errorCode = "upstream_timeout";
    full.errorMessage = "重试后成功 ✅";
    full.startedAt = kT0 + 1000;
    full.finishedAt = kT0 + 13'345;
    full.generationTime = 12.345678901234567;
    full.imageCount = 8;
    full.totalSize = 5 * kGiB + 7;  // beyond 32 bits
    insert(full);
    BOOST_TEST(full.id > 0);

    const auto found = find(full.id);
    BOOST_REQUIRE(found.has_value());
    checkSamePhoto(*found, full);

    // The other end of each field: empty arrays, no times, no generation time, a fresh request.
    auto bare = photo(alice.id, "", kT0 + 5);
    bare.gender.clear();
    bare.ageRange.clear();
    bare.styleTags.clear();
    bare.referenceImages.clear();
    bare.taskId.clear();
    insert(bare);
    const auto foundBare = find(bare.id);
    BOOST_REQUIRE(foundBare.has_value());
    checkSamePhoto(*foundBare, bare);
    BOOST_TEST(!foundBare->generationTime.has_value());
    BOOST_TEST(!foundBare->startedAt.has_value());

    // A whole-number generation time is a double, not truncated to an integer anywhere.
    auto whole = photo(alice.id, "whole", kT0 + 6);
    whole.generationTime = 3.0;
    insert(whole);
    const auto foundWhole = find(whole.id);
    BOOST_REQUIRE(foundWhole.has_value());
    CHECK_SAME_OPTIONAL(foundWhole->generationTime, std::optional<double>(3.0));

    BOOST_TEST(!find(full.id + bare.id + whole.id + 100).has_value());
}

BOOST_FIXTURE_TEST_CASE(update_writes_the_columns_that_change_after_creation_only, WithModelPhotos) {
    auto p = photo(alice.id, "before");
    insert(p);
    auto changed = p;
    changed.status = PhotoStatus::Failed;
    changed.progress = 40;
    changed.modelVersion = "v2";
    changed.errorCode = "content_policy";
    changed.errorMessage = "拒绝 🚫";
    changed.startedAt = kT0 + 10;
    changed.finishedAt = kT0 + 20;
    changed.generationTime = 0.01;
    changed.imageCount = 3;
    changed.totalSize = 4 * kGiB;
    changed.updatedAt = kT0 + 20;
    // Fields fixed at creation: update leaves them as stored.
    changed.name = "after";
    changed.styleTags = {"other"};
    changed.prompt = "another prompt";
    store.transact([&](Repositories& r) { r.modelPhotos().update(changed); });

    auto expected = changed;
    expected.name = p.name;
    expected.styleTags = p.styleTags;
    expected.prompt = p.prompt;
    const auto found = find(p.id);
    BOOST_REQUIRE(found.has_value());
    checkSamePhoto(*found, expected);

    // And back to nothing: the nullable columns can be cleared (a retry).
    expected.status = PhotoStatus::Queued;
    expected.startedAt.reset();
    expected.finishedAt.reset();
    expected.generationTime.reset();
    expected.errorCode.clear();
    expected.errorMessage.clear();
    store.transact([&](Repositories& r) { r.modelPhotos().update(expected); });
    checkSamePhoto(*find(p.id), expected);
}

BOOST_DATA_TEST_CASE_F(WithModelPhotos, list_filters_alone_and_together_walk_in_keyset_pages,
                       bdata::make(listCases()), c) {
    const std::string batch = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    std::vector<ModelPhoto> rows;
    const PhotoStatus statuses[] = {PhotoStatus::Queued, PhotoStatus::Processing, PhotoStatus::Completed,
                                    PhotoStatus::Failed};
    const std::vector<std::vector<std::string>> tagSets = {
        {"street"}, {"复古", "street"}, {}, {"复古"}, {"minimal", "street", "复古"}};
    for (int i = 0; i < 23; ++i) {
        auto p = photo(i % 3 == 0 ? bob.id : alice.id, "p" + std::to_string(i), kT0 + i);
        p.status = statuses[i % 4];
        p.gender = i % 5 == 1 ? "male" : (i % 7 == 2 ? "other" : "female");
        p.styleTags = tagSets[static_cast<std::size_t>(i) % tagSets.size()];
        if (i % 2 == 0) p.batchId = batch;
        insert(p);
        rows.push_back(p);
    }
    // Soft-deleted rows are never listed, whatever they match (row 4 matches "everything").
    for (int i : {4, 9, 21}) markDeleted(rows[static_cast<std::size_t>(i)].id, kT0 + 100);
    const std::set<ModelPhotoId> deleted = {rows[4].id, rows[9].id, rows[21].id};

    ModelPhotoQuery q;
    if (c.byUser) q.userId = alice.id;
    q.status = c.status;
    q.gender = c.gender;
    q.styleTag = c.styleTag;
    if (c.byBatch) q.batchId = batch;

    Ids expected;
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
        const auto& p = *it;
        if (deleted.count(p.id)) continue;
        if (q.userId && p.userId != *q.userId) continue;
        if (q.status && p.status != *q.status) continue;
        if (q.gender && p.gender != *q.gender) continue;
        if (q.styleTag && std::find(p.styleTags.begin(), p.styleTags.end(), *q.styleTag) == p.styleTags.end())
            continue;
        if (q.batchId && p.batchId != *q.batchId) continue;
        expected.push_back(p.id);
    }
    if (std::string(c.name) != "a tag no one has") BOOST_TEST(!expected.empty());

    // One page holding everything, with the rows read in full.
    q.limit = 100;
    const auto all = list(q);
    Ids allIds;
    for (const auto& p : all) allIds.push_back(p.id);
    BOOST_TEST(allIds == expected, boost::test_tools::per_element());
    for (const auto& p : all) {
        const auto& inserted =
            *std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.id == p.id; });
        BOOST_TEST_CONTEXT("photo " << p.id) {
            checkSamePhoto(p, inserted);
        }
    }

    // Pages of 3 after each page's last id: the same rows, each once, then an empty page.
    q.limit = 3;
    Ids walked;
    for (int page = 0; page < 20; ++page) {
        const auto ids = listIds(q);
        BOOST_TEST(ids.size() <= 3u);
        if (ids.empty()) break;
        walked.insert(walked.end(), ids.begin(), ids.end());
        q.beforeId = ids.back();
    }
    BOOST_TEST(walked == expected, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(mark_deleted_hides_the_photo_and_its_images_and_keeps_the_first_time,
                        WithModelPhotos) {
    auto gone = photo(alice.id, "gone");
    auto kept = photo(alice.id, "kept", kT0 + 1);
    insert(gone);
    insert(kept);
    auto goneResult = image(gone, 0, ModelImageType::Result, 1);
    auto goneThumb = image(gone, 0, ModelImageType::Thumbnail, 2);
    auto keptResult = image(kept, 0, ModelImageType::Result, 3);
    for (auto* m : {&goneResult, &goneThumb, &keptResult}) insert(*m);

    markDeleted(gone.id, kT0 + 50);
    BOOST_TEST(!find(gone.id).has_value());
    BOOST_TEST(find(kept.id).has_value());
    BOOST_TEST(listByPhoto(gone.id).empty());
    BOOST_TEST(!findImage(goneResult.id).has_value());
    BOOST_TEST(!findImage(goneThumb.id).has_value());
    BOOST_TEST(listByPhoto(kept.id).size() == 1u);
    BOOST_TEST(findImage(keptResult.id).has_value());
    ModelPhotoQuery everyone;
    BOOST_TEST((listIds(everyone) == Ids{kept.id}));

    for (const auto& [table, id] : {std::pair<std::string, std::int64_t>{"model_photos", gone.id},
                                    {"model_images", goneResult.id},
                                    {"model_images", goneThumb.id}}) {
        BOOST_TEST_CONTEXT(table << " " << id) {
            const auto state = rowState(table, id);
            BOOST_TEST(state.deleted);
            CHECK_SAME_OPTIONAL(state.deletedAt, std::optional<std::int64_t>(kT0 + 50));
        }
    }
    BOOST_TEST(!rowState("model_images", keptResult.id).deleted);

    // Deleting again changes nothing: the retention runs from the first deletion.
    markDeleted(gone.id, kT0 + 90);
    CHECK_SAME_OPTIONAL(rowState("model_photos", gone.id).deletedAt, std::optional<std::int64_t>(kT0 + 50));
    CHECK_SAME_OPTIONAL(rowState("model_images", goneResult.id).deletedAt,
                        std::optional<std::int64_t>(kT0 + 50));
}

BOOST_FIXTURE_TEST_CASE(image_insert_and_find_by_id_read_every_field, WithModelPhotos) {
    auto p = photo(bob.id);
    insert(p);
    auto full = image(p, 2, ModelImageType::Preview, 7);
    full.filename = "模特-春季😀 \"1\".png";
    full.size = 6 * kGiB + 1;
    full.crc32 = 0xFFFFFFFFu;
    full.ossObjectName = "ab/cd/" + full.storageKey;
    full.ossUrl = "https://bucket.oss-cn-hangzhou.aliyuncs.com/ab/cd/" + full.storageKey;
    full.ossCdnUrl = "https://cdn.example.com/ab/cd/" + full.storageKey;
    full.ossFolder = "ab/cd";
    full.localPath = "/var/lib/mofang/备份/" + full.storageKey + ".png";
    full.isUploaded = true;
    full.uploadedAt = kT0 + 999;
    full.isPrimary = true;
    insert(full);
    BOOST_TEST(full.id > 0);
    const auto found = findImage(full.id);
    BOOST_REQUIRE(found.has_value());
    checkSameImage(*found, full);

    auto bare = image(p, 0, ModelImageType::Thumbnail, 8);
    bare.crc32 = 0;
    insert(bare);
    const auto foundBare = findImage(bare.id);
    BOOST_REQUIRE(foundBare.has_value());
    checkSameImage(*foundBare, bare);
    BOOST_TEST(!foundBare->uploadedAt.has_value());
    BOOST_TEST(!findImage(full.id + bare.id + 100).has_value());
}

BOOST_FIXTURE_TEST_CASE(list_by_photo_is_sort_order_then_result_preview_thumbnail_then_id, WithModelPhotos) {
    auto p = photo(alice.id);
    auto other = photo(alice.id, "other", kT0 + 1);
    insert(p);
    insert(other);
    // Inserted in an order unlike the expected one (and unlike the type names' alphabet).
    std::vector<ModelImage> images = {
        image(p, 1, ModelImageType::Thumbnail, 1),  image(p, 0, ModelImageType::Thumbnail, 2),
        image(p, 1, ModelImageType::Result, 3),     image(p, 0, ModelImageType::Preview, 4),
        image(p, 1, ModelImageType::Preview, 5),    image(p, 0, ModelImageType::Result, 6),
        image(p, 0, ModelImageType::Result, 7),  // a second result at 0: after the first by id
        image(other, 0, ModelImageType::Result, 8),
    };
    for (auto& m : images) insert(m);
    const Ids expected = {images[5].id, images[6].id, images[3].id, images[1].id,
                          images[2].id, images[4].id, images[0].id};
    const auto listed = listByPhoto(p.id);
    Ids ids;
    for (const auto& m : listed) ids.push_back(m.id);
    BOOST_TEST(ids == expected, boost::test_tools::per_element());
    for (const auto& m : listed) {
        const auto& inserted =
            *std::find_if(images.begin(), images.end(), [&](const auto& i) { return i.id == m.id; });
        checkSameImage(m, inserted);
    }
    BOOST_TEST(listByPhoto(other.id).size() == 1u);
    BOOST_TEST(listByPhoto(other.id + p.id + 100).empty());
}

BOOST_FIXTURE_TEST_CASE(task_insert_find_lock_and_update_read_every_field, WithModelPhotos) {
    auto p = photo(alice.id);
    insert(p);
    ImageTask t;
    t.id = p.taskId;
    t.modelPhotoId = p.id;
    t.type = "model_photo";
    t.payload = R"({"prompt":"模特😀 \"quoted\"","n":2})";
    t.status = PhotoStatus::Queued;
    t.attempts = 0;
    t.maxAttempts = 5;
    t.nextAttemptAt = kT0;
    t.createdAt = kT0;
    t.updatedAt = kT0;
    store.transact([&](Repositories& r) { r.imageTasks().insert(t); });

    const auto found = findTask(p.id);
    BOOST_REQUIRE(found.has_value());
    checkSameTask(*found, t);
    BOOST_TEST(!found->leaseUntil.has_value());
    BOOST_TEST(!findTask(p.id + 100).has_value());

    // Every mutable column, written under the row lock.
    auto claimed = t;
    claimed.payload = R"({"prompt":"another"})";
    claimed.status = PhotoStatus::Processing;
    claimed.attempts = 2;
    claimed.maxAttempts = 6;
    claimed.nextAttemptAt = kT0 + 60'000;
    claimed.lockedBy = "worker-7 (主机)";
    claimed.leaseUntil = kT0 + 120'000;
    claimed.providerTaskId = "resp_abc123";
    claimed.progress = 55;
    claimed.errorCode = "rate_limited";
    claimed.errorMessage = "429 太多请求";
    claimed.updatedAt = kT0 + 5;
    claimed.startedAt = kT0 + 4;
    claimed.finishedAt = kT0 + 6;
    store.transact([&](Repositories& r) {
        const auto locked = r.imageTasks().lockById(t.id);
        BOOST_REQUIRE(locked.has_value());
        checkSameTask(*locked, t);
        r.imageTasks().update(claimed);
    });
    checkSameTask(*findTask(p.id), claimed);
    store.transact(
        [&](Repositories& r) { BOOST_TEST(!r.imageTasks().lockById(uuidOf(999'999)).has_value()); });

    // And the nullable times cleared again (a requeue).
    claimed.leaseUntil.reset();
    claimed.startedAt.reset();
    claimed.finishedAt.reset();
    claimed.lockedBy.clear();
    store.transact([&](Repositories& r) { r.imageTasks().update(claimed); });
    checkSameTask(*findTask(p.id), claimed);

    // One task per photo.
    auto second = t;
    second.id = uuidOf(4242);
    const auto error =
        catchDomainError([&] { store.transact([&](Repositories& r) { r.imageTasks().insert(second); }); });
    BOOST_REQUIRE(error);
    BOOST_TEST(error->kind() == domain::ErrorKind::Conflict);
}

BOOST_FIXTURE_TEST_CASE(lock_next_due_takes_expired_leases_first_then_the_earliest_due_queued_task,
                        WithModelPhotos) {
    const domain::Millis now = kT0 + 1'000'000;
    // Never due at `now`.
    insertTask(PhotoStatus::Processing, now - 900'000, now + 1);       // lease still running
    insertTask(PhotoStatus::Processing, now - 900'000, now);           // lease ends exactly now
    insertTask(PhotoStatus::Processing, now - 900'000, std::nullopt);  // no lease (not claimable)
    insertTask(PhotoStatus::Queued, now + 1);                          // next attempt in the future
    insertTask(PhotoStatus::Completed, now - 900'000);
    insertTask(PhotoStatus::Failed, now - 900'000);
    insertTask(PhotoStatus::Completed, now - 900'000, now - 800'000);  // an old lease, but done
    // Due, inserted in an order unlike the claim order.
    const auto queuedLate = insertTask(PhotoStatus::Queued, now - 100, std::nullopt, kT0 + 20);
    const auto queuedNow = insertTask(PhotoStatus::Queued, now);
    const auto expiredLately = insertTask(PhotoStatus::Processing, now - 900'000, now - 1);
    const auto queuedEarly = insertTask(PhotoStatus::Queued, now - 100, std::nullopt, kT0 + 10);
    const auto queuedLater = insertTask(PhotoStatus::Queued, now - 50);
    const auto expiredLongAgo = insertTask(PhotoStatus::Processing, now - 900'000, now - 500'000);

    const std::vector<std::string> expected = {expiredLongAgo.id, expiredLately.id, queuedEarly.id,
                                               queuedLate.id,     queuedLater.id,   queuedNow.id};
    std::vector<std::string> claimed;
    for (int i = 0; i < 20; ++i) {
        const auto id = claimAndComplete(now);
        if (!id) break;
        claimed.push_back(*id);
    }
    if (test::onMySql()) {
        // MySQL claims within a window of the first due tasks of each kind in primary-key order
        // (see lockNextDue): expired leases first, then the due queued tasks, each as a set.
        BOOST_REQUIRE_EQUAL(claimed.size(), expected.size());
        const std::set<std::string> expiredGot(claimed.begin(), claimed.begin() + 2);
        const std::set<std::string> expiredWant(expected.begin(), expected.begin() + 2);
        const std::set<std::string> queuedGot(claimed.begin() + 2, claimed.end());
        const std::set<std::string> queuedWant(expected.begin() + 2, expected.end());
        BOOST_TEST((expiredGot == expiredWant));
        BOOST_TEST((queuedGot == queuedWant));
    } else {
        BOOST_TEST(claimed == expected, boost::test_tools::per_element());
    }

    // The claimed row is the whole task.
    auto due = insertTask(PhotoStatus::Queued, now - 1);
    store.transact([&](Repositories& r) {
        const auto t = r.imageTasks().lockNextDue(now);
        BOOST_REQUIRE(t.has_value());
        checkSameTask(*t, due);
    });
}

// The compare-and-set of a worker: only the holder of a processing task changes it.
BOOST_FIXTURE_TEST_CASE(update_if_held_changes_a_processing_task_of_that_worker_only, WithModelPhotos) {
    const domain::Millis now = kT0 + 1'000'000;
    auto held = insertTask(PhotoStatus::Processing, now - 1000, now + 60'000);  // locked by worker-1
    const auto apply = [&](const ImageTask& t, const std::string& worker) {
        bool ok = false;
        store.transact([&](Repositories& r) { ok = r.imageTasks().updateIfHeld(t, worker); });
        return ok;
    };
    // A heartbeat of the holder: the lease moves on.
    auto renewed = held;
    renewed.leaseUntil = now + 120'000;
    renewed.progress = 40;
    BOOST_TEST(apply(renewed, "worker-1"));
    checkSameTask(*findTask(held.modelPhotoId), renewed);
    // Another worker changes nothing.
    auto stolen = renewed;
    stolen.status = PhotoStatus::Completed;
    BOOST_TEST(!apply(stolen, "worker-2"));
    checkSameTask(*findTask(held.modelPhotoId), renewed);
    // Once the task is no longer processing (cancelled), not even its holder changes it.
    auto cancelled = renewed;
    cancelled.status = PhotoStatus::Failed;
    cancelled.errorCode = "cancelled";
    store.transact([&](Repositories& r) { r.imageTasks().update(cancelled); });
    auto late = renewed;
    late.status = PhotoStatus::Completed;
    BOOST_TEST(!apply(late, "worker-1"));
    checkSameTask(*findTask(held.modelPhotoId), cancelled);
    // An unknown task is not held by anyone.
    auto unknown = renewed;
    unknown.id = uuidOf(987654);
    BOOST_TEST(!apply(unknown, "worker-1"));
}

BOOST_FIXTURE_TEST_CASE(blob_references_include_model_image_keys_within_retention, WithModelPhotos) {
    auto live = photo(alice.id, "live");
    auto gone = photo(alice.id, "gone", kT0 + 1);
    insert(live);
    insert(gone);
    auto liveImage = image(live, 0, ModelImageType::Result, 11);
    auto goneImage = image(gone, 0, ModelImageType::Result, 12);
    auto goneThumb = image(gone, 0, ModelImageType::Thumbnail, 13);
    for (auto* m : {&liveImage, &goneImage, &goneThumb}) insert(*m);
    const domain::Millis deletedAt = kT0 + 10'000;
    markDeleted(gone.id, deletedAt);

    // Within retention (deleted at or after deletedSince): every key is held.
    BOOST_TEST(referenced(liveImage.storageKey, deletedAt));
    BOOST_TEST(referenced(goneImage.storageKey, deletedAt));
    BOOST_TEST(referenced(goneThumb.storageKey, deletedAt));
    BOOST_TEST((referencedKeys(deletedAt) ==
                std::set<std::string>{liveImage.storageKey, goneImage.storageKey, goneThumb.storageKey}));
    // After it: only the live image's.
    BOOST_TEST(referenced(liveImage.storageKey, deletedAt + 1));
    BOOST_TEST(!referenced(goneImage.storageKey, deletedAt + 1));
    BOOST_TEST(!referenced(goneThumb.storageKey, deletedAt + 1));
    BOOST_TEST((referencedKeys(deletedAt + 1) == std::set<std::string>{liveImage.storageKey}));
    BOOST_TEST(!referenced(keyOf(99), kT0));
}

// ---- MariaDB: concurrent claimers skip each other's locked rows

namespace {

// A claimer in a thread of its own: opens a transaction, claims, reports, and holds its locks
// until released.
class Claimer {
  public:
    Claimer(persistence::Database& db, domain::Millis now) {
        thread_ = std::thread([this, &db, now] {
            try {
                db.transact([&](Poco::Data::Session& s) {
                    // Blocking instead of skipping would fail in seconds, not hang the run.
                    persistence::executeSql(s, "SET SESSION innodb_lock_wait_timeout = 5");
                    persistence::SqlRepositories repos(s, persistence::Dialect::MySQL);
                    const auto t = repos.imageTasks().lockNextDue(now);
                    if (t) claimed_ = t->id;
                    claimedPromise_.set_value();
                    release_.get_future().wait();
                });
            } catch (...) {
                error_ = std::current_exception();
                try {
                    claimedPromise_.set_value();
                } catch (const std::future_error&) {
                    // Already reported the claim.
                }
            }
        });
    }
    ~Claimer() { finish(); }
    Claimer(const Claimer&) = delete;
    Claimer& operator=(const Claimer&) = delete;

    // Waits until the claim is made (and is holding its locks).
    bool waitClaimed() {
        return claimedFuture_.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
    }
    std::optional<std::string> claimed() const { return claimed_; }
    void finish() {
        if (!thread_.joinable()) return;
        if (!released_) {
            released_ = true;
            release_.set_value();
        }
        thread_.join();
    }
    std::exception_ptr error() const { return error_; }

  private:
    std::promise<void> claimedPromise_;
    std::future<void> claimedFuture_ = claimedPromise_.get_future();
    std::promise<void> release_;
    bool released_ = false;
    std::optional<std::string> claimed_;
    std::exception_ptr error_;
    std::thread thread_;
};

std::string describe(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const Poco::Exception& x) {
        return x.displayText();
    } catch (const std::exception& x) {
        return x.what();
    }
}

// Two claimers, each in an open transaction, take different due tasks; a third, while both
// hold their locks, finds nothing. `withExpiredLease`: one of the two is a processing task
// whose lease ran out rather than a queued one.
void checkConcurrentClaims(WithModelPhotos& f, bool withExpiredLease, bool withBystanders = true) {
    const domain::Millis now = kT0 + 1'000'000;
    std::set<std::string> due;
    due.insert(f.insertTask(PhotoStatus::Queued, now - 10).id);
    due.insert(withExpiredLease ? f.insertTask(PhotoStatus::Processing, now - 900'000, now - 5).id
                                : f.insertTask(PhotoStatus::Queued, now - 20).id);
    if (withBystanders) {
        f.insertTask(PhotoStatus::Queued, now + 60'000);                     // not yet due
        f.insertTask(PhotoStatus::Processing, now - 900'000, now + 60'000);  // lease running
        f.insertTask(PhotoStatus::Completed, now - 900'000);
    }

    Claimer first(f.db, now);
    BOOST_REQUIRE(first.waitClaimed());
    Claimer second(f.db, now);
    BOOST_REQUIRE(second.waitClaimed());
    Claimer third(f.db, now);
    BOOST_REQUIRE(third.waitClaimed());
    first.finish();
    second.finish();
    third.finish();
    for (auto* claimer : {&first, &second, &third})
        if (claimer->error()) BOOST_FAIL("a claimer failed: " << describe(claimer->error()));

    BOOST_REQUIRE(first.claimed().has_value());
    BOOST_REQUIRE(second.claimed().has_value());
    BOOST_TEST(*first.claimed() != *second.claimed());
    BOOST_TEST(due.count(*first.claimed()) == 1u);
    BOOST_TEST(due.count(*second.claimed()) == 1u);
    BOOST_TEST(!third.claimed().has_value(), "third claimer got " << third.claimed().value_or(""));

    // With the locks gone, a claimer sees the tasks again (nothing was changed).
    std::optional<ImageTask> again;
    f.store.transact([&](Repositories& r) { again = r.imageTasks().lockNextDue(now); });
    BOOST_TEST(again.has_value());
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(concurrent_claimers_of_queued_tasks_skip_each_others_locks, WithModelPhotos,
                        *boost::unit_test::label("mysql") * boost::unit_test::precondition(mysqlOnly)) {
    checkConcurrentClaims(*this, false);
}

BOOST_FIXTURE_TEST_CASE(concurrent_claimers_of_an_expired_lease_and_a_queued_task_skip_each_others_locks,
                        WithModelPhotos,
                        *boost::unit_test::label("mysql") * boost::unit_test::precondition(mysqlOnly)) {
    checkConcurrentClaims(*this, true);
}

// Without other rows, the row after each scanned range is a due task itself: a claimer must
// not hold it (and so hide it from the next claimer) when it only read it to end its scan.
BOOST_FIXTURE_TEST_CASE(concurrent_claimers_of_the_only_two_queued_tasks_skip_each_others_locks,
                        WithModelPhotos,
                        *boost::unit_test::label("mysql") * boost::unit_test::precondition(mysqlOnly)) {
    checkConcurrentClaims(*this, false, false);
}

BOOST_FIXTURE_TEST_CASE(concurrent_claimers_of_the_only_expired_lease_and_queued_task_skip_each_others_locks,
                        WithModelPhotos,
                        *boost::unit_test::label("mysql") * boost::unit_test::precondition(mysqlOnly)) {
    checkConcurrentClaims(*this, true, false);
}

BOOST_AUTO_TEST_SUITE_END()
