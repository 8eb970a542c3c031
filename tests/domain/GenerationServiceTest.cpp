#include <boost/test/unit_test.hpp>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "Fakes.hpp"
#include "Support.hpp"
#include "domain/GenerationService.hpp"
#include "domain/ModelPhotoService.hpp"

using namespace mofang::domain;
using mofang::test::crc32Of;
using mofang::test::FakeBlobStore;
using mofang::test::FakeClock;
using mofang::test::fakeDigest;
using mofang::test::FakeRandom;
using mofang::test::FakeRenderer;
using mofang::test::FakeStore;
using mofang::test::pngOf;
using mofang::test::thrownBy;

namespace {

// The bounds of the backoff jitter draws (a claim also draws its 32-bit locked_by token).
std::vector<std::uint64_t> jitterBounds(const FakeRandom& random) {
    std::vector<std::uint64_t> out;
    for (const auto b : random.bounds)
        if (b != (std::uint64_t{1} << 32)) out.push_back(b);
    return out;
}


using Keys = std::set<std::string>;
using Strings = std::vector<std::string>;

constexpr int kMaxAttempts = 3;
constexpr Millis kLease = 60'000;

// A generator that runs the test's script and records what it was asked.
struct ScriptedGenerator final : Generator {
    std::function<GenerationResult(const GenerationRequest&, GenerationControl&)> script;
    std::vector<GenerationRequest> requests;

    GenerationResult generate(const GenerationRequest& request, GenerationControl& control) override {
        requests.push_back(request);
        return script(request, control);
    }
};

// The worker's control: records progress reports, runs a hook on each (the real worker
// heartbeats there), and says stop when told to.
struct FakeControl final : GenerationControl {
    std::vector<int> reported;
    bool stop = false;
    std::function<void(int)> onProgress;

    void progress(int percent) override {
        reported.push_back(percent);
        if (onProgress) onProgress(percent);
    }
    bool stopRequested() const override { return stop; }
};

struct FakeBackup final : FileBackup {
    std::vector<std::pair<std::string, std::string>> saves;  // source path, relative name
    std::string save(const std::string& sourcePath, const std::string& relativeName) override {
        saves.emplace_back(sourcePath, relativeName);
        return "/var/backup/" + relativeName;
    }
};

GenerationResult resultOf(std::vector<std::string> images, std::string version = "demo-1",
                          std::string providerId = "req-1") {
    GenerationResult r;
    for (auto& bytes : images) r.images.push_back(GeneratedImage{std::move(bytes)});
    r.modelVersion = std::move(version);
    r.providerTaskId = std::move(providerId);
    return r;
}

std::string previewBytes(const std::string& bytes) {
    return FakeRenderer::previewOf(bytes);
}
std::string thumbnailBytes(const std::string& bytes) {
    return FakeRenderer::thumbnailOf(FakeRenderer::previewOf(bytes));
}
// The three blobs a generated image becomes.
Keys keysFor(const std::string& bytes) {
    return {fakeDigest(bytes), fakeDigest(previewBytes(bytes)), fakeDigest(thumbnailBytes(bytes))};
}

// A store with one uploader, the services over fakes, and a default policy.
struct World {
    FakeStore store;
    FakeClock clock;
    FakeRandom random;
    FakeBlobStore blobs;
    FakeRenderer renderer{blobs};
    WorkerPolicy policy;
    FakeBackup* backup = nullptr;
    ModelPhotoService photos{store, clock, random, kMaxAttempts};
    UserId ownerId = store.addUser("owner", "pw", Role::Uploader);
    Principal owner{ownerId, Role::Uploader, {}};
    ScriptedGenerator generator;
    FakeControl control;

    GenerationService service() {
        return GenerationService(store, blobs, renderer, clock, random, policy, backup);
    }

    ModelPhoto queue(int imageCount = 1, const std::string& prompt = "a model in a red coat") {
        ModelPhotoInput in;
        in.prompt = prompt;
        in.imageCount = imageCount;
        return photos.create(owner, in, AuditContext{ownerId, "", "", std::nullopt});
    }
    ClaimedTask claim(const std::string& worker = "w1") {
        auto c = service().claim(worker);
        if (!c) throw std::logic_error("nothing to claim");
        return *c;
    }
    TaskOutcome run(const ClaimedTask& c, const std::string& worker = "w1") {
        return service().run(c, worker, generator, control);
    }
    void cancel(ModelPhotoId id) { photos.cancel(owner, id, AuditContext{ownerId, "", "", std::nullopt}); }

    const ModelPhoto& photo(ModelPhotoId id) const { return store.state.modelPhotos.at(id); }
    const ImageTask& task(ModelPhotoId id) const { return store.state.imageTasks.at(photo(id).taskId); }
    std::vector<ModelImage> rows(ModelPhotoId id) const {
        std::vector<ModelImage> out;
        for (const auto& [imageId, i] : store.state.modelImages)
            if (i.modelPhotoId == id) out.push_back(i);
        return out;
    }
    Keys published() const {
        Keys out;
        for (const auto& [key, blob] : blobs.blobs) out.insert(key);
        return out;
    }
    bool referenced(const std::string& key) {
        bool r = false;
        store.read([&](Repositories& repos) { r = repos.blobReferences().isReferenced(key, clock.t - 1); });
        return r;
    }
};

// Nothing of an abandoned attempt stays: no rows, no pins, no published or staged blobs.
void checkNothingStored(const World& w) {
    BOOST_TEST(w.store.state.modelImages.empty());
    BOOST_TEST(w.store.state.pins.empty());
    BOOST_TEST(w.blobs.blobs.empty());
    BOOST_TEST(w.blobs.staged.empty());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(generation_claim)

BOOST_AUTO_TEST_CASE(claim_takes_a_queued_task_under_a_lease) {
    World w;
    const auto p = w.queue();
    w.clock.advance(500);
    const auto c = w.service().claim("w1");
    BOOST_TEST_REQUIRE(c.has_value());
    BOOST_TEST(c->task.id == p.taskId);
    BOOST_TEST(c->photo.id == p.id);

    const auto& t = w.task(p.id);
    BOOST_TEST((t.status == PhotoStatus::Processing));
    BOOST_TEST(t.attempts == 1);
    BOOST_TEST(t.lockedBy.rfind("w1#", 0) == 0);
    BOOST_TEST((t.leaseUntil == std::optional<Millis>(w.clock.t + kLease)));
    BOOST_TEST((t.startedAt == std::optional<Millis>(w.clock.t)));
    BOOST_TEST(t.progress == 0);
    const auto& photo = w.photo(p.id);
    BOOST_TEST((photo.status == PhotoStatus::Processing));
    BOOST_TEST((photo.startedAt == std::optional<Millis>(w.clock.t)));
    BOOST_TEST(photo.progress == 0);
    BOOST_TEST(photo.updatedAt == w.clock.t);
    // What the worker holds is what the store holds.
    BOOST_TEST((c->task.status == PhotoStatus::Processing));
    BOOST_TEST(c->task.attempts == 1);
    BOOST_TEST((c->photo.status == PhotoStatus::Processing));
}

BOOST_AUTO_TEST_CASE(nothing_due_claims_nothing) {
    World w;
    BOOST_TEST(!w.service().claim("w1").has_value());
    const auto p = w.queue();
    w.claim("w1");
    BOOST_TEST(!w.service().claim("w2").has_value());  // held under its lease
    w.clock.advance(kLease);
    BOOST_TEST(!w.service().claim("w2").has_value());  // the lease runs out after lease_until, not at it
    BOOST_TEST(w.task(p.id).lockedBy.rfind("w1#", 0) == 0);
}

BOOST_AUTO_TEST_CASE(two_claims_never_return_the_same_task_and_the_oldest_goes_first) {
    World w;
    std::vector<std::string> queued;
    for (int i = 0; i < 3; ++i) {
        queued.push_back(w.queue().taskId);
        w.clock.advance(1);
    }
    std::vector<std::string> claimed;
    for (const auto* worker : {"w1", "w2", "w3", "w4"})
        if (const auto c = w.service().claim(worker)) claimed.push_back(c->task.id);
    BOOST_TEST(claimed == queued, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_task_with_a_lapsed_lease_is_reclaimed_by_another_worker) {
    World w;
    const auto p = w.queue();
    const Millis firstStart = w.clock.t;
    const auto first = w.claim("w1");
    w.clock.advance(kLease + 1);
    const auto second = w.service().claim("w2");
    BOOST_TEST_REQUIRE(second.has_value());
    BOOST_TEST(second->task.id == p.taskId);
    const auto& t = w.task(p.id);
    BOOST_TEST((t.status == PhotoStatus::Processing));
    BOOST_TEST(t.attempts == 2);
    BOOST_TEST(t.lockedBy.rfind("w2#", 0) == 0);
    BOOST_TEST((t.leaseUntil == std::optional<Millis>(w.clock.t + kLease)));
    BOOST_TEST((t.startedAt == std::optional<Millis>(firstStart)));  // the first claim's
    BOOST_TEST((w.photo(p.id).startedAt == std::optional<Millis>(firstStart)));

    // The first worker lost it: it can neither renew nor store.
    BOOST_TEST(!w.service().heartbeat(first, "w1", 50));
    BOOST_TEST(!w.service().giveBack(first, "w1"));
    const std::string image = pngOf(1024, 1024);
    BOOST_TEST((w.service().complete(first, "w1", resultOf({image})) == TaskOutcome::Lost));
    BOOST_TEST((w.service().failAttempt(first, "w1", false, "x", "y") == TaskOutcome::Lost));
    checkNothingStored(w);
    BOOST_TEST(w.blobs.publishes == 3);  // published, then removed again
    BOOST_TEST(w.blobs.removedKeys.size() == 3U);
    BOOST_TEST(w.task(p.id).lockedBy.rfind("w2#", 0) == 0);
    BOOST_TEST(w.task(p.id).progress == 0);
    BOOST_TEST((w.task(p.id).status == PhotoStatus::Processing));

    // The second one finishes it.
    BOOST_TEST((w.service().complete(*second, "w2", resultOf({image})) == TaskOutcome::Completed));
    BOOST_TEST(w.rows(p.id).size() == 3U);
    BOOST_TEST(w.published() == keysFor(image), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_lost_worker_keeps_blobs_that_the_winner_stored) {
    // A deterministic backend gives both workers the same bytes, hence the same keys.
    World w;
    const auto p = w.queue();
    const auto first = w.claim("w1");
    w.clock.advance(kLease + 1);
    const auto second = w.claim("w2");
    const std::string image = pngOf(512, 512);
    BOOST_TEST((w.service().complete(second, "w2", resultOf({image})) == TaskOutcome::Completed));
    BOOST_TEST((w.service().complete(first, "w1", resultOf({image})) == TaskOutcome::Lost));
    BOOST_TEST(w.rows(p.id).size() == 3U);
    BOOST_TEST(w.published() == keysFor(image), boost::test_tools::per_element());
    BOOST_TEST(w.blobs.removedKeys.empty());
    BOOST_TEST(w.store.state.pins.empty());
}

BOOST_AUTO_TEST_CASE(a_task_whose_workers_kept_dying_fails_as_worker_lost) {
    World w;
    const auto p = w.queue();
    w.clock.advance(1);
    const auto next = w.queue();
    for (const auto* worker : {"w1", "w2", "w3"}) {
        const auto c = w.claim(worker);
        BOOST_TEST(c.task.id == p.taskId);
        w.clock.advance(kLease + 1);
    }
    BOOST_TEST(w.task(p.id).attempts == kMaxAttempts);

    // The fourth claim retires it and takes the next task instead.
    const auto c = w.service().claim("w4");
    BOOST_TEST_REQUIRE(c.has_value());
    BOOST_TEST(c->task.id == next.taskId);
    const auto& t = w.task(p.id);
    BOOST_TEST((t.status == PhotoStatus::Failed));
    BOOST_TEST(t.errorCode == "worker_lost");
    BOOST_TEST(t.attempts == kMaxAttempts);
    BOOST_TEST((t.finishedAt == std::optional<Millis>(w.clock.t)));
    BOOST_TEST(!t.leaseUntil.has_value());
    const auto& photo = w.photo(p.id);
    BOOST_TEST((photo.status == PhotoStatus::Failed));
    BOOST_TEST(photo.errorCode == "worker_lost");
    BOOST_TEST(photo.errorMessage != "");
    BOOST_TEST((photo.finishedAt == std::optional<Millis>(w.clock.t)));
    BOOST_TEST(photo.generationTime.has_value());

    // Alone, it is retired and nothing is claimed.
    World alone;
    const auto q = alone.queue();
    for (const auto* worker : {"w1", "w2", "w3"}) {
        alone.claim(worker);
        alone.clock.advance(kLease + 1);
    }
    BOOST_TEST(!alone.service().claim("w4").has_value());
    BOOST_TEST(alone.task(q.id).errorCode == "worker_lost");
    BOOST_TEST((alone.photo(q.id).status == PhotoStatus::Failed));
}

// A task whose photo is gone is retired (cancelled) and the next one tried: one broken row must
// not block the head of the queue.
BOOST_AUTO_TEST_CASE(a_queued_task_without_its_photo_is_retired) {
    World w;
    ImageTask orphan;
    orphan.id = "00000000-0000-4000-8000-0000000000ff";
    orphan.modelPhotoId = 999;
    orphan.nextAttemptAt = w.clock.t - 1000;  // due before everything else
    orphan.createdAt = orphan.updatedAt = w.clock.t - 1000;
    w.store.state.imageTasks[orphan.id] = orphan;
    const auto p = w.queue();

    std::optional<ClaimedTask> c;
    bool threw = false;
    try {
        c = w.service().claim("w1");
    } catch (const DomainError&) {
        threw = true;
    }
    BOOST_TEST(!threw);
    BOOST_TEST((c && c->task.id == p.taskId));
    BOOST_TEST((w.store.state.imageTasks.at(orphan.id).status == PhotoStatus::Failed));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(generation_heartbeat)

BOOST_AUTO_TEST_CASE(a_heartbeat_renews_the_lease_and_records_progress) {
    World w;
    const auto p = w.queue();
    const auto c = w.claim("w1");
    w.clock.advance(30'000);
    BOOST_TEST(w.service().heartbeat(c, "w1", 40));
    BOOST_TEST((w.task(p.id).leaseUntil == std::optional<Millis>(w.clock.t + kLease)));
    BOOST_TEST(w.task(p.id).progress == 40);
    BOOST_TEST(w.photo(p.id).progress == 40);
    BOOST_TEST(w.photo(p.id).updatedAt == w.clock.t);

    // Only completion makes 100; nonsense is clamped.
    BOOST_TEST(w.service().heartbeat(c, "w1", 150));
    BOOST_TEST(w.photo(p.id).progress == 99);
    BOOST_TEST(w.service().heartbeat(c, "w1", -5));
    BOOST_TEST(w.photo(p.id).progress == 0);

    // Renewed, the lease outlives the first one's end.
    w.clock.advance(kLease - 1);
    BOOST_TEST(!w.service().claim("w2").has_value());
    BOOST_TEST(w.service().heartbeat(c, "w2", 10) == false);  // not w2's
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(generation_failures)

BOOST_AUTO_TEST_CASE(transient_errors_back_off_then_fail_as_upstream_unavailable) {
    World w;
    const auto p = w.queue();
    w.generator.script = [](const GenerationRequest&, GenerationControl&) -> GenerationResult {
        throw GeneratorError(true, "rate_limited", "429 Too Many Requests");
    };

    // Attempt 1: back in 2 s plus jitter (the fake's 700 ms, below half the delay + 1).
    w.random.nextBelow = 700;
    BOOST_TEST((w.run(w.claim()) == TaskOutcome::Requeued));
    BOOST_TEST(jitterBounds(w.random) == (std::vector<std::uint64_t>{1001}), boost::test_tools::per_element());
    {
        const auto& t = w.task(p.id);
        BOOST_TEST((t.status == PhotoStatus::Queued));
        BOOST_TEST(t.attempts == 1);
        BOOST_TEST(t.nextAttemptAt == w.clock.t + 2000 + 700);
        BOOST_TEST(t.lockedBy == "");
        BOOST_TEST(!t.leaseUntil.has_value());
        BOOST_TEST(t.errorCode == "rate_limited");  // for operators
        const auto& photo = w.photo(p.id);
        BOOST_TEST((photo.status == PhotoStatus::Queued));
        BOOST_TEST(photo.errorCode == "");  // the photo shows final failures only
        BOOST_TEST(photo.progress == 0);
    }
    BOOST_TEST(!w.service().claim("w1").has_value());
    w.clock.advance(2699);
    BOOST_TEST(!w.service().claim("w1").has_value());
    w.clock.advance(1);

    // Attempt 2: 4 s, no jitter.
    w.random.nextBelow = 0;
    const auto c2 = w.claim();
    BOOST_TEST(c2.task.attempts == 2);
    BOOST_TEST((w.run(c2) == TaskOutcome::Requeued));
    BOOST_TEST(w.task(p.id).nextAttemptAt == w.clock.t + 4000);
    BOOST_TEST(jitterBounds(w.random).back() == 2001U);
    w.clock.advance(4000);

    // Attempt 3 is the last.
    const auto c3 = w.claim();
    BOOST_TEST(c3.task.attempts == 3);
    w.clock.advance(1234);
    BOOST_TEST((w.run(c3) == TaskOutcome::Failed));
    const auto& t = w.task(p.id);
    BOOST_TEST((t.status == PhotoStatus::Failed));
    BOOST_TEST(t.errorCode == "upstream_unavailable");
    BOOST_TEST((t.finishedAt == std::optional<Millis>(w.clock.t)));
    const auto& photo = w.photo(p.id);
    BOOST_TEST((photo.status == PhotoStatus::Failed));
    BOOST_TEST(photo.errorCode == "upstream_unavailable");
    BOOST_TEST(photo.errorMessage.find("rate_limited") != std::string::npos, photo.errorMessage);
    BOOST_TEST(photo.errorMessage.find("429 Too Many Requests") != std::string::npos, photo.errorMessage);
    BOOST_TEST((photo.finishedAt == std::optional<Millis>(w.clock.t)));
    BOOST_TEST(photo.generationTime.has_value());
    BOOST_TEST(!w.service().claim("w1").has_value());
    BOOST_TEST(w.generator.requests.size() == 3U);
    checkNothingStored(w);
}

BOOST_AUTO_TEST_CASE(a_permanent_error_fails_at_once_with_the_backends_code) {
    World w;
    const auto p = w.queue();
    w.generator.script = [](const GenerationRequest&, GenerationControl&) -> GenerationResult {
        throw GeneratorError(false, "content_policy_violation",
                             "the prompt was refused by the safety system");
    };
    const auto c = w.claim();
    w.clock.advance(3000);
    BOOST_TEST((w.run(c) == TaskOutcome::Failed));
    const auto& photo = w.photo(p.id);
    BOOST_TEST((photo.status == PhotoStatus::Failed));
    BOOST_TEST(photo.errorCode == "content_policy_violation");
    BOOST_TEST(photo.errorMessage == "the prompt was refused by the safety system");
    BOOST_TEST((photo.generationTime == std::optional<double>(3.0)));
    BOOST_TEST(w.task(p.id).attempts == 1);
    BOOST_TEST(w.task(p.id).errorCode == "content_policy_violation");
    BOOST_TEST(jitterBounds(w.random).empty());
    checkNothingStored(w);
}

BOOST_AUTO_TEST_CASE(stopping_gives_the_task_back_without_counting_the_attempt) {
    World w;
    const auto p = w.queue();
    w.generator.script = [](const GenerationRequest&, GenerationControl&) -> GenerationResult {
        throw GenerationStopped();
    };
    const auto c = w.claim();
    w.clock.advance(5000);
    BOOST_TEST((w.run(c) == TaskOutcome::GivenBack));
    const auto& t = w.task(p.id);
    BOOST_TEST((t.status == PhotoStatus::Queued));
    BOOST_TEST(t.attempts == 0);
    BOOST_TEST(t.lockedBy == "");
    BOOST_TEST(!t.leaseUntil.has_value());
    BOOST_TEST(t.nextAttemptAt == w.clock.t);
    BOOST_TEST((w.photo(p.id).status == PhotoStatus::Queued));
    BOOST_TEST(w.photo(p.id).progress == 0);
    // Due again at once, with the attempt not counted.
    BOOST_TEST(w.claim("w2").task.attempts == 1);
    checkNothingStored(w);
}

BOOST_AUTO_TEST_CASE(a_stop_after_the_images_came_back_gives_the_task_back) {
    World w;
    const auto p = w.queue();
    w.generator.script = [&](const GenerationRequest&, GenerationControl&) {
        w.control.stop = true;  // SIGTERM while the backend answered
        return resultOf({pngOf(1024, 1024)});
    };
    BOOST_TEST((w.run(w.claim()) == TaskOutcome::GivenBack));
    BOOST_TEST((w.task(p.id).status == PhotoStatus::Queued));
    BOOST_TEST(w.task(p.id).attempts == 0);
    checkNothingStored(w);
}

BOOST_AUTO_TEST_CASE(cancel_during_generation_stores_nothing) {
    World w;
    const auto p = w.queue();
    w.generator.script = [&](const GenerationRequest&, GenerationControl&) {
        w.cancel(p.id);  // the owner cancels while the backend works
        return resultOf({pngOf(1024, 1024), pngOf(1024, 1023)});
    };
    const auto c = w.claim();
    BOOST_TEST((w.run(c) == TaskOutcome::Lost));
    checkNothingStored(w);
    BOOST_TEST(w.blobs.removedKeys.size() == 6U);
    BOOST_TEST((w.photo(p.id).status == PhotoStatus::Failed));
    BOOST_TEST(w.photo(p.id).errorCode == "cancelled");
    BOOST_TEST(w.photo(p.id).imageCount == 1);
    BOOST_TEST((w.task(p.id).status == PhotoStatus::Failed));
    BOOST_TEST(w.task(p.id).errorCode == "cancelled");
}

BOOST_AUTO_TEST_CASE(cancel_noticed_at_a_heartbeat_stops_the_generator) {
    World w;
    const auto p = w.queue();
    const auto c = w.claim();
    // The worker's control as mofang-worker wires it: progress heartbeats, a lost task stops.
    w.control.onProgress = [&](int percent) {
        if (!w.service().heartbeat(c, "w1", percent)) w.control.stop = true;
    };
    w.generator.script = [&](const GenerationRequest&, GenerationControl& control) -> GenerationResult {
        control.progress(30);
        w.cancel(p.id);
        control.progress(60);
        if (control.stopRequested()) throw GenerationStopped();
        return resultOf({pngOf(1024, 1024)});
    };
    BOOST_TEST((w.run(c) == TaskOutcome::Lost));
    BOOST_TEST(w.control.reported == (std::vector<int>{30, 60}), boost::test_tools::per_element());
    BOOST_TEST((w.photo(p.id).status == PhotoStatus::Failed));
    BOOST_TEST(w.photo(p.id).errorCode == "cancelled");
    BOOST_TEST(w.photo(p.id).progress == 30);  // the last progress before the cancel
    BOOST_TEST(w.task(p.id).attempts == 1);
    checkNothingStored(w);
}

BOOST_AUTO_TEST_CASE(an_undecodable_result_fails_as_invalid_output) {
    World w;
    const auto p = w.queue(2);
    w.generator.script = [](const GenerationRequest&, GenerationControl&) {
        return resultOf({pngOf(1024, 1024), "<html>502 Bad Gateway</html>"});
    };
    BOOST_TEST((w.run(w.claim()) == TaskOutcome::Failed));
    BOOST_TEST(w.photo(p.id).errorCode == "invalid_output");
    BOOST_TEST(w.photo(p.id).errorMessage.find("image 2") != std::string::npos, w.photo(p.id).errorMessage);
    BOOST_TEST((w.task(p.id).status == PhotoStatus::Failed));
    BOOST_TEST(w.blobs.publishes == 0);
    checkNothingStored(w);
}

BOOST_AUTO_TEST_CASE(a_header_the_renderer_cannot_decode_fails_as_invalid_output) {
    World w;
    const auto p = w.queue();
    w.renderer.undecodablePath = "/fake-staging/upload-1";  // the first writer: the result's bytes
    w.generator.script = [](const GenerationRequest&, GenerationControl&) {
        return resultOf({pngOf(1024, 1024)});
    };
    BOOST_TEST((w.run(w.claim()) == TaskOutcome::Failed));
    BOOST_TEST(w.photo(p.id).errorCode == "invalid_output");
    BOOST_TEST(w.blobs.publishes == 0);
    checkNothingStored(w);
}

BOOST_AUTO_TEST_CASE(no_images_at_all_is_invalid_output) {
    World w;
    const auto p = w.queue();
    w.generator.script = [](const GenerationRequest&, GenerationControl&) { return resultOf({}); };
    BOOST_TEST((w.run(w.claim()) == TaskOutcome::Failed));
    BOOST_TEST(w.photo(p.id).errorCode == "invalid_output");
    checkNothingStored(w);
}

BOOST_AUTO_TEST_CASE(storage_down_while_publishing_retries_later_and_leaves_no_blobs) {
    World w;
    const auto p = w.queue();
    w.blobs.failPublishAfter = 2;
    w.generator.script = [](const GenerationRequest&, GenerationControl&) {
        return resultOf({pngOf(1024, 1024)});
    };
    BOOST_TEST((w.run(w.claim()) == TaskOutcome::Requeued));
    BOOST_TEST(w.task(p.id).errorCode == "unavailable");
    BOOST_TEST((w.task(p.id).status == PhotoStatus::Queued));
    BOOST_TEST(w.blobs.removedKeys.size() == 2U);  // the two that made it out
    checkNothingStored(w);
}

BOOST_AUTO_TEST_CASE(backoff_doubles_up_to_its_cap) {
    WorkerPolicy policy;
    policy.backoffBase = 2000;
    policy.backoffMax = 300'000;
    const std::vector<std::pair<int, Millis>> table = {
        {0, 2000},   {1, 2000},   {2, 4000},    {3, 8000},    {4, 16000},
        {8, 256000}, {9, 300000}, {10, 300000}, {64, 300000}, {1000, 300000},
    };
    for (const auto& [attempts, delay] : table)
        BOOST_TEST(GenerationService::backoffDelay(policy, attempts) == delay,
                   "after " << attempts << " attempts");

    policy.backoffBase = 1000;
    policy.backoffMax = 5000;
    BOOST_TEST(GenerationService::backoffDelay(policy, 3) == 4000);
    BOOST_TEST(GenerationService::backoffDelay(policy, 4) == 5000);  // 8000 capped
    BOOST_TEST(GenerationService::backoffDelay(policy, 40) == 5000);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(generation_success)

BOOST_AUTO_TEST_CASE(two_images_become_six_rows_and_a_completed_photo) {
    World w;
    ModelPhotoInput in;
    in.prompt = "red coat";
    in.gender = "female";
    in.aspectRatio = "3:4";
    in.imageCount = 2;
    const auto p = w.photos.create(w.owner, in, AuditContext{w.ownerId, "", "", std::nullopt});
    const std::string first = pngOf(768, 1024);
    const std::string second = pngOf(768, 1025);
    w.generator.script = [&](const GenerationRequest&, GenerationControl& control) {
        control.progress(50);
        w.clock.advance(12'345);
        return resultOf({first, second}, "gpt-image-1", "req-abc");
    };
    const Millis started = w.clock.t;
    const auto c = w.claim();
    BOOST_TEST((w.run(c) == TaskOutcome::Completed));

    BOOST_TEST_REQUIRE(w.generator.requests.size() == 1U);
    const auto& request = w.generator.requests.front();
    BOOST_TEST(request.taskId == p.taskId);
    BOOST_TEST(request.prompt == "red coat\nModel: a woman.");
    BOOST_TEST(request.width == 768);
    BOOST_TEST(request.height == 1024);
    BOOST_TEST(request.count == 2);

    const auto& photo = w.photo(p.id);
    BOOST_TEST((photo.status == PhotoStatus::Completed));
    BOOST_TEST(photo.progress == 100);
    BOOST_TEST(photo.imageCount == 2);
    BOOST_TEST(photo.totalSize == first.size() + second.size());
    BOOST_TEST((photo.startedAt == std::optional<Millis>(started)));
    BOOST_TEST((photo.finishedAt == std::optional<Millis>(w.clock.t)));
    BOOST_TEST((photo.generationTime == std::optional<double>(12.345)));
    BOOST_TEST(photo.modelVersion == "gpt-image-1");
    BOOST_TEST(photo.errorCode == "");
    BOOST_TEST(photo.updatedAt == w.clock.t);
    const auto& t = w.task(p.id);
    BOOST_TEST((t.status == PhotoStatus::Completed));
    BOOST_TEST(t.progress == 100);
    BOOST_TEST(t.providerTaskId == "req-abc");
    BOOST_TEST(!t.leaseUntil.has_value());
    BOOST_TEST((t.finishedAt == std::optional<Millis>(w.clock.t)));

    std::vector<ModelImage> rows;
    w.store.read([&](Repositories& r) { rows = r.modelImages().listByPhoto(p.id); });
    BOOST_TEST_REQUIRE(rows.size() == 6U);
    const std::vector<std::pair<int, ModelImageType>> layout = {
        {1, ModelImageType::Result}, {1, ModelImageType::Preview}, {1, ModelImageType::Thumbnail},
        {2, ModelImageType::Result}, {2, ModelImageType::Preview}, {2, ModelImageType::Thumbnail},
    };
    const std::string base = "model-" + std::to_string(p.id) + "-";
    for (std::size_t k = 0; k < rows.size(); ++k) {
        const auto& row = rows[k];
        const int n = layout[k].first;
        const auto& bytes = n == 1 ? first : second;
        BOOST_TEST(row.sortOrder == n);
        BOOST_TEST((row.imageType == layout[k].second));
        BOOST_TEST(row.modelPhotoId == p.id);
        BOOST_TEST(row.userId == w.ownerId);
        BOOST_TEST(row.isPrimary == (k == 0));
        BOOST_TEST(row.createdAt == w.clock.t);
        BOOST_TEST(!row.isUploaded);  // local storage
        BOOST_TEST(row.ossObjectName == "");
        BOOST_TEST(row.localPath == "");
        if (row.imageType == ModelImageType::Result) {
            BOOST_TEST(row.filename == base + std::to_string(n) + ".png");
            BOOST_TEST(row.contentType == "image/png");
            BOOST_TEST(row.extension == ".png");
            BOOST_TEST(row.width == 768);
            BOOST_TEST(row.height == (n == 1 ? 1024 : 1025));
            BOOST_TEST(row.size == bytes.size());
            BOOST_TEST(row.storageKey == fakeDigest(bytes));
            BOOST_TEST(row.sha256 == fakeDigest(bytes));
            BOOST_TEST(row.crc32 == crc32Of(bytes));
        } else if (row.imageType == ModelImageType::Preview) {
            BOOST_TEST(row.filename == base + std::to_string(n) + "-preview.jpg");
            BOOST_TEST(row.contentType == "image/jpeg");
            BOOST_TEST(row.extension == ".jpg");
            BOOST_TEST(row.width == FakeRenderer::kPreviewWidth);
            BOOST_TEST(row.height == FakeRenderer::kPreviewHeight);
            BOOST_TEST(row.size == previewBytes(bytes).size());
            BOOST_TEST(row.storageKey == fakeDigest(previewBytes(bytes)));
            BOOST_TEST(row.crc32 == crc32Of(previewBytes(bytes)));
        } else {
            BOOST_TEST(row.filename == base + std::to_string(n) + "-thumbnail.jpg");
            BOOST_TEST(row.contentType == "image/jpeg");
            BOOST_TEST(row.width == FakeRenderer::kThumbnailWidth);
            BOOST_TEST(row.height == FakeRenderer::kThumbnailHeight);
            BOOST_TEST(row.size == thumbnailBytes(bytes).size());
            BOOST_TEST(row.storageKey == fakeDigest(thumbnailBytes(bytes)));
        }
    }

    // Every blob is published and held by its row; no pins or staged bytes remain.
    Keys expected = keysFor(first);
    for (const auto& k : keysFor(second)) expected.insert(k);
    BOOST_TEST(w.published() == expected, boost::test_tools::per_element());
    for (const auto& key : expected) BOOST_TEST(w.referenced(key), key);
    BOOST_TEST(w.store.state.pins.empty());
    BOOST_TEST(w.blobs.staged.empty());

    // Never completed twice: the same worker again is Lost and changes nothing.
    BOOST_TEST((w.service().complete(c, "w1", resultOf({first, second})) == TaskOutcome::Lost));
    BOOST_TEST(w.store.state.modelImages.size() == 6U);
    BOOST_TEST(w.published() == expected, boost::test_tools::per_element());
    BOOST_TEST(!w.service().claim("w2").has_value());

    // The detail shows them.
    const auto d = w.photos.get(w.owner, p.id);
    BOOST_TEST(d.images.size() == 6U);
    BOOST_TEST((d.photo.status == PhotoStatus::Completed));
}

BOOST_AUTO_TEST_CASE(object_storage_locations_and_local_backup_are_recorded) {
    World w;
    FakeBackup backup;
    w.backup = &backup;
    w.blobs.bucketUrl = "https://bucket.oss.example.com";
    const auto p = w.queue();
    const std::string image = pngOf(1024, 1024);
    w.generator.script = [&](const GenerationRequest&, GenerationControl&) { return resultOf({image}); };
    BOOST_TEST((w.run(w.claim()) == TaskOutcome::Completed));
    const auto rows = w.rows(p.id);
    BOOST_TEST_REQUIRE(rows.size() == 3U);
    for (const auto& row : rows) {
        const auto name = contentAddressedPath(row.storageKey);
        BOOST_TEST(row.isUploaded);
        BOOST_TEST((row.uploadedAt == std::optional<Millis>(w.clock.t)));
        BOOST_TEST(row.ossObjectName == name);
        BOOST_TEST(row.ossUrl == "https://bucket.oss.example.com/" + name);
        BOOST_TEST(row.ossFolder == name.substr(0, 5));
        // Only results get a local copy.
        if (row.imageType == ModelImageType::Result)
            BOOST_TEST(row.localPath ==
                       "/var/backup/" + p.taskId + "/model-" + std::to_string(p.id) + "-1.png");
        else
            BOOST_TEST(row.localPath == "");
    }
    BOOST_TEST_REQUIRE(backup.saves.size() == 1U);
    BOOST_TEST(backup.saves[0].first == "/fake-staging/upload-1");
}

BOOST_AUTO_TEST_CASE(a_retried_photo_completes_with_fresh_fields) {
    World w;
    const auto p = w.queue();
    w.generator.script = [](const GenerationRequest&, GenerationControl&) -> GenerationResult {
        throw GeneratorError(false, "bad_request", "nope");
    };
    BOOST_TEST((w.run(w.claim()) == TaskOutcome::Failed));
    w.photos.retry(w.owner, p.id, AuditContext{w.ownerId, "", "", std::nullopt});
    w.generator.script = [](const GenerationRequest&, GenerationControl&) {
        return resultOf({pngOf(64, 64)});
    };
    const auto c = w.claim();
    BOOST_TEST(c.task.attempts == 1);
    BOOST_TEST((w.run(c) == TaskOutcome::Completed));
    BOOST_TEST(w.photo(p.id).errorCode == "");
    BOOST_TEST(w.photo(p.id).errorMessage == "");
    BOOST_TEST(w.task(p.id).errorCode == "");
    BOOST_TEST((w.photo(p.id).status == PhotoStatus::Completed));
}

BOOST_AUTO_TEST_SUITE_END()
