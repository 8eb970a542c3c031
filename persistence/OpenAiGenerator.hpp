#pragma once

#include <memory>
#include <string>
#include <vector>

#include "domain/Generator.hpp"

namespace mofang::persistence {

struct ProviderSize {
    int width = 0;
    int height = 0;
    bool operator==(const ProviderSize&) const = default;
};

// The `generator` URI of an OpenAI-compatible Images API:
//   openai:https://HOST[:PORT]/PATH?model=NAME&key=KEY[&timeout=SECONDS][&caFile=PEM][&sizes=WxH,…]
// (http:// too, for tests on loopback). Values are percent-decoded ('+' stays '+').
struct OpenAiConfig {
    std::string baseUrl;  // scheme://host[:port][/path], without a trailing slash
    std::string model;
    std::string apiKey;        // sent as "Authorization: Bearer KEY"; none when empty
    int timeoutSeconds = 120;  // connect, send and receive, each
    std::string caFile;        // PEM CA bundle for https (default: the system's)
    // The only sizes the provider accepts (e.g. OpenAI's 1024x1024, 1024x1536, 1536x1024), or
    // none: then the computed size is sent.
    std::vector<ProviderSize> sizes;
};

// The size to send for a computed width × height: that size itself without a list, otherwise
// the listed size nearest in shape (aspect ratio), and among equally near ones the one nearest
// in area. Pure.
ProviderSize providerSizeFor(int width, int height, const std::vector<ProviderSize>& sizes);

// Parses and validates an openai: URI; throws domain::ConfigError("generator", …) naming what is
// wrong (never quoting the key).
OpenAiConfig parseOpenAiGeneratorUri(const std::string& uri);

// domain::Generator on `POST {baseUrl}/images/generations` with `response_format: "b64_json"`.
// One generate() is one HTTP request on a session of its own (retries are the worker's), so one
// instance may serve many threads at once. Timeouts, connection failures, 429 and 5xx throw a
// transient GeneratorError ("upstream_timeout", "upstream_unavailable", "rate_limited",
// "upstream_error"); other statuses a permanent one with the provider's error code and message;
// a success without decodable images "invalid_output".
class OpenAiGenerator final : public domain::Generator {
  public:
    // Throws domain::ConfigError("generator", …) on a bad config (e.g. an unreadable caFile).
    explicit OpenAiGenerator(OpenAiConfig config);
    ~OpenAiGenerator() override;
    domain::GenerationResult generate(const domain::GenerationRequest& request,
                                      domain::GenerationControl& control) override;
    const OpenAiConfig& config() const { return config_; }

  private:
    OpenAiConfig config_;
    bool https_ = false;
    std::string host_;
    unsigned short port_ = 0;
    std::string path_;  // of the images/generations endpoint
    class TlsContext;
    std::unique_ptr<TlsContext> tls_;  // https only; shared by all calls
};

}  // namespace mofang::persistence
