// S3BlobStore. The configuration parser, presigned URLs and the retry policy (against a scripted
// HTTP server in this process) run everywhere; the store contract runs against the S3 server of
// scripts/test (MOFANG_TEST_S3, s3rver) and is skipped without it. No database: the SQLite run
// only.

#include <Poco/DigestEngine.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/SHA2Engine.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "Fixtures.hpp"
#include "domain/Config.hpp"
#include "persistence/S3BlobStore.hpp"

namespace fs = std::filesystem;
namespace bdata = boost::unit_test::data;
using namespace mofang;
using mofang::test::catchDomainError;
using mofang::test::sqliteRunOnly;
using mofang::test::TempDir;
using persistence::S3BlobStore;

namespace {

const std::string kTempPrefix = "mofang-s3";  // of the TempDirs

std::string testS3() {
    const char* v = std::getenv("MOFANG_TEST_S3");
    return v ? v : "";
}

boost::test_tools::assertion_result s3Server(boost::unit_test::test_unit_id) {
    boost::test_tools::assertion_result result(!test::onMySql() && !testS3().empty());
    result.message() << "needs MOFANG_TEST_S3 (scripts/test starts s3rver), and runs in the SQLite run only";
    return result;
}

std::string testS3Tls() {
    const char* v = std::getenv("MOFANG_TEST_S3_TLS");
    return v ? v : "";
}

boost::test_tools::assertion_result s3TlsServer(boost::unit_test::test_unit_id) {
    boost::test_tools::assertion_result result(!test::onMySql() && !testS3Tls().empty());
    result.message() << "needs MOFANG_TEST_S3_TLS (scripts/test starts s3rver over HTTPS), SQLite run only";
    return result;
}

std::string sha256Hex(const std::string& bytes) {
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(bytes);
    return Poco::DigestEngine::digestToHex(engine.digest());
}

std::string randomBytes(std::size_t n) {
    static std::atomic<unsigned> seed{static_cast<unsigned>(std::random_device{}())};
    std::mt19937_64 rng(seed.fetch_add(1));
    std::string out(n, '\0');
    for (std::size_t i = 0; i < n; i += 8) {
        const auto v = rng();
        for (std::size_t j = 0; j < 8 && i + j < n; ++j)
            out[i + j] = static_cast<char>((v >> (8 * j)) & 0xff);
    }
    return out;
}

void checkKind(const std::optional<domain::DomainError>& e, domain::ErrorKind kind) {
    BOOST_REQUIRE_MESSAGE(e.has_value(), "expected a DomainError");
    BOOST_TEST(e->kind() == kind, "got " << domain::toString(e->kind()) << ": " << e->what());
}

std::vector<std::string> filesIn(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    return out;
}

// A store on MOFANG_TEST_S3 with a staging directory of its own; `extra` is appended to the URI.
struct WithS3 : TempDir {
    explicit WithS3(const std::string& extra = "")
        : TempDir(kTempPrefix),
          uri(testS3() + "&staging=" + (path / "staging").string() + extra),
          store(persistence::parseS3Uri(uri)) {}

    domain::BlobInfo put(const std::string& bytes, std::size_t chunk = 65536) {
        auto w = store.create();
        for (std::size_t at = 0; at < bytes.size(); at += chunk)
            w->write(bytes.data() + at, std::min(chunk, bytes.size() - at));
        w->publish();
        return w->finish();
    }

    std::string read(const std::string& key, std::uint64_t offset, std::uint64_t length,
                     std::size_t chunk = 65536) {
        auto r = store.open(key, offset, length);
        std::string out;
        std::vector<char> buffer(chunk);
        while (const auto n = r->read(buffer.data(), buffer.size())) out.append(buffer.data(), n);
        return out;
    }

    std::string uri;
    S3BlobStore store;
};

// A plain HTTP GET (no signing): what a browser does with a presigned URL.
struct Fetched {
    int status = 0;
    std::string contentType;
    std::string contentDisposition;
    std::string body;
};

Fetched httpGet(const std::string& url) {
    const Poco::URI u(url);
    Poco::Net::HTTPClientSession session(u.getHost(), u.getPort());
    Poco::Net::HTTPRequest request("GET", u.getPathEtc(), Poco::Net::HTTPRequest::HTTP_1_1);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    auto& in = session.receiveResponse(response);
    Fetched f;
    f.status = response.getStatus();
    f.contentType = response.get("Content-Type", "");
    f.contentDisposition = response.get("Content-Disposition", "");
    Poco::StreamCopier::copyToString(in, f.body);
    return f;
}

// A scripted HTTP server on a loopback port: answers each request with the next canned response
// (then closes the connection), and records the requests' heads.
struct ScriptedServer {
    explicit ScriptedServer(std::vector<std::string> responses)
        : socket(Poco::Net::SocketAddress("127.0.0.1", 0)), script(std::move(responses)) {
        thread = std::thread([this] {
            for (const auto& response : script) {
                Poco::Net::StreamSocket client;
                try {
                    if (!socket.poll(Poco::Timespan(10, 0), Poco::Net::Socket::SELECT_READ)) return;
                    client = socket.acceptConnection();
                    std::string head;
                    char c;
                    while (head.find("\r\n\r\n") == std::string::npos && client.receiveBytes(&c, 1) == 1)
                        head += c;
                    {
                        std::lock_guard lock(mutex);
                        requests.push_back(head);
                    }
                    client.sendBytes(response.data(), static_cast<int>(response.size()));
                    client.shutdown();
                } catch (const Poco::Exception&) {
                }
            }
        });
    }
    ~ScriptedServer() {
        socket.close();
        if (thread.joinable()) thread.join();
    }
    ScriptedServer(const ScriptedServer&) = delete;
    ScriptedServer& operator=(const ScriptedServer&) = delete;

    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(socket.address().port()); }
    std::vector<std::string> seen() {
        std::lock_guard lock(mutex);
        return requests;
    }

    Poco::Net::ServerSocket socket;
    std::vector<std::string> script;
    std::thread thread;
    std::mutex mutex;
    std::vector<std::string> requests;
};

const std::string kServerError =
    "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\nContent-Length: 71\r\n"
    "Connection: close\r\n\r\n<Error><Code>InternalError</Code><Message>try again</Message></Error>   ";

std::string headOk(std::size_t size) {
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(size) +
           "\r\nLast-Modified: Fri, 24 May 2013 00:00:00 GMT\r\nConnection: close\r\n\r\n";
}

const std::string kAKey = std::string(64, 'a');

// The URI of a store on a scripted server.
std::string scriptedUri(const std::string& endpoint, const fs::path& staging) {
    return "s3://bucket?endpoint=" + endpoint +
           "&region=us-east-1&accessKey=AK&secretKey=SK&pathStyle=true&staging=" + staging.string();
}

}  // namespace

// ------------------------------------------------------------------------------ configuration

BOOST_AUTO_TEST_SUITE(s3_config, *boost::unit_test::precondition(sqliteRunOnly))

BOOST_AUTO_TEST_CASE(a_full_uri) {
    const auto c = persistence::parseS3Uri(
        "s3://my-bucket?endpoint=https://oss-cn-hangzhou.aliyuncs.com/&region=oss-cn-hangzhou&accessKey=AK"
        "&secretKey=a%2Fb+c%26d&pathStyle=false&cdn=https://cdn.example.com/&partSize=16777216&staging=/var/"
        "tmp/x"
        "&timeout=12&presignExpires=600&publicEndpoint=https://public.example.com");
    BOOST_TEST(c.bucket == "my-bucket");
    BOOST_TEST(c.endpoint == "https://oss-cn-hangzhou.aliyuncs.com");
    BOOST_TEST(c.publicEndpoint == "https://public.example.com");
    BOOST_TEST(c.region == "oss-cn-hangzhou");
    BOOST_TEST(c.accessKey == "AK");
    BOOST_TEST(c.secretKey == "a/b+c&d");  // '+' is not a space: AWS secrets contain it
    BOOST_TEST(!c.pathStyle);
    BOOST_TEST(c.cdn == "https://cdn.example.com");
    BOOST_TEST(c.partSize == 16777216u);
    BOOST_TEST(c.staging == "/var/tmp/x");
    BOOST_TEST(c.timeoutSeconds == 12);
    BOOST_TEST(c.presignExpiresSeconds == 600);
}

BOOST_AUTO_TEST_CASE(defaults) {
    const auto c = persistence::parseS3Uri("s3://bucket?accessKey=AK&secretKey=SK&region=eu-west-1");
    BOOST_TEST(c.endpoint == "https://s3.eu-west-1.amazonaws.com");
    BOOST_TEST(c.publicEndpoint == c.endpoint);
    BOOST_TEST(!c.pathStyle);
    BOOST_TEST(c.partSize == 8u * 1024 * 1024);
    BOOST_TEST(c.presignExpiresSeconds == 3600);
    BOOST_TEST(c.cdn.empty());
    BOOST_TEST(!c.staging.empty());
}

const char* const kBadUris[] = {
    "s3://?accessKey=AK&secretKey=SK",
    "s3://UPPER?accessKey=AK&secretKey=SK",
    "s3://bucket?secretKey=SK",
    "s3://bucket?accessKey=AK",
    "s3://bucket?accessKey=AK&secretKey=SK&endpoint=ftp://host",
    "s3://bucket?accessKey=AK&secretKey=SK&endpoint=http://host/path",
    "s3://bucket?accessKey=AK&secretKey=SK&endpoint=http://host:99999",
    "s3://bucket?accessKey=AK&secretKey=SK&partSize=1024",
    "s3://bucket?accessKey=AK&secretKey=SK&partSize=lots",
    "s3://bucket?accessKey=AK&secretKey=SK&pathStyle=maybe",
    "s3://bucket?accessKey=AK&secretKey=SK&cdn=cdn.example.com",
    "s3://bucket?accessKey=AK&secretKey=SK&secretkey=typo",
    "s3://bucket?accessKey=AK&secretKey=S%2",
    "s3://bucket?accessKey=AK&secretKey=SK&timeout=0",
};

BOOST_DATA_TEST_CASE(bad_uris_name_the_storage_key, bdata::make(kBadUris), uri) {
    try {
        persistence::parseS3Uri(uri);
        BOOST_FAIL("accepted " << uri);
    } catch (const domain::ConfigError& e) {
        BOOST_TEST(e.key() == "storage");
    }
}

BOOST_AUTO_TEST_CASE(presigned_urls_path_style_virtual_host_and_cdn) {
    TempDir dir(kTempPrefix);
    const auto base = "&accessKey=AK&secretKey=SK&region=us-east-1&staging=" + (dir.path / "s").string();
    S3BlobStore pathStyle(
        persistence::parseS3Uri("s3://bkt?endpoint=http://127.0.0.1:9000&pathStyle=true" + base));
    const auto a = pathStyle.presignedUrl(kAKey, "image/png", "inline; filename=\"a.png\"");
    BOOST_REQUIRE(a);
    BOOST_TEST(
        a->rfind("http://127.0.0.1:9000/bkt/aa/aa/" + kAKey + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&", 0) == 0,
        *a);
    BOOST_TEST(a->find("&X-Amz-Expires=3600&") != std::string::npos, *a);
    BOOST_TEST(a->find("&response-content-type=image%2Fpng") != std::string::npos, *a);
    BOOST_TEST(
        a->find("&response-content-disposition=inline%3B%20filename%3D%22a.png%22") != std::string::npos, *a);
    BOOST_TEST(a->find("&X-Amz-Signature=") == a->size() - 17 - 64, *a);

    S3BlobStore vhost(persistence::parseS3Uri("s3://bkt?endpoint=https://s3.example.com" + base +
                                              "&publicEndpoint=https://public.example.com:8443"));
    const auto b = vhost.presignedUrl(kAKey, "image/png", "");
    BOOST_REQUIRE(b);
    BOOST_TEST(b->rfind("https://bkt.public.example.com:8443/aa/aa/" + kAKey + "?", 0) == 0, *b);
    BOOST_TEST(b->find("response-content-disposition") == std::string::npos, *b);

    S3BlobStore cdn(persistence::parseS3Uri("s3://bkt?cdn=https://cdn.example.com/" + base));
    BOOST_TEST(*cdn.presignedUrl(kAKey, "image/png", "inline") == "https://cdn.example.com/aa/aa/" + kAKey);

    BOOST_TEST(!pathStyle.presignedUrl("../etc/passwd", "", ""));
    BOOST_TEST(!pathStyle.localRelativePath(kAKey));
}

BOOST_AUTO_TEST_SUITE_END()

// --------------------------------------------------------------------------- retries, errors

BOOST_AUTO_TEST_SUITE(s3_retries, *boost::unit_test::precondition(sqliteRunOnly))

BOOST_AUTO_TEST_CASE(a_5xx_is_retried_and_the_request_is_signed) {
    TempDir dir(kTempPrefix);
    ScriptedServer server({kServerError, kServerError, headOk(5)});
    S3BlobStore store(persistence::parseS3Uri(scriptedUri(server.endpoint(), dir.path / "s")));
    const auto st = store.stat(kAKey);
    BOOST_REQUIRE(st);
    BOOST_TEST(st->size == 5u);
    BOOST_TEST(st->modifiedAt == 1369353600000);
    const auto seen = server.seen();
    BOOST_REQUIRE(seen.size() == 3u);
    BOOST_TEST(seen[2].rfind("HEAD /bucket/aa/aa/" + kAKey + " HTTP/1.1\r\n", 0) == 0, seen[2]);
    BOOST_TEST(seen[2].find("Authorization: AWS4-HMAC-SHA256 Credential=AK/") != std::string::npos, seen[2]);
    BOOST_TEST(seen[2].find("/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                            "Signature=") != std::string::npos,
               seen[2]);
    BOOST_TEST(
        seen[2].find(
            "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") !=
            std::string::npos,
        seen[2]);
}

// A kept-alive connection that the server closed meanwhile costs no attempt: after it, two 5xx
// and a success still succeed.
BOOST_AUTO_TEST_CASE(a_connection_closed_while_idle_costs_no_attempt) {
    TempDir dir(kTempPrefix);
    const std::string keptAlive =
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nLast-Modified: Fri, 24 May 2013 00:00:00 GMT\r\n\r\n";
    ScriptedServer server({keptAlive, kServerError, kServerError, headOk(7)});
    S3BlobStore store(persistence::parseS3Uri(scriptedUri(server.endpoint(), dir.path / "s")));
    BOOST_TEST(store.stat(kAKey)->size == 3u);  // its connection goes back to the pool; the server closes it
    const auto st = store.stat(kAKey);
    BOOST_REQUIRE(st);
    BOOST_TEST(st->size == 7u);
    BOOST_TEST(server.seen().size() == 4u);
}

BOOST_AUTO_TEST_CASE(three_5xx_make_the_store_unavailable_and_are_logged) {
    TempDir dir(kTempPrefix);
    ScriptedServer server({kServerError, kServerError, kServerError});
    std::vector<std::string> logged;
    S3BlobStore store(persistence::parseS3Uri(scriptedUri(server.endpoint(), dir.path / "s")),
                      [&](std::string_view event, const std::string& detail) {
                          logged.push_back(std::string(event) + " " + detail);
                      });
    const auto e = catchDomainError([&] { store.check(); });
    checkKind(e, domain::ErrorKind::Unavailable);
    BOOST_TEST(e->retryAfterSeconds() > 0);
    BOOST_TEST(std::string(e->what()).find("HTTP 500 InternalError") != std::string::npos, e->what());
    BOOST_TEST(server.seen().size() == 3u);
    BOOST_REQUIRE(logged.size() == 1u);
    BOOST_TEST(logged[0].rfind("storage_failed ", 0) == 0, logged[0]);
}

BOOST_AUTO_TEST_CASE(access_denied_is_unavailable_and_not_retried) {
    TempDir dir(kTempPrefix);
    const std::string body = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
    ScriptedServer server({"HTTP/1.1 403 Forbidden\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\nConnection: close\r\n\r\n" + body});
    S3BlobStore store(persistence::parseS3Uri(scriptedUri(server.endpoint(), dir.path / "s")));
    const auto e = catchDomainError([&] { store.check(); });
    checkKind(e, domain::ErrorKind::Unavailable);
    BOOST_TEST(std::string(e->what()).find("AccessDenied") != std::string::npos, e->what());
    BOOST_TEST(server.seen().size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_unreachable_endpoint_is_unavailable) {
    TempDir dir(kTempPrefix);
    std::string endpoint;
    {
        // A port that was free a moment ago: nothing listens there now.
        Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
        endpoint = "http://127.0.0.1:" + std::to_string(s.address().port());
    }
    S3BlobStore store(persistence::parseS3Uri(scriptedUri(endpoint, dir.path / "s")));
    for (const auto& [what, work] : std::vector<std::pair<std::string, std::function<void()>>>{
             {"stat", [&] { store.stat(kAKey); }},
             {"open", [&] { store.open(kAKey, 0, 1); }},
             {"check", [&] { store.check(); }},
             {"publish", [&] {
                  auto w = store.create();
                  w->write("abc", 3);
                  w->publish();
              }}}) {
        BOOST_TEST_CONTEXT(what) {
            const auto e = catchDomainError(work);
            checkKind(e, domain::ErrorKind::Unavailable);
            BOOST_TEST(std::string(e->what()).find("unreachable") != std::string::npos, e->what());
        }
    }
    // The failed publish left no temp file behind.
    BOOST_TEST(filesIn(dir.path / "s").empty());
    // mark() does not throw: it falls back to a conservative local time.
    const auto mark = store.mark();
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    BOOST_TEST(mark <= now - 15 * 60 * 1000);
    BOOST_TEST(mark > now - 16 * 60 * 1000);
    BOOST_TEST(mark % 1000 == 0);
}

// A prefetch is one GET: the stat() and open() that follow use its response.
BOOST_AUTO_TEST_CASE(a_prefetch_answers_stat_and_open_with_one_request) {
    TempDir dir(kTempPrefix);
    ScriptedServer server(
        {"HTTP/1.1 206 Partial Content\r\nContent-Length: 5\r\nContent-Range: bytes 0-4/5\r\n"
         "Last-Modified: Fri, 24 May 2013 00:00:00 GMT\r\nConnection: close\r\n\r\nhello"});
    S3BlobStore store(persistence::parseS3Uri(scriptedUri(server.endpoint(), dir.path / "s")));
    store.prefetch(kAKey, 0, 5);
    const auto st = store.stat(kAKey);
    BOOST_REQUIRE(st);
    BOOST_TEST(st->size == 5u);
    BOOST_TEST(st->modifiedAt == 1369353600000);
    auto r = store.open(kAKey, 0, 5);
    char buffer[16];
    std::string got;
    while (const auto n = r->read(buffer, sizeof buffer)) got.append(buffer, n);
    BOOST_TEST(got == "hello");
    const auto seen = server.seen();
    BOOST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(seen[0].find("\r\nRange: bytes=0-4\r\n") != std::string::npos, seen[0]);
}

BOOST_AUTO_TEST_SUITE_END()

// --------------------------------------------------------------------- against an S3 server

BOOST_AUTO_TEST_SUITE(s3_blob_store, *boost::unit_test::precondition(s3Server))

BOOST_AUTO_TEST_CASE(check_passes) {
    WithS3 s;
    s.store.check();
}

BOOST_AUTO_TEST_CASE(put_get_ranges_and_stat) {
    WithS3 s;
    const auto bytes = randomBytes(300'001);
    const auto info = s.put(bytes, 4097);
    BOOST_TEST(info.key == sha256Hex(bytes));
    BOOST_TEST(info.sha256 == info.key);
    BOOST_TEST(info.size == bytes.size());
    const auto st = s.store.stat(info.key);
    BOOST_REQUIRE(st);
    BOOST_TEST(st->size == bytes.size());
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    BOOST_TEST(std::abs(st->modifiedAt - now) < 60'000);
    BOOST_TEST(s.read(info.key, 0, bytes.size()) == bytes);
    BOOST_TEST(s.read(info.key, 0, bytes.size(), 1000) == bytes);
    BOOST_TEST(s.read(info.key, 1, 10) == bytes.substr(1, 10));
    BOOST_TEST(s.read(info.key, bytes.size() - 1, 1) == bytes.substr(bytes.size() - 1));
    BOOST_TEST(s.read(info.key, 123'456, 100'000, 777) == bytes.substr(123'456, 100'000));
    BOOST_TEST(s.read(info.key, 5, 0).empty());
    // The temp file is gone with its writer.
    BOOST_TEST(filesIn(s.path / "staging").empty());
}

BOOST_AUTO_TEST_CASE(an_empty_blob) {
    WithS3 s;
    const auto info = s.put("");
    BOOST_TEST(info.key == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_TEST(s.store.stat(info.key)->size == 0u);
    BOOST_TEST(s.read(info.key, 0, 0).empty());
}

BOOST_AUTO_TEST_CASE(identical_bytes_are_one_object) {
    WithS3 s;
    const auto bytes = randomBytes(10'000);
    const auto a = s.put(bytes, 1000);
    const auto b = s.put(bytes, 3333);
    BOOST_TEST(a.key == b.key);
    BOOST_TEST(a.crc32 == b.crc32);
    int seen = 0;
    s.store.list([&](const std::string& key, const domain::BlobStat& st) {
        if (key == a.key) {
            ++seen;
            BOOST_TEST(st.size == bytes.size());
            BOOST_TEST(st.modifiedAt > 0);
        }
    });
    BOOST_TEST(seen == 1);
}

BOOST_AUTO_TEST_CASE(missing_blobs) {
    WithS3 s;
    const auto absent = sha256Hex(randomBytes(64));
    BOOST_TEST(!s.store.stat(absent));
    checkKind(catchDomainError([&] { s.store.open(absent, 0, 10); }), domain::ErrorKind::NotFound);
    checkKind(catchDomainError([&] { s.store.open(absent, 0, 0); }), domain::ErrorKind::NotFound);
    checkKind(catchDomainError([&] { s.store.open("not-a-key", 0, 10); }), domain::ErrorKind::NotFound);
    BOOST_TEST(!s.store.removeIfStale(absent, s.store.mark()));
}

BOOST_AUTO_TEST_CASE(list_only_shows_the_layout) {
    WithS3 s;
    const auto info = s.put(randomBytes(100));
    // A foreign object in the bucket (s3rver takes unsigned requests).
    const Poco::URI endpoint(s.store.config().endpoint);
    Poco::Net::HTTPClientSession session(endpoint.getHost(), endpoint.getPort());
    const std::string foreign = "notes/" + info.key;
    Poco::Net::HTTPRequest put("PUT", "/" + s.store.config().bucket + "/" + foreign,
                               Poco::Net::HTTPRequest::HTTP_1_1);
    put.setContentLength(2);
    session.sendRequest(put) << "hi";
    Poco::Net::HTTPResponse response;
    session.receiveResponse(response).ignore(1 << 20);
    BOOST_REQUIRE(response.getStatus() == 200);
    bool ours = false;
    s.store.list([&](const std::string& key, const domain::BlobStat&) {
        BOOST_TEST(domain::isContentKey(key), key);
        if (key == info.key) ours = true;
    });
    BOOST_TEST(ours);
}

BOOST_AUTO_TEST_CASE(list_follows_continuation_tokens) {
    TempDir dir(kTempPrefix);
    auto config = persistence::parseS3Uri(testS3() + "&staging=" + (dir.path / "staging").string());
    config.listPageSize = 2;
    S3BlobStore store(config);
    std::set<std::string> keys;
    for (int i = 0; i < 5; ++i) {
        auto w = store.create();
        const auto bytes = randomBytes(10 + i);
        w->write(bytes.data(), bytes.size());
        w->publish();
        keys.insert(w->finish().key);
    }
    std::map<std::string, int> seen;
    store.list([&](const std::string& key, const domain::BlobStat&) { ++seen[key]; });
    for (const auto& key : keys) BOOST_TEST(seen[key] == 1, key);
    BOOST_TEST(seen.size() >= keys.size());
}

BOOST_AUTO_TEST_CASE(remove_if_stale_keeps_what_was_published_after_the_mark) {
    WithS3 s;
    const auto before = s.store.mark();
    const auto bytes = randomBytes(1000);
    const auto info = s.put(bytes);
    // Published after `before`: kept.
    BOOST_TEST(!s.store.removeIfStale(info.key, before));
    BOOST_TEST(s.store.stat(info.key).has_value());
    // A mark two seconds later than the publication (the server's clock has whole seconds).
    BOOST_TEST(s.store.removeIfStale(info.key, s.store.mark() + 2000));
    BOOST_TEST(!s.store.stat(info.key).has_value());
    checkKind(catchDomainError([&] { s.store.open(info.key, 0, 1); }), domain::ErrorKind::NotFound);
    // Published again: back.
    BOOST_TEST(s.put(bytes).key == info.key);
    BOOST_TEST(s.read(info.key, 0, bytes.size()) == bytes);
}

BOOST_AUTO_TEST_CASE(multipart_upload_of_20_mib_in_5_mib_parts) {
    WithS3 s("&partSize=5242880");
    const auto bytes = randomBytes(20 * 1024 * 1024 + 12345);
    const auto started = std::chrono::steady_clock::now();
    const auto info = s.put(bytes, 1 << 20);
    const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    BOOST_TEST_MESSAGE("multipart upload of " << bytes.size() << " bytes: " << seconds << " s");
    BOOST_TEST(info.key == sha256Hex(bytes));
    BOOST_TEST(s.store.stat(info.key)->size == bytes.size());
    BOOST_TEST(sha256Hex(s.read(info.key, 0, bytes.size(), 1 << 20)) == info.key);
    // Across the first part boundary.
    BOOST_TEST(s.read(info.key, 5242880 - 100, 200) == bytes.substr(5242880 - 100, 200));
    BOOST_TEST(filesIn(s.path / "staging").empty());
}

BOOST_AUTO_TEST_CASE(a_presigned_url_serves_the_bytes_with_the_overrides) {
    WithS3 s;
    const auto bytes = randomBytes(5000);
    const auto info = s.put(bytes);
    const std::string disposition = "attachment; filename=\"a b.png\"; filename*=UTF-8''%E4%B8%AD%20b.png";
    const auto url = s.store.presignedUrl(info.key, "image/png", disposition);
    BOOST_REQUIRE(url);
    const auto f = httpGet(*url);
    BOOST_TEST(f.status == 200);
    BOOST_TEST(f.body == bytes);
    BOOST_TEST(f.contentType == "image/png");
    BOOST_TEST(f.contentDisposition == disposition);
}

BOOST_AUTO_TEST_CASE(images_are_stored_with_their_content_type) {
    WithS3 s;
    std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + randomBytes(100);
    const auto info = s.put(png, 3);  // the type is read across small writes
    const auto f = httpGet(*s.store.presignedUrl(info.key, "", ""));
    BOOST_TEST(f.status == 200);
    BOOST_TEST(f.contentType == "image/png");
}

BOOST_AUTO_TEST_CASE(staged_path_is_readable_until_the_writer_goes) {
    WithS3 s;
    const auto bytes = randomBytes(1234);
    std::string staged;
    {
        auto w = s.store.create();
        w->write(bytes.data(), bytes.size());
        w->finish();
        staged = w->stagedPath();
        std::ifstream in(staged, std::ios::binary);
        const std::string back{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        BOOST_TEST(back == bytes);
        // Not published: invisible.
        BOOST_TEST(!s.store.stat(w->finish().key));
    }
    BOOST_TEST(!fs::exists(staged));
}

BOOST_AUTO_TEST_CASE(remove_abandoned_removes_old_temp_files_only) {
    WithS3 s;
    const auto staging = s.path / "staging";
    std::ofstream(staging / "upload-old", std::ios::binary) << std::string(100, 'x');
    std::ofstream(staging / "upload-new", std::ios::binary) << std::string(7, 'x');
    std::ofstream(staging / "unrelated", std::ios::binary) << "x";
    const auto old = std::chrono::system_clock::now() - std::chrono::hours(48);
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(old.time_since_epoch()).count();
    const struct timespec times[2] = {{secs, 0}, {secs, 0}};
    BOOST_REQUIRE(::utimensat(AT_FDCWD, (staging / "upload-old").c_str(), times, 0) == 0);
    const auto dayAgo = std::chrono::duration_cast<std::chrono::milliseconds>(
                            (std::chrono::system_clock::now() - std::chrono::hours(24)).time_since_epoch())
                            .count();
    BOOST_TEST(s.store.removeAbandoned(dayAgo) == 100u);
    BOOST_TEST(!fs::exists(staging / "upload-old"));
    BOOST_TEST(fs::exists(staging / "upload-new"));
    BOOST_TEST(fs::exists(staging / "unrelated"));
}

BOOST_AUTO_TEST_CASE(concurrent_writers_and_readers_share_the_pool) {
    WithS3 s;
    std::vector<std::string> blobs;
    for (int i = 0; i < 8; ++i) blobs.push_back(randomBytes(50'000 + i));
    std::vector<std::string> keys(blobs.size());
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < blobs.size(); ++i) {
        threads.emplace_back([&, i] {
            try {
                for (int round = 0; round < 3; ++round) {
                    keys[i] = s.put(blobs[i], 1000 + i).key;
                    if (s.read(keys[i], 0, blobs[i].size()) != blobs[i]) ++failures;
                }
            } catch (const std::exception&) {
                ++failures;
            }
        });
    }
    for (auto& t : threads) t.join();
    BOOST_TEST(failures.load() == 0);
}

BOOST_AUTO_TEST_CASE(prefetched_reads_small_large_and_missing) {
    WithS3 s;
    const auto small = randomBytes(1000);
    const auto large = randomBytes(3 * 1024 * 1024 + 7);  // more than the 1 MiB read ahead
    const auto a = s.put(small);
    const auto b = s.put(large, 1 << 20);
    s.store.prefetch(a.key, 0, small.size());
    s.store.prefetch(b.key, 0, large.size());
    BOOST_TEST(s.store.stat(a.key)->size == small.size());
    BOOST_TEST(s.store.stat(b.key)->size == large.size());
    BOOST_TEST(s.read(a.key, 0, small.size()) == small);
    BOOST_TEST(s.read(b.key, 0, large.size(), 100'000) == large);
    // A range other than the prefetched one is read on its own.
    s.store.prefetch(b.key, 0, large.size());
    BOOST_TEST(s.read(b.key, 10, 20) == large.substr(10, 20));
    BOOST_TEST(s.read(b.key, 0, large.size()) == large);
    // A missing blob: stat says so, open throws NotFound.
    const auto absent = sha256Hex(randomBytes(32));
    s.store.prefetch(absent, 0, 10);
    BOOST_TEST(!s.store.stat(absent));
    checkKind(catchDomainError([&] { s.store.open(absent, 0, 10); }), domain::ErrorKind::NotFound);
}

// Prefetches nobody takes (an abandoned package stream) are dropped, not piled up or waited for.
BOOST_AUTO_TEST_CASE(untaken_prefetches_are_dropped) {
    WithS3 s;
    const auto bytes = randomBytes(2 * 1024 * 1024);
    std::vector<std::string> keys;
    for (int i = 0; i < 4; ++i) {
        auto copy = bytes;
        copy[0] = static_cast<char>(i);
        keys.push_back(s.put(copy, 1 << 20).key);
    }
    for (int round = 0; round < 10; ++round)
        for (const auto& key : keys) s.store.prefetch(key, 0, bytes.size());
    // Another thread's prefetch is not this thread's: each reads what it asked for.
    std::thread other([&] {
        s.store.prefetch(keys[0], 0, bytes.size());
        BOOST_TEST(s.read(keys[0], 0, 3) == bytes.substr(0, 0) + std::string(1, '\0') + bytes.substr(1, 2));
    });
    other.join();
    auto expected = bytes;
    expected[0] = 3;
    BOOST_TEST(sha256Hex(s.read(keys[3], 0, bytes.size())) == sha256Hex(expected));
}

BOOST_AUTO_TEST_CASE(a_missing_bucket_fails_check) {
    WithS3 s;
    auto uri = s.uri;
    const auto slash = uri.find('?');
    uri = "s3://no-such-bucket-" + std::to_string(std::random_device{}() % 100000) + uri.substr(slash);
    S3BlobStore other(persistence::parseS3Uri(uri));
    const auto e = catchDomainError([&] { other.check(); });
    checkKind(e, domain::ErrorKind::Unavailable);
    BOOST_TEST(std::string(e->what()).find("NoSuchBucket") != std::string::npos, e->what());
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------------------------------------------------ HTTPS

BOOST_AUTO_TEST_SUITE(s3_https, *boost::unit_test::precondition(s3TlsServer))

BOOST_AUTO_TEST_CASE(put_multipart_and_ranged_get_over_https) {
    TempDir dir(kTempPrefix);
    S3BlobStore store(
        persistence::parseS3Uri(testS3Tls() + "&partSize=5242880&staging=" + (dir.path / "s").string()));
    store.check();
    for (const std::size_t size : {std::size_t{1000}, std::size_t{6 * 1024 * 1024 + 1}}) {
        const auto bytes = randomBytes(size);
        auto w = store.create();
        w->write(bytes.data(), bytes.size());
        w->publish();
        const auto key = w->finish().key;
        BOOST_TEST(store.stat(key)->size == size);
        auto r = store.open(key, 100, size - 200);
        std::string got;
        std::vector<char> buffer(1 << 16);
        while (const auto n = r->read(buffer.data(), buffer.size())) got.append(buffer.data(), n);
        BOOST_TEST(sha256Hex(got) == sha256Hex(bytes.substr(100, size - 200)));
    }
}

// Without the test CA, the server's self-signed certificate does not verify: Unavailable, at once.
BOOST_AUTO_TEST_CASE(an_untrusted_certificate_is_refused) {
    TempDir dir(kTempPrefix);
    auto uri = testS3Tls();
    uri = uri.substr(0, uri.find("&caFile="));
    S3BlobStore store(persistence::parseS3Uri(uri + "&staging=" + (dir.path / "s").string()));
    const auto started = std::chrono::steady_clock::now();
    const auto e = catchDomainError([&] { store.check(); });
    checkKind(e, domain::ErrorKind::Unavailable);
    BOOST_TEST(std::string(e->what()).find("after 1 attempt") != std::string::npos, e->what());
    BOOST_TEST(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() < 5.0);
}

BOOST_AUTO_TEST_SUITE_END()
