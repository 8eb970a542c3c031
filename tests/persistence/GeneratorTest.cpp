// The generator backends. DemoGenerator renders real PNGs with libvips; OpenAiGenerator talks to
// an in-process HTTP server on a loopback port that speaks the OpenAI Images API. No database:
// the SQLite run only.

#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <atomic>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "Fixtures.hpp"
#include "domain/Config.hpp"
#include "domain/ImageProbe.hpp"
#include "persistence/DemoGenerator.hpp"
#include "persistence/OpenAiGenerator.hpp"

namespace bdata = boost::unit_test::data;
using namespace mofang;
using domain::GenerationRequest;
using domain::GeneratorError;
using mofang::test::sqliteRunOnly;
using persistence::DemoGenerator;
using persistence::OpenAiGenerator;

namespace {

// Records progress; requests a stop once `stopAfterReports` progress reports were made.
class RecordingControl final : public domain::GenerationControl {
  public:
    explicit RecordingControl(int stopAfterReports = -1) : stopAfter_(stopAfterReports) {}
    void progress(int percent) override { reports.push_back(percent); }
    bool stopRequested() const override {
        return stopAfter_ >= 0 && static_cast<int>(reports.size()) >= stopAfter_;
    }
    std::vector<int> reports;

  private:
    int stopAfter_;
};

GenerationRequest request(std::string prompt, int width = 64, int height = 64, int count = 1) {
    GenerationRequest r;
    r.taskId = "task-1";
    r.prompt = std::move(prompt);
    r.width = width;
    r.height = height;
    r.count = count;
    return r;
}

struct Probed {
    domain::ImageProbe::State state;
    domain::ImageFormat format;
    std::uint32_t width;
    std::uint32_t height;
};

Probed probe(const std::string& bytes) {
    domain::ImageProbe p;
    p.feed(bytes.data(), bytes.size());
    p.finish();
    return {p.state(), p.format(), p.width(), p.height()};
}

// The GeneratorError that `generator` throws for `r` (a test failure when it throws none).
GeneratorError failureOf(domain::Generator&& generator, const GenerationRequest& r) {
    RecordingControl control;
    try {
        generator.generate(r, control);
    } catch (const GeneratorError& e) {
        return e;
    } catch (const std::exception& e) {
        BOOST_ERROR("expected a GeneratorError, got " << typeid(e).name() << ": " << e.what());
        return {false, "wrong_exception", e.what()};
    }
    BOOST_ERROR("expected a GeneratorError, nothing was thrown");
    return {false, "nothing_thrown", ""};
}

GeneratorError failureOf(domain::Generator& generator, const GenerationRequest& r) {
    return failureOf(std::move(generator), r);
}

DemoGenerator fastDemo() {
    return DemoGenerator(persistence::DemoOptions{0, 0});
}

// ------------------------------------------------------------------------- fake OpenAI server

struct SeenRequest {
    std::string method;
    std::string uri;
    std::string authorization;  // "" when absent
    bool hasAuthorization = false;
    std::string contentType;
    std::string body;
};

struct Answer {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    bool hang = false;  // wait (until the server is torn down) instead of answering
};

Answer answer(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
    Answer a;
    a.status = status;
    a.body = std::move(body);
    a.headers = std::move(headers);
    return a;
}

// An HTTP server on 127.0.0.1 (a free port) that records each request and answers it with `answer`.
class FakeImagesApi {
  public:
    explicit FakeImagesApi(Answer answer)
        : answer_(std::move(answer)),
          server_(new Factory(*this), Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0)),
                  params()) {
        server_.start();
    }
    ~FakeImagesApi() {
        {
            std::lock_guard lock(mutex_);
            tornDown_ = true;
        }
        changed_.notify_all();
        server_.stopAll(true);
        // Handlers run on Poco's pool threads: wait until none uses this object any more.
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return active_ == 0; });
    }
    FakeImagesApi(const FakeImagesApi&) = delete;
    FakeImagesApi& operator=(const FakeImagesApi&) = delete;

    std::string baseUrl() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/v1"; }
    std::vector<SeenRequest> seen() {
        std::lock_guard lock(mutex_);
        return seen_;
    }

  private:
    static Poco::Net::HTTPServerParams::Ptr params() {
        Poco::Net::HTTPServerParams::Ptr p = new Poco::Net::HTTPServerParams;
        p->setKeepAlive(false);
        p->setMaxThreads(4);
        return p;
    }

    void handle(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out) {
        SeenRequest r;
        r.method = in.getMethod();
        r.uri = in.getURI();
        r.hasAuthorization = in.has("Authorization");
        r.authorization = in.get("Authorization", "");
        r.contentType = in.getContentType();
        Poco::StreamCopier::copyToString(in.stream(), r.body);
        {
            std::unique_lock lock(mutex_);
            seen_.push_back(std::move(r));
            if (answer_.hang) {
                changed_.wait_for(lock, std::chrono::seconds(30), [this] { return tornDown_; });
                return;
            }
        }
        out.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer_.status));
        out.setContentType("application/json");
        for (const auto& [name, value] : answer_.headers) out.set(name, value);
        out.sendBuffer(answer_.body.data(), answer_.body.size());
    }

    class Handler final : public Poco::Net::HTTPRequestHandler {
      public:
        explicit Handler(FakeImagesApi& api) : api_(api) {}
        void handleRequest(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out) override {
            try {
                api_.handle(in, out);
            } catch (...) {
            }
            std::lock_guard lock(api_.mutex_);
            --api_.active_;
            api_.changed_.notify_all();
        }

      private:
        FakeImagesApi& api_;
    };

    class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
      public:
        explicit Factory(FakeImagesApi& api) : api_(api) {}
        Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
            std::lock_guard lock(api_.mutex_);
            ++api_.active_;
            return new Handler(api_);
        }

      private:
        FakeImagesApi& api_;
    };

    Answer answer_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool tornDown_ = false;
    int active_ = 0;
    std::vector<SeenRequest> seen_;
    Poco::Net::HTTPServer server_;  // last: stopped before the state above goes away
};

// Just enough of a PNG for ImageProbe (signature and IHDR), plus distinguishable filler.
std::string fakePng(std::uint32_t width, std::uint32_t height, char filler) {
    std::string png("\x89PNG\r\n\x1a\n", 8);
    png += std::string("\0\0\0\x0d", 4) + "IHDR";
    for (const auto v : {width, height})
        for (int shift = 24; shift >= 0; shift -= 8) png += static_cast<char>((v >> shift) & 0xff);
    png += std::string("\x08\x02\0\0\0", 5) + std::string(4, '\0');  // depth, RGB, ..., CRC
    png += std::string(100, filler);
    return png;
}

std::string base64(const std::string& bytes) {
    std::ostringstream out;
    Poco::Base64Encoder encoder(out);
    encoder.rdbuf()->setLineLength(0);
    encoder << bytes;
    encoder.close();
    return out.str();
}

std::string imagesBody(const std::vector<std::string>& images, const std::string& extra = "") {
    std::string body = "{\"created\":1700000000" + extra + ",\"data\":[";
    for (std::size_t i = 0; i < images.size(); ++i)
        body += (i ? "," : "") + std::string("{\"b64_json\":\"") + base64(images[i]) + "\"}";
    return body + "]}";
}

OpenAiGenerator generatorFor(const FakeImagesApi& api, const std::string& extra = "&key=sk-test") {
    return OpenAiGenerator(
        persistence::parseOpenAiGeneratorUri("openai:" + api.baseUrl() + "?model=gpt-image-1" + extra));
}

// A loopback port with nothing listening (bound, then closed again).
std::string closedPortUrl() {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    const auto port = socket.address().port();
    socket.close();
    return "http://127.0.0.1:" + std::to_string(port) + "/v1";
}

const int kWidths[] = {1024, 768, 576};
const int kHeights[] = {1024, 1024, 1024};

}  // namespace

// ------------------------------------------------------------------------------ demo generator

BOOST_AUTO_TEST_SUITE(demo_generator, *boost::unit_test::precondition(sqliteRunOnly))

BOOST_DATA_TEST_CASE(renders_pngs_of_exactly_the_requested_size, bdata::make(kWidths) ^ bdata::make(kHeights),
                     width, height) {
    auto generator = fastDemo();
    RecordingControl control;
    const auto result = generator.generate(request("a model in a red coat", width, height), control);
    BOOST_REQUIRE_EQUAL(result.images.size(), 1u);
    const auto p = probe(result.images[0].bytes);
    BOOST_TEST((p.state == domain::ImageProbe::State::Known));
    BOOST_TEST((p.format == domain::ImageFormat::Png));
    BOOST_TEST(p.width == static_cast<std::uint32_t>(width));
    BOOST_TEST(p.height == static_cast<std::uint32_t>(height));
    BOOST_TEST(result.modelVersion == "mofang-demo-1 (built-in demo renderer, not AI)");
    BOOST_TEST(result.providerTaskId.empty());
}

BOOST_AUTO_TEST_CASE(renders_the_requested_number_of_distinct_images) {
    auto generator = fastDemo();
    RecordingControl control;
    const auto result = generator.generate(request("street style", 96, 128, 3), control);
    BOOST_REQUIRE_EQUAL(result.images.size(), 3u);
    std::set<std::string> distinct;
    for (const auto& image : result.images) {
        const auto p = probe(image.bytes);
        BOOST_TEST(p.width == 96u);
        BOOST_TEST(p.height == 128u);
        distinct.insert(image.bytes);
    }
    BOOST_TEST(distinct.size() == 3u);
}

BOOST_AUTO_TEST_CASE(identical_requests_give_identical_bytes_and_other_prompts_differ) {
    RecordingControl control;
    const auto a =
        fastDemo().generate(request("森系 长裙 \"quoted\" <b>markup</b> & more", 200, 300, 2), control);
    const auto b =
        fastDemo().generate(request("森系 长裙 \"quoted\" <b>markup</b> & more", 200, 300, 2), control);
    BOOST_REQUIRE_EQUAL(a.images.size(), 2u);
    BOOST_REQUIRE_EQUAL(b.images.size(), 2u);
    BOOST_TEST((a.images[0].bytes == b.images[0].bytes));
    BOOST_TEST((a.images[1].bytes == b.images[1].bytes));

    const auto other = fastDemo().generate(request("business suit", 200, 300, 1), control);
    BOOST_TEST((other.images[0].bytes != a.images[0].bytes));
    auto otherTask = request("森系 长裙 \"quoted\" <b>markup</b> & more", 200, 300, 1);
    otherTask.taskId = "task-2";
    BOOST_TEST((fastDemo().generate(otherTask, control).images[0].bytes != a.images[0].bytes));
}

BOOST_AUTO_TEST_CASE(progress_rises_to_90) {
    DemoGenerator generator(persistence::DemoOptions{1, 4});
    RecordingControl control;
    generator.generate(request("p"), control);
    BOOST_REQUIRE_GE(control.reports.size(), 5u);
    BOOST_TEST(control.reports.front() == 10);
    BOOST_TEST(control.reports.back() == 90);
    for (std::size_t i = 1; i < control.reports.size(); ++i)
        BOOST_TEST(control.reports[i] >= control.reports[i - 1], "report " << i);
    BOOST_TEST(std::set<int>(control.reports.begin(), control.reports.end()).size() >= 5u);
}

BOOST_AUTO_TEST_CASE(a_stop_request_ends_a_long_generation_quickly) {
    // Each step would take 10 s; the stop comes right after the first progress report.
    DemoGenerator generator(persistence::DemoOptions{10'000, 5});
    RecordingControl control(1);
    const auto started = std::chrono::steady_clock::now();
    BOOST_CHECK_THROW(generator.generate(request("p", 1024, 1024, 4), control), domain::GenerationStopped);
    const auto took = std::chrono::steady_clock::now() - started;
    BOOST_TEST((took < std::chrono::seconds(2)),
               std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");

    RecordingControl stopped(0);
    BOOST_CHECK_THROW(generator.generate(request("p"), stopped), domain::GenerationStopped);
    BOOST_TEST(stopped.reports.empty());
}

BOOST_AUTO_TEST_CASE(renders_4096_square) {
    RecordingControl control;
    const auto result = fastDemo().generate(request("large", 4096, 4096), control);
    const auto p = probe(result.images.at(0).bytes);
    BOOST_TEST(p.width == 4096u);
    BOOST_TEST(p.height == 4096u);
}

BOOST_AUTO_TEST_CASE(refuses_sizes_outside_the_image_limits) {
    for (const auto& [w, h, count] : std::vector<std::tuple<int, int, int>>{
             {0, 64, 1}, {8, 64, 1}, {64, -1, 1}, {20000, 64, 1}, {64, 64, 0}}) {
        const auto e = failureOf(fastDemo(), request("p", w, h, count));
        BOOST_TEST(e.code() == "invalid_request", w << "x" << h << " ×" << count);
        BOOST_TEST(!e.transient());
    }
}

BOOST_AUTO_TEST_CASE(parses_its_uri) {
    const auto defaults = persistence::parseDemoGeneratorUri("demo");
    BOOST_TEST(defaults.stepMs == 150);
    BOOST_TEST(defaults.steps == 5);
    const auto custom = persistence::parseDemoGeneratorUri("demo?stepMs=0&steps=12");
    BOOST_TEST(custom.stepMs == 0);
    BOOST_TEST(custom.steps == 12);
    for (const char* bad : {"demox", "demo?stepMs=-1", "demo?steps=x", "demo?steps=", "demo?stepMs=999999",
                            "demo?speed=1", "openai:https://h/v1?model=m"}) {
        try {
            persistence::parseDemoGeneratorUri(bad);
            BOOST_ERROR("accepted " << bad);
        } catch (const domain::ConfigError& e) {
            BOOST_TEST(e.key() == "generator", bad);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------- openai: config

BOOST_AUTO_TEST_SUITE(openai_generator_config, *boost::unit_test::precondition(sqliteRunOnly))

BOOST_AUTO_TEST_CASE(a_full_uri) {
    const auto c = persistence::parseOpenAiGeneratorUri(
        "openai:https://api.example.com/v1/?model=gpt-image-1&key=sk-a%2Fb+c%26d&timeout=30&caFile=/etc/ssl/"
        "ca.pem");
    BOOST_TEST(c.baseUrl == "https://api.example.com/v1");
    BOOST_TEST(c.model == "gpt-image-1");
    BOOST_TEST(c.apiKey == "sk-a/b+c&d");
    BOOST_TEST(c.timeoutSeconds == 30);
    BOOST_TEST(c.caFile == "/etc/ssl/ca.pem");
}

BOOST_AUTO_TEST_CASE(defaults) {
    const auto c = persistence::parseOpenAiGeneratorUri("openai:http://127.0.0.1:8080/api/v3?model=m");
    BOOST_TEST(c.baseUrl == "http://127.0.0.1:8080/api/v3");
    BOOST_TEST(c.apiKey.empty());
    BOOST_TEST(c.timeoutSeconds == 120);
    BOOST_TEST(c.caFile.empty());
}

BOOST_AUTO_TEST_CASE(a_list_of_provider_sizes) {
    const auto c = persistence::parseOpenAiGeneratorUri(
        "openai:https://api.example.com/v1?model=m&sizes=1024x1024,1024x1536%2C1536x1024");
    BOOST_TEST((c.sizes == std::vector<persistence::ProviderSize>{{1024, 1024}, {1024, 1536}, {1536, 1024}}));
    BOOST_TEST(persistence::parseOpenAiGeneratorUri("openai:https://h/v1?model=m").sizes.empty());
}

// Computed sizes of the table (1K/2K/4K × 1:1, 3:4, 9:16) against OpenAI's three.
struct SizeCase {
    int width, height, wantWidth, wantHeight;
    friend std::ostream& operator<<(std::ostream& os, const SizeCase& c) {
        return os << c.width << "x" << c.height;
    }
};
const SizeCase kOpenAiSizes[] = {
    {1024, 1024, 1024, 1024}, {4096, 4096, 1024, 1024}, {768, 1024, 1024, 1536},
    {1536, 2048, 1024, 1536}, {576, 1024, 1024, 1536},  {1024, 768, 1536, 1024},
};

BOOST_DATA_TEST_CASE(the_provider_size_nearest_in_shape_is_sent, bdata::make(kOpenAiSizes), c) {
    const std::vector<persistence::ProviderSize> openai{{1024, 1024}, {1024, 1536}, {1536, 1024}};
    const auto got = persistence::providerSizeFor(c.width, c.height, openai);
    BOOST_TEST(got.width == c.wantWidth);
    BOOST_TEST(got.height == c.wantHeight);
}

BOOST_AUTO_TEST_CASE(among_sizes_of_one_shape_the_nearest_in_area_wins) {
    const std::vector<persistence::ProviderSize> sizes{{512, 512}, {1024, 1024}, {2048, 2048}, {768, 1024}};
    BOOST_TEST((persistence::providerSizeFor(1100, 1100, sizes) == persistence::ProviderSize{1024, 1024}));
    BOOST_TEST((persistence::providerSizeFor(4096, 4096, sizes) == persistence::ProviderSize{2048, 2048}));
    BOOST_TEST((persistence::providerSizeFor(1536, 2048, sizes) == persistence::ProviderSize{768, 1024}));
    BOOST_TEST((persistence::providerSizeFor(1536, 2048, {}) == persistence::ProviderSize{1536, 2048}));
}

const char* const kBadUris[] = {
    "openai:https://api.example.com/v1?model=m&sizes=",
    "openai:https://api.example.com/v1?model=m&sizes=1024",
    "openai:https://api.example.com/v1?model=m&sizes=1024x",
    "openai:https://api.example.com/v1?model=m&sizes=1024x1024,",
    "openai:https://api.example.com/v1?model=m&sizes=0x1024",
    "openai:https://api.example.com/v1?model=m&sizes=1024x99999",
    "openai:https://api.example.com/v1?model=m&sizes=-1x5",
    "openai:https://api.example.com/v1?model=m&sizes=1024X1024",
    "openai:https://api.example.com/v1",
    "openai:https://api.example.com/v1?key=k",
    "openai:https://api.example.com/v1?model=",
    "openai:ftp://api.example.com/v1?model=m",
    "openai:api.example.com/v1?model=m",
    "openai:https:///v1?model=m",
    "openai:https://api.example.com/v1?model=m&timeout=0",
    "openai:https://api.example.com/v1?model=m&timeout=soon",
    "openai:https://api.example.com/v1?model=m&timeout=99999",
    "openai:https://api.example.com/v1?model=m&modle=typo",
    "openai:https://api.example.com/v1?model=m&key=%zz",
    "https://api.example.com/v1?model=m",
};

BOOST_DATA_TEST_CASE(bad_uris_name_the_generator_key, bdata::make(kBadUris), uri) {
    try {
        persistence::parseOpenAiGeneratorUri(uri);
        BOOST_FAIL("accepted " << uri);
    } catch (const domain::ConfigError& e) {
        BOOST_TEST(e.key() == "generator");
    }
}

BOOST_AUTO_TEST_CASE(errors_name_the_problem_without_the_key) {
    try {
        persistence::parseOpenAiGeneratorUri("openai:https://h/v1?key=secret-value");
        BOOST_FAIL("accepted a URI without a model");
    } catch (const domain::ConfigError& e) {
        BOOST_TEST(std::string(e.what()).find("model") != std::string::npos, e.what());
        BOOST_TEST(std::string(e.what()).find("secret-value") == std::string::npos, e.what());
    }
}

BOOST_AUTO_TEST_CASE(https_sets_up_tls_at_construction) {
    OpenAiGenerator ok(
        persistence::parseOpenAiGeneratorUri("openai:https://api.example.com/v1?model=m&key=k"));
    BOOST_TEST(ok.config().baseUrl == "https://api.example.com/v1");
    try {
        OpenAiGenerator bad(persistence::parseOpenAiGeneratorUri(
            "openai:https://api.example.com/v1?model=m&caFile=/nonexistent/ca.pem"));
        BOOST_ERROR("accepted a missing caFile");
    } catch (const domain::ConfigError& e) {
        BOOST_TEST(e.key() == "generator");
        BOOST_TEST(std::string(e.what()).find("/nonexistent/ca.pem") != std::string::npos, e.what());
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------------------------------ openai: against a server

BOOST_AUTO_TEST_SUITE(openai_generator, *boost::unit_test::precondition(sqliteRunOnly))

BOOST_AUTO_TEST_CASE(sends_an_images_request_and_decodes_the_answer) {
    const auto png = fakePng(768, 1024, 'x');
    FakeImagesApi api(answer(200, imagesBody({png}, ",\"model\":\"gpt-image-1-2025-04\",\"id\":\"gen-7\""),
                             {{"x-request-id", "req-123"}}));
    auto generator = generatorFor(api, "&key=sk-test%2B1");
    RecordingControl control;
    auto r = request("森系 长裙, \"quoted\"\nline two", 768, 1024, 1);
    const auto result = generator.generate(r, control);

    BOOST_REQUIRE_EQUAL(result.images.size(), 1u);
    BOOST_TEST((result.images[0].bytes == png));
    BOOST_TEST(result.modelVersion == "gpt-image-1-2025-04");
    BOOST_TEST(result.providerTaskId == "req-123");
    BOOST_TEST(control.reports == std::vector<int>({10, 90}), boost::test_tools::per_element());

    const auto seen = api.seen();
    BOOST_REQUIRE_EQUAL(seen.size(), 1u);
    BOOST_TEST(seen[0].method == "POST");
    BOOST_TEST(seen[0].uri == "/v1/images/generations");
    BOOST_TEST(seen[0].authorization == "Bearer sk-test+1");
    BOOST_TEST(seen[0].contentType == "application/json");
    Poco::JSON::Parser parser;
    const auto body = parser.parse(seen[0].body).extract<Poco::JSON::Object::Ptr>();
    BOOST_TEST(body->getValue<std::string>("model") == "gpt-image-1");
    BOOST_TEST(body->getValue<std::string>("prompt") == r.prompt);
    BOOST_TEST(body->getValue<int>("n") == 1);
    BOOST_TEST(body->getValue<std::string>("size") == "768x1024");
    BOOST_TEST(body->getValue<std::string>("response_format") == "b64_json");
}

BOOST_AUTO_TEST_CASE(with_a_list_of_sizes_sends_the_nearest_one) {
    FakeImagesApi api(answer(200, imagesBody({fakePng(1024, 1536, 'x')})));
    auto generator = generatorFor(api, "&sizes=1024x1024,1024x1536,1536x1024");
    RecordingControl control;
    const auto result = generator.generate(request("长裙", 768, 1024, 1), control);
    BOOST_REQUIRE_EQUAL(result.images.size(), 1u);
    const auto seen = api.seen();
    BOOST_REQUIRE_EQUAL(seen.size(), 1u);
    Poco::JSON::Parser parser;
    const auto body = parser.parse(seen[0].body).extract<Poco::JSON::Object::Ptr>();
    BOOST_TEST(body->getValue<std::string>("size") == "1024x1536");
}

BOOST_AUTO_TEST_CASE(two_images_and_the_fallbacks_for_model_and_task_id) {
    const auto first = fakePng(1024, 1024, 'a');
    const auto second = fakePng(1024, 1024, 'b');
    FakeImagesApi api(answer(200, imagesBody({first, second}, ",\"id\":\"gen-9\"")));
    auto generator = generatorFor(api, "");
    RecordingControl control;
    const auto result = generator.generate(request("p", 1024, 1024, 2), control);
    BOOST_REQUIRE_EQUAL(result.images.size(), 2u);
    BOOST_TEST((result.images[0].bytes == first));
    BOOST_TEST((result.images[1].bytes == second));
    BOOST_TEST(result.modelVersion == "gpt-image-1");
    BOOST_TEST(result.providerTaskId == "gen-9");
    const auto seen = api.seen();
    BOOST_REQUIRE_EQUAL(seen.size(), 1u);
    BOOST_TEST(!seen[0].hasAuthorization);  // no key, no header
    Poco::JSON::Parser parser;
    BOOST_TEST(parser.parse(seen[0].body).extract<Poco::JSON::Object::Ptr>()->getValue<int>("n") == 2);
}

BOOST_AUTO_TEST_CASE(a_429_is_transient_rate_limited) {
    FakeImagesApi api(answer(
        429, R"({"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}})"));
    const auto e = failureOf(generatorFor(api), request("p"));
    BOOST_TEST(e.transient());
    BOOST_TEST(e.code() == "rate_limited");
    BOOST_TEST(std::string(e.what()).find("429") != std::string::npos, e.what());
    BOOST_TEST(std::string(e.what()).find("Rate limit reached") != std::string::npos, e.what());
}

BOOST_AUTO_TEST_CASE(a_5xx_is_transient) {
    for (const int status : {500, 502, 503}) {
        FakeImagesApi api(answer(status, "<html>oops</html>"));
        const auto e = failureOf(generatorFor(api), request("p"));
        BOOST_TEST(e.transient(), status);
        BOOST_TEST(e.code() == "upstream_error", status);
        BOOST_TEST(std::string(e.what()).find(std::to_string(status)) != std::string::npos, e.what());
    }
}

BOOST_AUTO_TEST_CASE(a_content_policy_refusal_is_permanent_with_the_providers_code_and_message) {
    FakeImagesApi api(answer(
        400,
        R"({"error":{"code":"content_policy_violation","message":"Your request was rejected by the safety system.","type":"invalid_request_error","param":null}})"));
    const auto e = failureOf(generatorFor(api), request("p"));
    BOOST_TEST(!e.transient());
    BOOST_TEST(e.code() == "content_policy_violation");
    BOOST_TEST(
        std::string(e.what()).find("Your request was rejected by the safety system.") != std::string::npos,
        e.what());
}

BOOST_AUTO_TEST_CASE(other_4xx_fall_back_to_the_type_then_the_status) {
    {
        FakeImagesApi api(answer(
            401,
            R"({"error":{"code":null,"message":"Incorrect API key provided","type":"invalid_request_error"}})"));
        const auto e = failureOf(generatorFor(api), request("p"));
        BOOST_TEST(!e.transient());
        BOOST_TEST(e.code() == "invalid_request_error");
        BOOST_TEST(std::string(e.what()).find("Incorrect API key provided") != std::string::npos, e.what());
    }
    {
        FakeImagesApi api(answer(404, "<html>not here</html>"));
        const auto e = failureOf(generatorFor(api), request("p"));
        BOOST_TEST(!e.transient());
        BOOST_TEST(e.code() == "http_404");
    }
}

BOOST_AUTO_TEST_CASE(a_server_slower_than_the_timeout_is_a_transient_timeout) {
    Answer hang;
    hang.hang = true;
    FakeImagesApi api(hang);
    auto generator = generatorFor(api, "&timeout=1");
    const auto started = std::chrono::steady_clock::now();
    const auto e = failureOf(generator, request("p"));
    const auto took = std::chrono::steady_clock::now() - started;
    BOOST_TEST(e.transient());
    BOOST_TEST(e.code() == "upstream_timeout");
    BOOST_TEST((took < std::chrono::milliseconds(2500)),
               std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
}

BOOST_AUTO_TEST_CASE(a_refused_connection_is_transient) {
    OpenAiGenerator generator(persistence::parseOpenAiGeneratorUri("openai:" + closedPortUrl() + "?model=m"));
    const auto e = failureOf(generator, request("p"));
    BOOST_TEST(e.transient());
    BOOST_TEST(e.code() == "upstream_unavailable");
}

const char* const kInvalidOutputs[] = {
    "this is not JSON",
    "[1, 2, 3]",
    R"({"created":1,"data":[]})",
    R"({"created":1})",
    R"({"created":1,"data":[{"url":"https://example.com/a.png"}]})",
    R"({"created":1,"data":[{"b64_json":"***not base64***"}]})",
    R"({"created":1,"data":[{"b64_json":"aGVsbG8gd29ybGQ="}]})",  // "hello world": not an image
};

BOOST_DATA_TEST_CASE(a_success_without_usable_images_is_invalid_output, bdata::make(kInvalidOutputs), body) {
    FakeImagesApi api(answer(200, body));
    const auto e = failureOf(generatorFor(api), request("p"));
    BOOST_TEST(!e.transient());
    BOOST_TEST(e.code() == "invalid_output");
}

BOOST_AUTO_TEST_CASE(a_stop_request_before_sending_sends_nothing) {
    FakeImagesApi api(answer(200, imagesBody({fakePng(64, 64, 'a')})));
    RecordingControl control(0);
    BOOST_CHECK_THROW(generatorFor(api).generate(request("p"), control), domain::GenerationStopped);
    BOOST_TEST(api.seen().empty());
}

BOOST_AUTO_TEST_SUITE_END()
