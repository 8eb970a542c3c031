#include "persistence/S3BlobStore.hpp"

#include <Poco/DateTime.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLException.h>
#include <dirent.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <istream>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "domain/Config.hpp"
#include "domain/Errors.hpp"
#include "domain/ImageProbe.hpp"
#include "domain/Text.hpp"
#include "persistence/SigV4.hpp"
#include "persistence/UriQuery.hpp"

namespace mofang::persistence {
namespace {

namespace dom = mofang::domain;
using Poco::Net::HTTPClientSession;
using Poco::Net::HTTPRequest;
using Poco::Net::HTTPResponse;

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kMinPartSize = 5 * kMiB;         // S3's minimum for all parts but the last
constexpr std::uint64_t kMaxPartSize = 5 * 1024 * kMiB;  // and its maximum
constexpr std::uint64_t kMaxParts = 10000;
constexpr int kAttempts = 3;
constexpr std::size_t kMaxResponseBody = 16 * kMiB;  // XML answers; object bytes are streamed
constexpr std::size_t kIoChunk = 256 * 1024;
constexpr std::size_t kProbeBytes = 64;
constexpr const char* kUploadPrefix = "upload-";
constexpr std::int64_t kMaxClockSkewMillis = 15 * 60 * 1000;
constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

dom::ConfigError badConfig(const std::string& message) {
    return dom::ConfigError("storage", message);
}

// ------------------------------------------------------------------------------------ config

bool allDigits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::uint64_t parseUnsigned(const std::string& value, const std::string& name) {
    if (value.size() > 19 || !allDigits(value))
        throw badConfig(name + " must be a whole number, not '" + value + "'");
    return std::stoull(value);
}

bool parseBool(const std::string& value, const std::string& name) {
    if (value == "true" || value == "1") return true;
    if (value == "false" || value == "0") return false;
    throw badConfig(name + " must be true or false, not '" + value + "'");
}

struct Endpoint {
    bool https = false;
    std::string host;
    std::uint16_t port = 0;
    // "host" or "host:port" when the port is not the scheme's default.
    std::string authority(std::string_view prefix = "") const {
        std::string out = std::string(prefix) + host;
        if (port != (https ? 443 : 80)) out += ":" + std::to_string(port);
        return out;
    }
};

Endpoint parseEndpoint(const std::string& url, const std::string& name) {
    Endpoint e;
    std::string rest;
    if (url.rfind("https://", 0) == 0) {
        e.https = true;
        rest = url.substr(8);
    } else if (url.rfind("http://", 0) == 0) {
        rest = url.substr(7);
    } else {
        throw badConfig(name + " must start with http:// or https://");
    }
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    if (rest.empty() || rest.find_first_of("/?#@ ") != std::string::npos)
        throw badConfig(name + " must be scheme://host[:port], without a path");
    const auto colon = rest.rfind(':');
    if (colon != std::string::npos && rest.find(']') == std::string::npos) {
        const auto port = parseUnsigned(rest.substr(colon + 1), name + " port");
        if (port == 0 || port > 65535) throw badConfig(name + " has an invalid port");
        e.port = static_cast<std::uint16_t>(port);
        e.host = rest.substr(0, colon);
    } else {
        e.host = rest;
        e.port = e.https ? 443 : 80;
    }
    if (e.host.empty()) throw badConfig(name + " has no host");
    return e;
}

bool validBucket(const std::string& b) {
    if (b.size() < 3 || b.size() > 63) return false;
    return std::all_of(b.begin(), b.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    });
}

// --------------------------------------------------------------------------------------- XML

// S3's answers are small, flat documents: the text of an element is all that is read.
std::string xmlUnescape(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '&') {
            out += s[i];
            continue;
        }
        const auto semi = s.find(';', i);
        if (semi == std::string_view::npos) {
            out += s.substr(i);
            break;
        }
        const auto entity = s.substr(i + 1, semi - i - 1);
        if (entity == "amp")
            out += '&';
        else if (entity == "lt")
            out += '<';
        else if (entity == "gt")
            out += '>';
        else if (entity == "quot")
            out += '"';
        else if (entity == "apos")
            out += '\'';
        else if (!entity.empty() && entity[0] == '#') {
            const bool isHex = entity.size() > 1 && (entity[1] == 'x' || entity[1] == 'X');
            const unsigned long cp =
                std::strtoul(std::string(entity.substr(isHex ? 2 : 1)).c_str(), nullptr, isHex ? 16 : 10);
            domain::text::appendUtf8(out, static_cast<char32_t>(std::min<unsigned long>(cp, 0x10FFFF)));
        } else {
            out += s.substr(i, semi - i + 1);
        }
        i = semi;
    }
    return out;
}

// The raw contents of every <tag>…</tag> (not nested in one another), in document order.
std::vector<std::string_view> xmlElements(std::string_view xml, std::string_view tag) {
    std::vector<std::string_view> out;
    const std::string open = "<" + std::string(tag) + ">";
    const std::string close = "</" + std::string(tag) + ">";
    std::size_t at = 0;
    while ((at = xml.find(open, at)) != std::string_view::npos) {
        const auto start = at + open.size();
        const auto end = xml.find(close, start);
        if (end == std::string_view::npos) break;
        out.push_back(xml.substr(start, end - start));
        at = end + close.size();
    }
    return out;
}

std::optional<std::string> xmlText(std::string_view xml, std::string_view tag) {
    const auto all = xmlElements(xml, tag);
    if (all.empty()) return std::nullopt;
    return xmlUnescape(all.front());
}

// ------------------------------------------------------------------------------------- times

std::int64_t nowMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// An HTTP date ("Fri, 24 May 2013 00:00:00 GMT") or an ISO 8601 one ("2013-05-24T00:00:00.000Z").
std::optional<std::int64_t> dateMillis(const std::string& text) {
    if (text.empty()) return std::nullopt;
    Poco::DateTime dt;
    int tzd = 0;
    if (!Poco::DateTimeParser::tryParse(text, dt, tzd)) return std::nullopt;
    return dt.timestamp().epochMicroseconds() / 1000 - static_cast<std::int64_t>(tzd) * 1000;
}

// ---------------------------------------------------------------------------------- payloads

// A request body that can be sent again (retries): nothing, a string, or a region of a file.
struct Payload {
    std::string_view text;
    int fd = -1;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    std::string sha256 = std::string(kEmptySha256);

    std::uint64_t size() const { return fd >= 0 ? length : text.size(); }
};

Payload textPayload(const std::string& text) {
    Payload p;
    p.text = text;
    p.sha256 = sigv4::sha256Hex(text);
    return p;
}

void sendPayload(std::ostream& out, const Payload& p) {
    if (p.fd < 0) {
        out.write(p.text.data(), static_cast<std::streamsize>(p.text.size()));
    } else {
        std::vector<char> buffer(kIoChunk);
        std::uint64_t at = p.offset;
        std::uint64_t left = p.length;
        while (left > 0) {
            const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
            const auto n = ::pread(p.fd, buffer.data(), want, static_cast<off_t>(at));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0)
                throw dom::unavailable("storage: cannot read the staged upload: " +
                                       std::string(std::strerror(errno)));
            out.write(buffer.data(), n);
            if (!out) break;  // the connection failed: the exchange reports it
            at += static_cast<std::uint64_t>(n);
            left -= static_cast<std::uint64_t>(n);
        }
    }
    out.flush();
}

// The blob key of an object name laid out as "ab/cd/<key>", or nullopt.
std::optional<std::string> blobKeyOf(std::string_view object) {
    if (object.size() != 70) return std::nullopt;
    const auto key = object.substr(6);
    if (!dom::isContentKey(key) || dom::contentAddressedPath(key) != object) return std::nullopt;
    return std::string(key);
}

std::string uniqueSuffix() {
    static std::atomic<std::uint64_t> counter{0};
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)) + "-" +
           std::to_string(rng() % 1000000007);
}

void sleepBeforeRetry(int attempt) {
    // 100 ms, 300 ms, … with jitter, so that retrying clients do not march in step.
    thread_local std::mt19937 rng{std::random_device{}()};
    int ms = 100;
    for (int i = 1; i < attempt; ++i) ms *= 3;
    std::this_thread::sleep_for(std::chrono::milliseconds(ms + static_cast<int>(rng() % 50)));
}

}  // namespace

// ===========================================================================================

S3Config parseS3Uri(const std::string& uri) {
    const std::string scheme = "s3://";
    if (uri.rfind(scheme, 0) != 0) throw badConfig("an S3 store is s3://BUCKET?endpoint=…");
    S3Config c;
    const auto q = uri.find('?', scheme.size());
    c.bucket = uri.substr(scheme.size(), q == std::string::npos ? std::string::npos : q - scheme.size());
    while (!c.bucket.empty() && c.bucket.back() == '/') c.bucket.pop_back();
    if (!validBucket(c.bucket))
        throw badConfig("bucket '" + c.bucket + "' is not a valid bucket name (3-63 of a-z 0-9 . -)");
    auto params = parseUriQuery(
        q == std::string::npos ? std::string_view() : std::string_view(uri).substr(q + 1), "storage");
    const auto take = [&](const std::string& name) { return takeParam(params, name); };
    if (auto v = take("region")) c.region = *v;
    if (c.region.empty()) throw badConfig("region must not be empty");
    c.endpoint = take("endpoint").value_or("https://s3." + c.region + ".amazonaws.com");
    parseEndpoint(c.endpoint, "endpoint");
    while (!c.endpoint.empty() && c.endpoint.back() == '/') c.endpoint.pop_back();
    c.publicEndpoint = take("publicEndpoint").value_or(c.endpoint);
    parseEndpoint(c.publicEndpoint, "publicEndpoint");
    while (!c.publicEndpoint.empty() && c.publicEndpoint.back() == '/') c.publicEndpoint.pop_back();
    c.accessKey = take("accessKey").value_or("");
    c.secretKey = take("secretKey").value_or("");
    if (c.accessKey.empty() || c.secretKey.empty()) throw badConfig("accessKey and secretKey are required");
    if (auto v = take("pathStyle")) c.pathStyle = parseBool(*v, "pathStyle");
    if (auto v = take("cdn")) {
        c.cdn = *v;
        while (!c.cdn.empty() && c.cdn.back() == '/') c.cdn.pop_back();
        if (c.cdn.rfind("https://", 0) != 0 && c.cdn.rfind("http://", 0) != 0)
            throw badConfig("cdn must be an http:// or https:// URL");
    }
    if (auto v = take("partSize")) {
        c.partSize = parseUnsigned(*v, "partSize");
        if (c.partSize < kMinPartSize || c.partSize > kMaxPartSize)
            throw badConfig("partSize must be between 5 MiB (5242880) and 5 GiB");
    }
    if (auto v = take("staging")) c.staging = *v;
    if (c.staging.empty()) {
        const char* tmp = std::getenv("TMPDIR");
        c.staging = std::string(tmp && *tmp ? tmp : "/tmp") + "/mofang-staging";
    }
    if (auto v = take("caFile")) c.caFile = *v;
    if (auto v = take("timeout")) {
        const auto t = parseUnsigned(*v, "timeout");
        if (t == 0 || t > 3600) throw badConfig("timeout must be 1 to 3600 seconds");
        c.timeoutSeconds = static_cast<int>(t);
    }
    if (auto v = take("presignExpires")) {
        const auto t = parseUnsigned(*v, "presignExpires");
        if (t == 0 || t > 7 * 24 * 3600) throw badConfig("presignExpires must be 1 s to 7 days");
        c.presignExpiresSeconds = static_cast<std::int64_t>(t);
    }
    if (!params.empty())
        throw badConfig("unknown parameter '" + params.begin()->first + "' in the s3:// URI");
    return c;
}

// ===========================================================================================
// The HTTP side: signing, a pool of kept-alive sessions, retries, errors.

class S3BlobStore::Client {
  public:
    // A response whose body was read whole (XML answers, errors).
    struct Result {
        int status = 0;
        HTTPResponse response;
        std::string body;
    };

    // An open response whose body (object bytes) the caller streams.
    struct Stream {
        std::unique_ptr<HTTPClientSession> session;
        HTTPResponse response;
        std::istream* body = nullptr;
    };

    Client(S3Config config, FailureLog log)
        : config_(std::move(config)),
          log_(std::move(log)),
          endpoint_(parseEndpoint(config_.endpoint, "endpoint")),
          publicEndpoint_(parseEndpoint(config_.publicEndpoint, "publicEndpoint")),
          credentials_{config_.accessKey, config_.secretKey, config_.region, "s3"} {
        connectHost_ = config_.pathStyle ? endpoint_.host : config_.bucket + "." + endpoint_.host;
        hostHeader_ = endpoint_.authority(config_.pathStyle ? "" : config_.bucket + ".");
        if (endpoint_.https) {
            tls_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, config_.caFile,
                                          Poco::Net::Context::VERIFY_RELAXED, 9, config_.caFile.empty());
        }
    }

    const S3Config& config() const { return config_; }

    // "/bucket/ab/cd/<key>" (path style) or "/ab/cd/<key>".
    std::string objectPath(const std::string& key) const {
        return bucketPrefix() + "/" + dom::contentAddressedPath(key);
    }
    // "/bucket" (path style) or "/".
    std::string bucketPath() const { return config_.pathStyle ? "/" + config_.bucket : "/"; }

    Result call(const std::string& method, const std::string& path, const sigv4::Pairs& query,
                const sigv4::Pairs& headers, const Payload& payload, const std::string& what) {
        return withRetries<Result>(what, [&](HTTPClientSession& session, bool& keep) {
            Result r;
            std::istream& in = exchange(session, r.response, method, path, query, headers, payload);
            r.status = r.response.getStatus();
            readBody(in, r.body);
            keep = r.response.getKeepAlive();
            return r;
        });
    }

    // A GET whose body is left to the caller (retried until the status line and headers are in).
    Stream stream(const std::string& path, const sigv4::Pairs& headers, const std::string& what) {
        Stream s;
        bool staleRetried = false;
        for (int attempt = 1;; ++attempt) {
            bool reused = false;
            auto session = acquire(reused);
            try {
                s.response = HTTPResponse();
                std::istream& in = exchange(*session, s.response, "GET", path, {}, headers, Payload{});
                if (s.response.getStatus() >= 500 && attempt < kAttempts) {
                    sleepBeforeRetry(attempt);
                    continue;
                }
                s.session = std::move(session);
                s.body = &in;
                return s;
            } catch (const Poco::Exception& e) {
                // A certificate that does not verify will not verify on the next attempt either.
                if (dynamic_cast<const Poco::Net::SSLException*>(&e))
                    throw unreachable(what, e.displayText(), 1);
                if (retryStale(reused, staleRetried, attempt)) continue;
                if (attempt >= kAttempts) throw unreachable(what, e.displayText());
                sleepBeforeRetry(attempt);
            }
        }
    }

    // A GET of [offset, offset + length) of a blob, its body not read yet; NotFound when the blob
    // does not exist, Unavailable on any other failure.
    Stream openRange(const std::string& key, std::uint64_t offset, std::uint64_t length) {
        const auto what = "GET " + key;
        const auto last = offset + length - 1;
        Stream s = stream(objectPath(key),
                          {{"Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(last)}}, what);
        const int status = s.response.getStatus();
        const auto got = s.response.getContentLength64();
        if (status == 206 || (status == 200 && offset == 0)) {
            if (got != static_cast<Poco::Int64>(length))
                throw failure(what, "expected " + std::to_string(length) + " bytes, the response has " +
                                        std::to_string(got));
            return s;
        }
        const auto r = finish(s);
        if (status == 404 && xmlText(r.body, "Code").value_or("NoSuchKey") == "NoSuchKey")
            throw dom::notFound("no such blob");
        throw errorFor(r, what);
    }

    // The error body of a failed Stream, read whole.
    Result finish(Stream& s) {
        Result r;
        r.status = s.response.getStatus();
        r.response = s.response;
        try {
            readBody(*s.body, r.body);
        } catch (const Poco::Exception&) {
        }
        s.session.reset();
        return r;
    }

    // Unavailable, reported to the log first.
    dom::DomainError failure(const std::string& what, const std::string& detail) const {
        const auto message = what + ": " + detail;
        if (log_) log_("storage_failed", message);
        return dom::unavailable("storage: " + message);
    }

    dom::DomainError unreachable(const std::string& what, const std::string& detail,
                                 int attempts = kAttempts) const {
        return failure(what, "S3 endpoint " + config_.endpoint + " unreachable after " +
                                 std::to_string(attempts) + (attempts == 1 ? " attempt: " : " attempts: ") +
                                 detail);
    }

    // The domain error for an unexpected answer: its status and S3 error code.
    dom::DomainError errorFor(const Result& r, const std::string& what) const {
        std::string detail = "HTTP " + std::to_string(r.status);
        if (const auto code = xmlText(r.body, "Code")) detail += " " + *code;
        if (const auto message = xmlText(r.body, "Message")) detail += ": " + *message;
        if (r.status == 403) detail += " (check accessKey, secretKey, region and the bucket's policy)";
        return failure(what, detail);
    }

    // A kept-alive session of the pool (reused = true), or a new one.
    std::unique_ptr<HTTPClientSession> acquire(bool& reused) {
        {
            std::lock_guard lock(mutex_);
            reused = !idle_.empty();
            if (reused) {
                auto s = std::move(idle_.back());
                idle_.pop_back();
                return s;
            }
        }
        std::unique_ptr<HTTPClientSession> s;
        if (endpoint_.https)
            s = std::make_unique<Poco::Net::HTTPSClientSession>(connectHost_, endpoint_.port, tls_);
        else
            s = std::make_unique<HTTPClientSession>(connectHost_, endpoint_.port);
        s->setKeepAlive(true);
        // Below the idle timeouts of common servers (Node's 5 s): a session idle for longer
        // reconnects instead of failing on a connection the server has closed.
        s->setKeepAliveTimeout(Poco::Timespan(4, 0));
        s->setTimeout(Poco::Timespan(std::min(config_.timeoutSeconds, 10), 0),
                      Poco::Timespan(config_.timeoutSeconds, 0), Poco::Timespan(config_.timeoutSeconds, 0));
        return s;
    }

    void release(std::unique_ptr<HTTPClientSession> s) {
        std::lock_guard lock(mutex_);
        if (idle_.size() < kMaxIdle) idle_.push_back(std::move(s));
    }

    std::string presign(const std::string& key, std::string_view contentType,
                        std::string_view contentDisposition) const {
        sigv4::Request r;
        r.method = "GET";
        r.path = objectPath(key);
        r.headers = {{"host", publicHost()}};
        if (!contentType.empty()) r.query.emplace_back("response-content-type", std::string(contentType));
        if (!contentDisposition.empty())
            r.query.emplace_back("response-content-disposition", std::string(contentDisposition));
        const auto query = sigv4::presignedQuery(credentials_, sigv4::amzDate(std::time(nullptr)),
                                                 config_.presignExpiresSeconds, r);
        return (publicEndpoint_.https ? "https://" : "http://") + r.headers.front().second +
               sigv4::uriEncode(r.path, false) + "?" + query;
    }

    // The permanent (unsigned) URL of the object at the public endpoint.
    std::string publicUrl(const std::string& key) const {
        return (publicEndpoint_.https ? "https://" : "http://") + publicHost() +
               sigv4::uriEncode(objectPath(key), false);
    }

  private:
    static constexpr std::size_t kMaxIdle = 64;

    std::string bucketPrefix() const { return config_.pathStyle ? "/" + config_.bucket : ""; }
    // "host[:port]" of the public endpoint, "BUCKET.host[:port]" in virtual-host style.
    std::string publicHost() const {
        return publicEndpoint_.authority(config_.pathStyle ? "" : config_.bucket + ".");
    }

    // Runs `f` on a session up to kAttempts times: again after a network failure or a 5xx.
    template <class R, class F>
    R withRetries(const std::string& what, F&& f) {
        bool staleRetried = false;
        for (int attempt = 1;; ++attempt) {
            bool reused = false;
            auto session = acquire(reused);
            try {
                bool keep = false;
                R r = f(*session, keep);
                if (keep) release(std::move(session));
                if (r.status >= 500 && attempt < kAttempts) {
                    sleepBeforeRetry(attempt);
                    continue;
                }
                return r;
            } catch (const Poco::Exception& e) {
                // A certificate that does not verify will not verify on the next attempt either.
                if (dynamic_cast<const Poco::Net::SSLException*>(&e))
                    throw unreachable(what, e.displayText(), 1);
                if (retryStale(reused, staleRetried, attempt)) continue;
                if (attempt >= kAttempts) throw unreachable(what, e.displayText());
                sleepBeforeRetry(attempt);
            }
        }
    }

    // A kept-alive connection that fails was most likely closed by the server while idle (or the
    // server restarted): the other idle ones are suspect too. Once per request, drop them all and
    // try again at once on a new connection, without counting the attempt.
    bool retryStale(bool reused, bool& staleRetried, int& attempt) {
        if (!reused || staleRetried) return false;
        staleRetried = true;
        {
            std::lock_guard lock(mutex_);
            idle_.clear();
        }
        --attempt;
        return true;
    }

    // Sends one signed request and receives the response's head.
    std::istream& exchange(HTTPClientSession& session, HTTPResponse& response, const std::string& method,
                           const std::string& path, const sigv4::Pairs& query, const sigv4::Pairs& headers,
                           const Payload& payload) {
        const auto date = sigv4::amzDate(std::time(nullptr));
        sigv4::Request r;
        r.method = method;
        r.path = path;
        r.query = query;
        r.headers = headers;
        r.headers.emplace_back("Host", hostHeader_);
        r.headers.emplace_back("x-amz-date", date);
        r.headers.emplace_back("x-amz-content-sha256", payload.sha256);
        r.payloadHash = payload.sha256;
        std::string target = sigv4::uriEncode(path, false);
        if (!query.empty()) target += "?" + sigv4::canonicalQuery(query);
        HTTPRequest request(method, target, HTTPRequest::HTTP_1_1);
        for (const auto& [name, value] : r.headers) request.set(name, value);
        request.set("Authorization", sigv4::authorization(credentials_, date, r));
        request.setKeepAlive(true);
        const bool hasBody = method == "PUT" || method == "POST";
        if (hasBody) request.setContentLength64(static_cast<Poco::Int64>(payload.size()));
        std::ostream& out = session.sendRequest(request);
        if (hasBody) sendPayload(out, payload);
        return session.receiveResponse(response);
    }

    static void readBody(std::istream& in, std::string& body) {
        char buffer[8192];
        while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
            if (body.size() < kMaxResponseBody) body.append(buffer, static_cast<std::size_t>(in.gcount()));
        }
    }

    S3Config config_;
    FailureLog log_;
    Endpoint endpoint_;
    Endpoint publicEndpoint_;
    sigv4::Credentials credentials_;
    std::string connectHost_;
    std::string hostHeader_;
    Poco::Net::Context::Ptr tls_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<HTTPClientSession>> idle_;
};

namespace {

using Client = S3BlobStore::Client;

// ----------------------------------------------------------------------------------- writer

// Stages the bytes in a local temp file, hashing as they pass: SHA-256 and CRC-32 of the whole,
// and the SHA-256 of each partSize part (the payload hashes of a multipart upload, so that no
// byte is read twice to sign it).
class S3Writer final : public dom::BlobWriter {
  public:
    explicit S3Writer(Client& client) : client_(client), partSize_(client.config().partSize) {
        path_ = client.config().staging + "/" + kUploadPrefix + uniqueSuffix();
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd_ < 0)
            throw client_.failure("cannot create a staging file", path_ + ": " + std::strerror(errno));
        sha_ = EVP_MD_CTX_new();
        partSha_ = EVP_MD_CTX_new();
        if (!sha_ || !partSha_ || EVP_DigestInit_ex(sha_, EVP_sha256(), nullptr) != 1 ||
            EVP_DigestInit_ex(partSha_, EVP_sha256(), nullptr) != 1) {
            cleanup();
            throw dom::unavailable("storage: SHA-256 unavailable");
        }
    }
    ~S3Writer() override { cleanup(); }

    void write(const char* data, std::size_t size) override {
        if (finished_) throw std::logic_error("BlobWriter::write after finish");
        // The first bytes name the image type (the object's Content-Type).
        if (probed_ < kProbeBytes) {
            const auto n = std::min<std::size_t>(size, kProbeBytes - probed_);
            probe_.feed(data, n);
            probed_ += n;
        }
        EVP_DigestUpdate(sha_, data, size);
        crc_ = libdeflate_crc32(crc_, data, size);
        for (std::size_t done = 0; done < size;) {
            const auto n =
                static_cast<std::size_t>(std::min<std::uint64_t>(size - done, partSize_ - partFill_));
            EVP_DigestUpdate(partSha_, data + done, n);
            partFill_ += n;
            done += n;
            if (partFill_ == partSize_) endPart();
        }
        for (std::size_t done = 0; done < size;) {
            const auto n = ::write(fd_, data + done, size - done);
            if (n < 0) {
                if (errno == EINTR) continue;
                throw client_.failure("cannot write the staging file", path_ + ": " + std::strerror(errno));
            }
            done += static_cast<std::size_t>(n);
        }
        size_ += size;
    }

    std::uint64_t size() const override { return size_; }

    // The bytes become durable in the bucket, at publish(): the temp file is only a staging copy.
    const dom::BlobInfo& finish() override {
        if (finished_) return info_;
        if (partFill_ > 0 || parts_.empty()) endPart();
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_DigestFinal_ex(sha_, digest, &len);
        info_.sha256 = sigv4::hex(std::string_view(reinterpret_cast<const char*>(digest), len));
        info_.key = info_.sha256;
        info_.size = size_;
        info_.crc32 = crc_;
        finished_ = true;
        return info_;
    }

    std::string stagedPath() const override { return path_; }

    void publish() override {
        finish();
        if (published_) return;
        const auto contentType = std::string(dom::mimeType(probe_.format()));
        if (size_ < partSize_)
            putWhole(contentType);
        else
            putMultipart(contentType);
        published_ = true;
    }

  private:
    void endPart() {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_DigestFinal_ex(partSha_, digest, &len);
        parts_.push_back(sigv4::hex(std::string_view(reinterpret_cast<const char*>(digest), len)));
        EVP_DigestInit_ex(partSha_, EVP_sha256(), nullptr);
        partFill_ = 0;
    }

    sigv4::Pairs typeHeader(const std::string& contentType) const {
        return {{"Content-Type", contentType.empty() ? "application/octet-stream" : contentType}};
    }

    // One PUT: atomic, and it sets Last-Modified to now even when the same bytes were there.
    void putWhole(const std::string& contentType) {
        Payload body;
        body.fd = fd_;
        body.length = size_;
        body.sha256 = info_.sha256;
        const auto what = "PUT " + info_.key;
        const auto r =
            client_.call("PUT", client_.objectPath(info_.key), {}, typeHeader(contentType), body, what);
        if (r.status != 200) throw client_.errorFor(r, what);
    }

    void putMultipart(const std::string& contentType) {
        const auto path = client_.objectPath(info_.key);
        const auto partCount = (size_ + partSize_ - 1) / partSize_;
        if (partCount > kMaxParts)
            throw dom::payloadTooLarge("a blob of " + std::to_string(size_) + " bytes needs more than " +
                                       std::to_string(kMaxParts) + " parts of the configured partSize");
        const auto initiate = "initiate multipart upload of " + info_.key;
        auto r = client_.call("POST", path, {{"uploads", ""}}, typeHeader(contentType), Payload{}, initiate);
        const auto uploadId = xmlText(r.body, "UploadId");
        if (r.status != 200 || !uploadId || uploadId->empty()) throw client_.errorFor(r, initiate);
        try {
            std::string complete = "<CompleteMultipartUpload>";
            for (std::uint64_t i = 0; i < partCount; ++i) {
                Payload part;
                part.fd = fd_;
                part.offset = i * partSize_;
                part.length = std::min<std::uint64_t>(partSize_, size_ - part.offset);
                part.sha256 = parts_.at(i);
                const auto number = std::to_string(i + 1);
                const auto what = "upload part " + number + " of " + info_.key;
                r = client_.call("PUT", path, {{"partNumber", number}, {"uploadId", *uploadId}}, {}, part,
                                 what);
                const auto etag = r.response.get("ETag", "");
                if (r.status != 200 || etag.empty()) throw client_.errorFor(r, what);
                complete += "<Part><PartNumber>" + number + "</PartNumber><ETag>" + etag + "</ETag></Part>";
            }
            complete += "</CompleteMultipartUpload>";
            const auto what = "complete multipart upload of " + info_.key;
            r = client_.call("POST", path, {{"uploadId", *uploadId}}, {{"Content-Type", "application/xml"}},
                             textPayload(complete), what);
            // S3 may answer 200 and report a failure in the body.
            if (r.status != 200 || r.body.find("<Error>") != std::string::npos) {
                // A retried completion that had succeeded the first time finds no upload any more.
                if (xmlText(r.body, "Code").value_or("") == "NoSuchUpload" && existsWithSize()) return;
                throw client_.errorFor(r, what);
            }
        } catch (...) {
            abort(path, *uploadId);
            throw;
        }
    }

    bool existsWithSize() {
        const auto r =
            client_.call("HEAD", client_.objectPath(info_.key), {}, {}, Payload{}, "HEAD " + info_.key);
        return r.status == 200 && r.response.getContentLength64() == static_cast<Poco::Int64>(size_);
    }

    // Best effort: what stays behind is removed by removeAbandoned() (or the bucket's lifecycle rule).
    void abort(const std::string& path, const std::string& uploadId) {
        try {
            client_.call("DELETE", path, {{"uploadId", uploadId}}, {}, Payload{}, "abort multipart upload");
        } catch (...) {
        }
    }

    void cleanup() {
        if (sha_) EVP_MD_CTX_free(sha_);
        if (partSha_) EVP_MD_CTX_free(partSha_);
        sha_ = partSha_ = nullptr;
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        if (!path_.empty()) ::unlink(path_.c_str());
    }

    Client& client_;
    const std::uint64_t partSize_;
    std::string path_;
    int fd_ = -1;
    EVP_MD_CTX* sha_ = nullptr;
    EVP_MD_CTX* partSha_ = nullptr;
    std::uint64_t partFill_ = 0;
    std::vector<std::string> parts_;
    std::uint32_t crc_ = 0;
    std::size_t probed_ = 0;
    std::uint64_t size_ = 0;
    bool finished_ = false;
    bool published_ = false;
    dom::ImageProbe probe_;
    dom::BlobInfo info_;
};

// ----------------------------------------------------------------------------------- reader

// A ranged GET streamed from the response. A connection that fails mid-body is resumed with a
// new ranged GET from where it stopped (immutable blobs: the bytes are the same). It may start
// with bytes and an open response that a prefetch already has (see Prefetch).
class S3Reader final : public dom::BlobReader {
  public:
    S3Reader(Client& client, std::string key, std::uint64_t offset, std::uint64_t length)
        : client_(client), key_(std::move(key)), offset_(offset), left_(length) {
        connect();
    }

    S3Reader(Client& client, std::string key, std::uint64_t offset, std::uint64_t length,
             Client::Stream stream, std::string buffered)
        : client_(client),
          key_(std::move(key)),
          offset_(offset),
          left_(length),
          stream_(std::move(stream)),
          buffered_(std::move(buffered)) {}

    std::size_t read(char* buffer, std::size_t size) override {
        if (left_ == 0 || size == 0) return 0;
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(size, left_));
        if (used_ < buffered_.size()) {
            const auto n = std::min(want, buffered_.size() - used_);
            std::memcpy(buffer, buffered_.data() + used_, n);
            used_ += n;
            if (used_ == buffered_.size()) {
                std::string().swap(buffered_);
                used_ = 0;
            }
            return advance(n);
        }
        for (;;) {
            std::size_t n = 0;
            std::string problem = "no response";
            if (stream_.body) {
                try {
                    stream_.body->read(buffer, static_cast<std::streamsize>(want));
                    n = static_cast<std::size_t>(stream_.body->gcount());
                    if (n == 0) problem = "the response ended " + std::to_string(left_) + " bytes early";
                } catch (const Poco::Exception& e) {
                    problem = e.displayText();
                }
            }
            if (n > 0) return advance(n);
            stream_ = Client::Stream();
            if (++resumes_ >= kAttempts) throw client_.failure("GET " + key_, problem);
            connect();
        }
    }

  private:
    std::size_t advance(std::size_t n) {
        offset_ += n;
        left_ -= n;
        if (left_ == 0 && stream_.session) {
            if (stream_.response.getKeepAlive()) client_.release(std::move(stream_.session));
            stream_ = Client::Stream();
        }
        return n;
    }

    void connect() { stream_ = client_.openRange(key_, offset_, left_); }

    Client& client_;
    std::string key_;
    std::uint64_t offset_;
    std::uint64_t left_;
    int resumes_ = 0;
    Client::Stream stream_;
    std::string buffered_;
    std::size_t used_ = 0;
};

// Read-ahead for packages: prefetch() starts the GET of the next blob on a thread of its own,
// which reads up to kPrefetchBytes of the body into memory. The next stat() of that blob is
// answered from the response's headers (no HEAD) and open() continues where the prefetch is: so
// a package of small files is not two round trips per file. Prefetches belong to the thread that
// asked for them (the one streaming the package); each thread keeps at most two.
class Prefetch {
  public:
    Prefetch(Client& client, std::string blobKey, std::uint64_t from, std::uint64_t bytes)
        : key(std::move(blobKey)), offset(from), length(bytes), owner(std::this_thread::get_id()) {
        worker_ = std::thread([this, &client] { run(client); });
    }
    ~Prefetch() {
        if (worker_.joinable()) worker_.join();
    }
    Prefetch(const Prefetch&) = delete;
    Prefetch& operator=(const Prefetch&) = delete;

    // The blob's size and time from the response, or nullopt when the prefetch failed.
    std::optional<dom::BlobStat> stat() {
        wait();
        if (error_) return std::nullopt;
        dom::BlobStat st;
        // "bytes 0-99/1234": the size is after the slash; a 200 carries the whole blob.
        const auto range = stream_.response.get("Content-Range", "");
        const auto slash = range.rfind('/');
        const auto total = slash == std::string::npos ? std::string() : range.substr(slash + 1);
        if (allDigits(total) && total.size() <= 19)
            st.size = std::stoull(total);
        else if (stream_.response.getStatus() == 200)
            st.size =
                static_cast<std::uint64_t>(std::max<Poco::Int64>(0, stream_.response.getContentLength64()));
        else
            return std::nullopt;
        st.modifiedAt = dateMillis(stream_.response.get("Last-Modified", "")).value_or(0);
        return st;
    }

    // A reader that starts with what the prefetch has; rethrows the prefetch's error.
    std::unique_ptr<dom::BlobReader> reader(Client& client) {
        wait();
        if (worker_.joinable()) worker_.join();
        if (error_) std::rethrow_exception(error_);
        return std::make_unique<S3Reader>(client, key, offset, length, std::move(stream_),
                                          std::move(buffer_));
    }

    const std::string key;
    const std::uint64_t offset;
    const std::uint64_t length;
    const std::thread::id owner;

  private:
    static constexpr std::size_t kPrefetchBytes = 1024 * 1024;

    void run(Client& client) {
        try {
            auto s = client.openRange(key, offset, length);
            std::string buffer;
            buffer.resize(static_cast<std::size_t>(std::min<std::uint64_t>(length, kPrefetchBytes)));
            try {
                s.body->read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
                buffer.resize(static_cast<std::size_t>(s.body->gcount()));
            } catch (const Poco::Exception&) {
                // The connection broke: the reader asks again from the start of the range.
                buffer.clear();
                s.session.reset();
                s.body = nullptr;
            }
            if (buffer.size() == length) {
                // All of it: the connection goes back to the pool at once.
                if (s.response.getKeepAlive()) client.release(std::move(s.session));
                s.session.reset();
                s.body = nullptr;
            }
            std::lock_guard lock(mutex_);
            stream_ = std::move(s);
            buffer_ = std::move(buffer);
        } catch (...) {
            std::lock_guard lock(mutex_);
            error_ = std::current_exception();
        }
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        cv_.notify_all();
    }

    void wait() {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return done_; });
    }

    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    std::exception_ptr error_;
    Client::Stream stream_;
    std::string buffer_;
    std::thread worker_;
};

}  // namespace

// The prefetches in flight, at most two per thread and kMaxPrefetches in all; one that nobody
// took within kMaxAge (its package stream was abandoned) goes at the next prefetch.
class S3BlobStore::ReadAhead {
  public:
    void start(Client& client, const std::string& key, std::uint64_t offset, std::uint64_t length) {
        const auto me = std::this_thread::get_id();
        const auto now = std::chrono::steady_clock::now();
        std::vector<std::shared_ptr<Prefetch>> dropped;  // joined outside the lock
        std::lock_guard lock(mutex_);
        for (auto it = entries_.begin(); it != entries_.end();) {
            const bool mine = it->second->owner == me;
            if (mine && it->second->key == key && it->second->offset == offset &&
                it->second->length == length)
                return;
            if (now - it->first > kMaxAge) {
                dropped.push_back(std::move(it->second));
                it = entries_.erase(it);
            } else {
                ++it;
            }
        }
        std::size_t mine = 0;
        for (const auto& e : entries_) mine += e.second->owner == me;
        for (auto it = entries_.begin(); it != entries_.end() && mine >= 2;) {
            if (it->second->owner == me) {
                dropped.push_back(std::move(it->second));
                it = entries_.erase(it);
                --mine;
            } else {
                ++it;
            }
        }
        while (entries_.size() >= kMaxPrefetches) {
            dropped.push_back(std::move(entries_.front().second));
            entries_.pop_front();
        }
        entries_.emplace_back(now, std::make_shared<Prefetch>(client, key, offset, length));
    }

    // This thread's prefetch of `key`, left in place.
    std::shared_ptr<Prefetch> find(const std::string& key) {
        std::lock_guard lock(mutex_);
        for (const auto& e : entries_)
            if (e.second->owner == std::this_thread::get_id() && e.second->key == key) return e.second;
        return nullptr;
    }

    // This thread's prefetch of exactly that range, taken out.
    std::shared_ptr<Prefetch> take(const std::string& key, std::uint64_t offset, std::uint64_t length) {
        std::lock_guard lock(mutex_);
        for (auto it = entries_.begin(); it != entries_.end(); ++it) {
            const auto& p = *it->second;
            if (p.owner == std::this_thread::get_id() && p.key == key && p.offset == offset &&
                p.length == length) {
                auto out = std::move(it->second);
                entries_.erase(it);
                return out;
            }
        }
        return nullptr;
    }

  private:
    static constexpr std::size_t kMaxPrefetches = 32;
    static constexpr std::chrono::seconds kMaxAge{60};

    std::mutex mutex_;
    std::deque<std::pair<std::chrono::steady_clock::time_point, std::shared_ptr<Prefetch>>> entries_;
};

namespace {

class EmptyReader final : public dom::BlobReader {
  public:
    std::size_t read(char*, std::size_t) override { return 0; }
};

template <class F>
void eachEntry(const std::string& dir, F&& f) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    while (const dirent* e = ::readdir(d)) {
        if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
        f(std::string(e->d_name));
    }
    ::closedir(d);
}

}  // namespace

// ===========================================================================================

S3BlobStore::S3BlobStore(S3Config config, FailureLog log)
    : client_(std::make_unique<Client>(std::move(config), std::move(log))),
      readAhead_(std::make_unique<ReadAhead>()) {
    const auto& staging = client_->config().staging;
    // The staging directory and its parents (a first start on a fresh machine).
    for (std::size_t at = 1; at <= staging.size(); ++at) {
        if (at != staging.size() && staging[at] != '/') continue;
        const auto dir = staging.substr(0, at);
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
            throw client_->failure("cannot create the staging directory", dir + ": " + std::strerror(errno));
    }
}

S3BlobStore::~S3BlobStore() = default;

const S3Config& S3BlobStore::config() const {
    return client_->config();
}

std::unique_ptr<dom::BlobWriter> S3BlobStore::create() {
    return std::make_unique<S3Writer>(*client_);
}

std::unique_ptr<dom::BlobReader> S3BlobStore::open(const std::string& key, std::uint64_t offset,
                                                   std::uint64_t length) {
    if (!dom::isContentKey(key)) throw dom::notFound("no such blob");
    if (length == 0) {
        if (!stat(key)) throw dom::notFound("no such blob");
        return std::make_unique<EmptyReader>();
    }
    if (const auto prefetched = readAhead_->take(key, offset, length)) return prefetched->reader(*client_);
    return std::make_unique<S3Reader>(*client_, key, offset, length);
}

std::optional<dom::BlobStat> S3BlobStore::stat(const std::string& key) {
    if (!dom::isContentKey(key)) return std::nullopt;
    if (const auto prefetched = readAhead_->find(key))
        if (auto st = prefetched->stat()) return st;
    const auto what = "HEAD " + key;
    const auto r = client_->call("HEAD", client_->objectPath(key), {}, {}, Payload{}, what);
    if (r.status == 404) return std::nullopt;
    if (r.status != 200) throw client_->errorFor(r, what);
    dom::BlobStat st;
    st.size = static_cast<std::uint64_t>(std::max<Poco::Int64>(0, r.response.getContentLength64()));
    st.modifiedAt = dateMillis(r.response.get("Last-Modified", "")).value_or(0);
    return st;
}

void S3BlobStore::prefetch(const std::string& key, std::uint64_t offset, std::uint64_t length) {
    if (!dom::isContentKey(key) || length == 0) return;
    readAhead_->start(*client_, key, offset, length);
}

void S3BlobStore::list(const std::function<void(const std::string&, const dom::BlobStat&)>& visit) {
    std::string token;
    for (;;) {
        sigv4::Pairs query = {{"list-type", "2"},
                              {"max-keys", std::to_string(client_->config().listPageSize)}};
        if (!token.empty()) query.emplace_back("continuation-token", token);
        const auto r = client_->call("GET", client_->bucketPath(), query, {}, Payload{}, "list the bucket");
        if (r.status != 200) throw client_->errorFor(r, "list the bucket");
        for (const auto contents : xmlElements(r.body, "Contents")) {
            const auto key = blobKeyOf(xmlText(contents, "Key").value_or(""));
            if (!key) continue;
            dom::BlobStat st;
            const auto size = xmlText(contents, "Size").value_or("");
            st.size = allDigits(size) && size.size() <= 19 ? std::stoull(size) : 0;
            st.modifiedAt = dateMillis(xmlText(contents, "LastModified").value_or("")).value_or(0);
            visit(*key, st);
        }
        const auto next = xmlText(r.body, "NextContinuationToken").value_or("");
        if (xmlText(r.body, "IsTruncated").value_or("false") != "true" || next.empty() || next == token)
            return;
        token = next;
    }
}

std::int64_t S3BlobStore::mark() {
    // The server's clock, which also stamps Last-Modified: no skew between the two.
    try {
        const auto r = client_->call("HEAD", client_->bucketPath(), {}, {}, Payload{}, "HEAD the bucket");
        if (r.status == 200)
            if (const auto t = dateMillis(r.response.get("Date", ""))) return *t / 1000 * 1000;
    } catch (const dom::DomainError&) {
        // Unreachable: removeIfStale() will not get through either, unless the server is back
        // by then; the fallback below stays safe in that case.
    }
    // S3 refuses requests whose x-amz-date is more than 15 minutes off its clock: for a server
    // that takes ours, its clock is at least our clock minus 15 minutes.
    return (nowMillis() - kMaxClockSkewMillis) / 1000 * 1000;
}

bool S3BlobStore::removeIfStale(const std::string& key, std::int64_t mark) {
    if (!dom::isContentKey(key)) return false;
    const auto st = stat(key);
    if (!st) return false;
    // Last-Modified has whole seconds: a blob published in the mark's second is kept.
    if (st->modifiedAt >= mark / 1000 * 1000) return false;
    const auto what = "DELETE " + key;
    const auto r = client_->call("DELETE", client_->objectPath(key), {}, {}, Payload{}, what);
    if (r.status != 204 && r.status != 200 && r.status != 404) throw client_->errorFor(r, what);
    return true;
}

std::uint64_t S3BlobStore::removeAbandoned(dom::Millis before) {
    std::uint64_t freed = 0;
    const auto& staging = client_->config().staging;
    eachEntry(staging, [&](const std::string& name) {
        if (name.rfind(kUploadPrefix, 0) != 0) return;
        const auto path = staging + "/" + name;
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
        const auto modified =
            static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
        if (modified >= before) return;
        if (::unlink(path.c_str()) == 0) freed += static_cast<std::uint64_t>(st.st_size);
    });
    // Multipart uploads that a crashed writer left open (their parts are billed until aborted).
    // Servers that cannot list them (s3rver: 501) are left to the bucket's lifecycle rule.
    std::string keyMarker, uploadMarker;
    for (;;) {
        sigv4::Pairs query = {{"uploads", ""}};
        if (!keyMarker.empty()) query.emplace_back("key-marker", keyMarker);
        if (!uploadMarker.empty()) query.emplace_back("upload-id-marker", uploadMarker);
        const auto r =
            client_->call("GET", client_->bucketPath(), query, {}, Payload{}, "list multipart uploads");
        if (r.status != 200) break;
        for (const auto upload : xmlElements(r.body, "Upload")) {
            const auto object = xmlText(upload, "Key").value_or("");
            const auto id = xmlText(upload, "UploadId").value_or("");
            const auto initiated = dateMillis(xmlText(upload, "Initiated").value_or(""));
            if (!blobKeyOf(object) || id.empty() || !initiated || *initiated >= before) continue;
            client_->call("DELETE", client_->objectPath(*blobKeyOf(object)), {{"uploadId", id}}, {},
                          Payload{}, "abort multipart upload");
        }
        const auto nextKey = xmlText(r.body, "NextKeyMarker").value_or("");
        const auto nextUpload = xmlText(r.body, "NextUploadIdMarker").value_or("");
        if (xmlText(r.body, "IsTruncated").value_or("false") != "true" ||
            (nextKey == keyMarker && nextUpload == uploadMarker))
            break;
        keyMarker = nextKey;
        uploadMarker = nextUpload;
    }
    return freed;
}

std::optional<std::string> S3BlobStore::localRelativePath(const std::string&) const {
    return std::nullopt;
}

std::optional<std::string> S3BlobStore::presignedUrl(const std::string& key, std::string_view contentType,
                                                     std::string_view contentDisposition) const {
    if (!dom::isContentKey(key)) return std::nullopt;
    if (!client_->config().cdn.empty()) return client_->config().cdn + "/" + dom::contentAddressedPath(key);
    return client_->presign(key, contentType, contentDisposition);
}

std::optional<dom::ObjectLocation> S3BlobStore::objectLocation(const std::string& key) const {
    if (!dom::isContentKey(key)) return std::nullopt;
    dom::ObjectLocation location;
    location.objectName = dom::contentAddressedPath(key);
    location.folder = location.objectName.substr(0, location.objectName.rfind('/'));
    location.url = client_->publicUrl(key);
    if (!client_->config().cdn.empty()) location.cdnUrl = client_->config().cdn + "/" + location.objectName;
    return location;
}

void S3BlobStore::check() {
    const auto r = client_->call("GET", client_->bucketPath(), {{"list-type", "2"}, {"max-keys", "1"}}, {},
                                 Payload{}, "list the bucket");
    if (r.status != 200) throw client_->errorFor(r, "bucket " + client_->config().bucket);
}

}  // namespace mofang::persistence
