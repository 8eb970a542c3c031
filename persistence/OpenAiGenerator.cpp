#include "persistence/OpenAiGenerator.hpp"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/URI.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string_view>

#include "domain/Config.hpp"
#include "domain/ImageProbe.hpp"
#include "domain/Json.hpp"
#include "domain/Text.hpp"
#include "persistence/UriQuery.hpp"

namespace mofang::persistence {
namespace {

namespace dom = mofang::domain;
using Poco::Net::HTTPClientSession;
using Poco::Net::HTTPRequest;
using Poco::Net::HTTPResponse;

constexpr std::string_view kScheme = "openai:";
constexpr int kMaxTimeoutSeconds = 3600;
// Four 4096×4096 PNGs in base64 fit; a runaway answer does not fill the worker's memory.
constexpr std::size_t kMaxResponseBytes = 256 * 1024 * 1024;
constexpr std::size_t kReadChunk = 64 * 1024;
// Provider messages end up in the task's error column and the logs.
constexpr std::size_t kMaxProviderMessage = 500;

dom::ConfigError badConfig(const std::string& message) {
    return dom::ConfigError("generator", message);
}

// "WxH,WxH,…": each side 1 to 16384 pixels, at most 32 sizes.
std::vector<ProviderSize> parseSizes(const std::string& list) {
    constexpr std::size_t kMaxSizes = 32;
    const auto side = [&](std::string_view digits) {
        const auto v = dom::text::parseInteger(digits, 1, 16384);
        if (!v) throw badConfig("sizes must be WIDTHxHEIGHT,… with sides of 1 to 16384 pixels, not '" + list + "'");
        return static_cast<int>(*v);
    };
    std::vector<ProviderSize> sizes;
    std::string_view rest = list;
    while (true) {
        const auto comma = rest.find(',');
        const std::string_view item = rest.substr(0, comma);
        const auto x = item.find('x');
        if (x == std::string_view::npos)
            throw badConfig("sizes must be WIDTHxHEIGHT,… (e.g. 1024x1024,1024x1536), not '" + list + "'");
        sizes.push_back({side(item.substr(0, x)), side(item.substr(x + 1))});
        if (sizes.size() > kMaxSizes) throw badConfig("sizes lists more than 32 sizes");
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return sizes;
}

// The base URL, checked: http(s), a host, a path at most (no query, fragment or user info).
Poco::URI parseBaseUrl(const std::string& url) {
    Poco::URI u;
    try {
        u = Poco::URI(url);
    } catch (const Poco::Exception&) {
        throw badConfig("'" + url + "' is not a URL");
    }
    if (u.getScheme() != "https" && u.getScheme() != "http")
        throw badConfig(
            "the base URL must start with https:// (or http://), as in openai:https://HOST/v1?model=NAME");
    if (u.getHost().empty()) throw badConfig("the base URL has no host");
    if (!u.getUserInfo().empty()) throw badConfig("the base URL must not carry user info; use key=");
    if (!u.getFragment().empty()) throw badConfig("the base URL must not have a fragment");
    return u;
}

std::string clip(std::string s) {
    if (s.size() > kMaxProviderMessage) {
        s.resize(kMaxProviderMessage);
        // Do not leave half a UTF-8 sequence at the end.
        while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
        if (!s.empty() && (static_cast<unsigned char>(s.back()) & 0x80)) s.pop_back();
        s += "…";
    }
    return s;
}

std::optional<std::string> stringMember(const Poco::JSON::Object::Ptr& object, const std::string& name) {
    if (!object || !object->has(name)) return std::nullopt;
    const auto value = object->get(name);
    if (!value.isString()) return std::nullopt;
    auto s = value.convert<std::string>();
    if (s.empty()) return std::nullopt;
    return s;
}

Poco::JSON::Object::Ptr parseObject(const std::string& body) {
    Poco::JSON::Parser parser;
    const auto value = parser.parse(body);
    if (value.type() != typeid(Poco::JSON::Object::Ptr)) return nullptr;
    return value.extract<Poco::JSON::Object::Ptr>();
}

// The provider's code and message from an OpenAI error body {"error": {"message", "type",
// "code"}} (also tolerating {"error": "text"} and a top-level "message").
struct ProviderError {
    std::optional<std::string> code;
    std::optional<std::string> message;
};

ProviderError providerError(const std::string& body) {
    ProviderError out;
    try {
        const auto root = parseObject(body);
        if (!root) return out;
        if (const auto error = root->getObject("error")) {
            out.code = stringMember(error, "code");
            if (!out.code) out.code = stringMember(error, "type");
            out.message = stringMember(error, "message");
        } else {
            out.message = stringMember(root, "error");
            if (!out.message) out.message = stringMember(root, "message");
            out.code = stringMember(root, "code");
        }
    } catch (const Poco::Exception&) {
        // Not JSON (an HTML error page of a proxy): the status says enough.
    }
    if (out.message) out.message = clip(*out.message);
    if (out.code) out.code = clip(*out.code);
    return out;
}

std::string describe(const HTTPResponse& response, const ProviderError& error) {
    std::string s = "the image service answered " + std::to_string(static_cast<int>(response.getStatus()));
    if (error.message) return s + ": " + *error.message;
    if (!response.getReason().empty()) s += " " + response.getReason();
    return s;
}

// Standard base64 (line breaks allowed), optionally behind a "data:…;base64," prefix.
std::optional<std::string> decodeBase64(std::string_view in) {
    if (in.starts_with("data:")) {
        const auto comma = in.find(',');
        if (comma == std::string_view::npos) return std::nullopt;
        in.remove_prefix(comma + 1);
    }
    std::string out(in.size() / 4 * 3 + 64, '\0');
    std::unique_ptr<EVP_ENCODE_CTX, decltype(&EVP_ENCODE_CTX_free)> ctx(EVP_ENCODE_CTX_new(),
                                                                        &EVP_ENCODE_CTX_free);
    if (!ctx) throw std::bad_alloc();
    EVP_DecodeInit(ctx.get());
    std::size_t total = 0;
    constexpr std::size_t kChunk = 1024 * 1024;
    for (std::size_t at = 0; at < in.size(); at += kChunk) {
        const auto n = std::min(kChunk, in.size() - at);
        int produced = 0;
        if (EVP_DecodeUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data() + total), &produced,
                             reinterpret_cast<const unsigned char*>(in.data() + at), static_cast<int>(n)) < 0)
            return std::nullopt;
        total += static_cast<std::size_t>(produced);
    }
    int produced = 0;
    if (EVP_DecodeFinal(ctx.get(), reinterpret_cast<unsigned char*>(out.data() + total), &produced) != 1)
        return std::nullopt;
    total += static_cast<std::size_t>(produced);
    out.resize(total);
    return out;
}

bool isImage(const std::string& bytes) {
    dom::ImageProbe probe;
    probe.feed(bytes.data(), bytes.size());
    probe.finish();
    return probe.state() == dom::ImageProbe::State::Known;
}

dom::GeneratorError invalidOutput(const std::string& message) {
    return {false, "invalid_output", message};
}

dom::GenerationResult parseSuccess(const std::string& body, const HTTPResponse& response, int wanted,
                                   const std::string& configuredModel) {
    Poco::JSON::Object::Ptr root;
    try {
        root = parseObject(body);
    } catch (const Poco::Exception& e) {
        throw invalidOutput("the image service answered with malformed JSON: " + e.message());
    }
    if (!root) throw invalidOutput("the image service answered with JSON that is not an object");
    const auto data = root->getArray("data");
    if (!data || data->size() == 0) {
        const auto error = providerError(body);
        throw invalidOutput("the image service returned no images" +
                            (error.message ? ": " + *error.message : ""));
    }
    dom::GenerationResult result;
    for (std::size_t i = 0; i < data->size() && result.images.size() < static_cast<std::size_t>(wanted);
         ++i) {
        const auto number = std::to_string(i + 1);
        const auto item = data->getObject(static_cast<unsigned>(i));
        const auto encoded = stringMember(item, "b64_json");
        if (!encoded)
            throw invalidOutput("image " + number + " has no b64_json (the service ignored response_format)");
        auto bytes = decodeBase64(*encoded);
        if (!bytes) throw invalidOutput("image " + number + " is not valid base64");
        if (!isImage(*bytes))
            throw invalidOutput("image " + number + " is not a JPEG, PNG, WebP or GIF image");
        result.images.push_back({std::move(*bytes)});
    }
    result.modelVersion = stringMember(root, "model").value_or(configuredModel);
    const auto requestId = response.get("x-request-id", "");
    result.providerTaskId = !requestId.empty() ? requestId : stringMember(root, "id").value_or("");
    return result;
}

dom::GeneratorError failureFor(const HTTPResponse& response, const std::string& body) {
    const int status = response.getStatus();
    const auto error = providerError(body);
    const auto message = describe(response, error);
    if (status == 429) return {true, "rate_limited", message};
    if (status == 408) return {true, "upstream_timeout", message};
    if (status >= 500) return {true, "upstream_error", message};
    return {false, error.code.value_or("http_" + std::to_string(status)), message};
}

}  // namespace

// ===========================================================================================

OpenAiConfig parseOpenAiGeneratorUri(const std::string& uri) {
    if (!uri.starts_with(kScheme))
        throw badConfig("an OpenAI-compatible generator is openai:https://HOST/v1?model=NAME&key=KEY");
    const std::string_view rest = std::string_view(uri).substr(kScheme.size());
    const auto q = rest.find('?');
    OpenAiConfig c;
    c.baseUrl = std::string(rest.substr(0, q));
    while (!c.baseUrl.empty() && c.baseUrl.back() == '/') c.baseUrl.pop_back();
    const auto base = parseBaseUrl(c.baseUrl);
    if (!base.getRawQuery().empty()) throw badConfig("the base URL has a query of its own");

    // '+' stays '+' in values (API keys may contain it).
    auto params =
        parseUriQuery(q == std::string_view::npos ? std::string_view() : rest.substr(q + 1), "generator");
    const auto take = [&](const std::string& name) { return takeParam(params, name); };
    c.model = take("model").value_or("");
    if (c.model.empty())
        throw badConfig("model is required, as in openai:https://HOST/v1?model=NAME&key=KEY");
    c.apiKey = take("key").value_or("");
    if (auto v = take("timeout")) {
        const auto t = dom::text::parseInteger(*v, 1, kMaxTimeoutSeconds);
        if (!t)
            throw badConfig("timeout must be 1 to " + std::to_string(kMaxTimeoutSeconds) + " seconds, not '" +
                            *v + "'");
        c.timeoutSeconds = static_cast<int>(*t);
    }
    if (auto v = take("caFile")) c.caFile = *v;
    if (auto v = take("sizes")) c.sizes = parseSizes(*v);
    if (!params.empty())
        throw badConfig("unknown parameter '" + params.begin()->first + "' in the openai: URI");
    return c;
}

ProviderSize providerSizeFor(int width, int height, const std::vector<ProviderSize>& sizes) {
    if (sizes.empty() || width < 1 || height < 1) return {width, height};
    const auto shapeDistance = [&](const ProviderSize& s) {
        return std::abs(std::log((static_cast<double>(s.width) / s.height) / (static_cast<double>(width) / height)));
    };
    const auto areaDistance = [&](const ProviderSize& s) {
        return std::abs(std::log(static_cast<double>(s.width) * s.height / (static_cast<double>(width) * height)));
    };
    constexpr double kSameShape = 1e-9;
    ProviderSize best = sizes.front();
    for (const auto& s : sizes) {
        const double ds = shapeDistance(s), db = shapeDistance(best);
        if (ds < db - kSameShape || (ds <= db + kSameShape && areaDistance(s) < areaDistance(best))) best = s;
    }
    return best;
}

// ===========================================================================================

class OpenAiGenerator::TlsContext {
  public:
    Poco::Net::Context::Ptr context;
};

OpenAiGenerator::OpenAiGenerator(OpenAiConfig config) : config_(std::move(config)) {
    const auto base = parseBaseUrl(config_.baseUrl);
    https_ = base.getScheme() == "https";
    host_ = base.getHost();
    port_ = base.getPort();
    std::string path = base.getPath();
    while (!path.empty() && path.back() == '/') path.pop_back();
    path_ = path + "/images/generations";
    if (config_.model.empty()) throw badConfig("model is required");
    if (config_.timeoutSeconds < 1 || config_.timeoutSeconds > kMaxTimeoutSeconds)
        throw badConfig("timeout must be 1 to " + std::to_string(kMaxTimeoutSeconds) + " seconds");
    if (https_) {
        // Built once: a bad caFile stops start-up instead of failing every task.
        try {
            tls_ = std::make_unique<TlsContext>();
            tls_->context =
                new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, config_.caFile,
                                       Poco::Net::Context::VERIFY_RELAXED, 9, config_.caFile.empty());
        } catch (const Poco::Exception& e) {
            throw badConfig("cannot set up TLS (caFile '" + config_.caFile + "'): " + e.displayText());
        }
    }
}

OpenAiGenerator::~OpenAiGenerator() = default;

dom::GenerationResult OpenAiGenerator::generate(const dom::GenerationRequest& request,
                                                dom::GenerationControl& control) {
    const auto size = providerSizeFor(request.width, request.height, config_.sizes);
    dom::JsonWriter json;
    json.beginObject()
        .field("model", config_.model)
        .field("prompt", request.prompt)
        .field("n", request.count)
        .field("size", std::to_string(size.width) + "x" + std::to_string(size.height))
        .field("response_format", "b64_json")
        .endObject();
    const std::string body = json.take();

    if (control.stopRequested()) throw dom::GenerationStopped();
    control.progress(10);

    std::unique_ptr<HTTPClientSession> session;
    if (https_)
        session = std::make_unique<Poco::Net::HTTPSClientSession>(host_, port_, tls_->context);
    else
        session = std::make_unique<HTTPClientSession>(host_, port_);
    const Poco::Timespan timeout(config_.timeoutSeconds, 0);
    session->setTimeout(timeout, timeout, timeout);

    HTTPRequest httpRequest(HTTPRequest::HTTP_POST, path_, HTTPRequest::HTTP_1_1);
    httpRequest.setContentType("application/json");
    httpRequest.setContentLength(static_cast<std::streamsize>(body.size()));
    httpRequest.set("Accept", "application/json");
    if (!config_.apiKey.empty()) httpRequest.set("Authorization", "Bearer " + config_.apiKey);

    HTTPResponse response;
    std::string answer;
    try {
        std::ostream& out = session->sendRequest(httpRequest);
        // Poco's streams turn socket errors into a bad stream; with the mask they surface as the
        // original exception (a timeout stays a timeout).
        out.exceptions(std::ios::badbit);
        out.write(body.data(), static_cast<std::streamsize>(body.size()));
        std::istream& in = session->receiveResponse(response);
        in.exceptions(std::ios::badbit);
        char buffer[kReadChunk];
        while (in.read(buffer, sizeof buffer), in.gcount() > 0) {
            if (answer.size() + static_cast<std::size_t>(in.gcount()) > kMaxResponseBytes)
                throw invalidOutput("the image service answered with more than " +
                                    std::to_string(kMaxResponseBytes / (1024 * 1024)) + " MiB");
            answer.append(buffer, static_cast<std::size_t>(in.gcount()));
        }
    } catch (const Poco::TimeoutException&) {
        throw dom::GeneratorError(
            true, "upstream_timeout",
            "the image service did not answer within " + std::to_string(config_.timeoutSeconds) + " s");
    } catch (const Poco::Exception& e) {
        // Refused, reset, closed without an answer, DNS, TLS: worth another attempt later.
        throw dom::GeneratorError(true, "upstream_unavailable",
                                  "the image service could not be reached: " + e.displayText());
    } catch (const std::ios::failure& e) {
        throw dom::GeneratorError(true, "upstream_unavailable",
                                  std::string("the connection to the image service failed: ") + e.what());
    }
    if (response.hasContentLength() &&
        answer.size() < static_cast<std::size_t>(response.getContentLength64()))
        throw dom::GeneratorError(true, "upstream_unavailable", "the image service's answer ended early");
    control.progress(90);

    const int status = response.getStatus();
    if (status < 200 || status > 299) throw failureFor(response, answer);
    return parseSuccess(answer, response, std::max(1, request.count), config_.model);
}

}  // namespace mofang::persistence
