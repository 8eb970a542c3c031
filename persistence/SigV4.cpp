#include "persistence/SigV4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <stdexcept>

namespace mofang::persistence::sigv4 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// A header value as signed: surrounding blanks trimmed, inner runs of blanks made one space.
std::string trimmedValue(std::string_view v) {
    std::string out;
    bool blank = false;
    for (const char c : v) {
        if (c == ' ' || c == '\t') {
            blank = true;
            continue;
        }
        if (blank && !out.empty()) out += ' ';
        blank = false;
        out += c;
    }
    return out;
}

// Headers with lower-case names, sorted by name; repeated names joined with ','.
Pairs canonicalHeaders(const Pairs& headers) {
    Pairs sorted;
    sorted.reserve(headers.size());
    for (const auto& [name, value] : headers) sorted.emplace_back(lower(name), trimmedValue(value));
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    Pairs merged;
    for (auto& h : sorted) {
        if (!merged.empty() && merged.back().first == h.first)
            merged.back().second += "," + h.second;
        else
            merged.push_back(std::move(h));
    }
    return merged;
}

}  // namespace

std::string hex(std::string_view bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(bytes.size() * 2, '0');
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const auto b = static_cast<unsigned char>(bytes[i]);
        out[2 * i] = kHex[b >> 4];
        out[2 * i + 1] = kHex[b & 15];
    }
    return out;
}

std::string sha256Hex(std::string_view bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");
    return hex(std::string_view(reinterpret_cast<const char*>(digest), len));
}

std::string hmacSha256(std::string_view key, std::string_view data) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len))
        throw std::runtime_error("HMAC-SHA256 failed");
    return std::string(reinterpret_cast<const char*>(mac), len);
}

std::string amzDate(std::time_t t) {
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

std::string uriEncode(std::string_view s, bool encodeSlash) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size() * 3);
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved || (c == '/' && !encodeSlash)) {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

std::string canonicalQuery(const Pairs& query) {
    Pairs encoded;
    encoded.reserve(query.size());
    for (const auto& [k, v] : query) encoded.emplace_back(uriEncode(k), uriEncode(v));
    std::sort(encoded.begin(), encoded.end());
    std::string out;
    for (const auto& [k, v] : encoded) {
        if (!out.empty()) out += '&';
        out += k + "=" + v;
    }
    return out;
}

std::string signedHeaders(const Pairs& headers) {
    std::string out;
    for (const auto& h : canonicalHeaders(headers)) {
        if (!out.empty()) out += ';';
        out += h.first;
    }
    return out;
}

std::string canonicalRequest(const Request& request) {
    std::string out = request.method + "\n";
    out += uriEncode(request.path.empty() ? "/" : request.path, false) + "\n";
    out += canonicalQuery(request.query) + "\n";
    const auto headers = canonicalHeaders(request.headers);
    for (const auto& [name, value] : headers) out += name + ":" + value + "\n";
    out += "\n" + signedHeaders(request.headers) + "\n";
    out += request.payloadHash;
    return out;
}

std::string credentialScope(std::string_view date, const Credentials& credentials) {
    return std::string(date.substr(0, 8)) + "/" + credentials.region + "/" + credentials.service +
           "/aws4_request";
}

std::string stringToSign(std::string_view amzDate, std::string_view scope,
                         std::string_view canonicalRequest) {
    std::string out(kAlgorithm);
    out += "\n";
    out += amzDate;
    out += "\n";
    out += scope;
    out += "\n";
    out += sha256Hex(canonicalRequest);
    return out;
}

std::string signingKey(std::string_view secretKey, std::string_view date, std::string_view region,
                       std::string_view service) {
    const auto kDate = hmacSha256("AWS4" + std::string(secretKey), date.substr(0, 8));
    const auto kRegion = hmacSha256(kDate, region);
    const auto kService = hmacSha256(kRegion, service);
    return hmacSha256(kService, "aws4_request");
}

std::string signature(const Credentials& credentials, std::string_view amzDate, const Request& request) {
    const auto scope = credentialScope(amzDate, credentials);
    const auto key = signingKey(credentials.secretKey, amzDate, credentials.region, credentials.service);
    return hex(hmacSha256(key, stringToSign(amzDate, scope, canonicalRequest(request))));
}

std::string authorization(const Credentials& credentials, std::string_view amzDate, const Request& request) {
    return std::string(kAlgorithm) + " Credential=" + credentials.accessKey + "/" +
           credentialScope(amzDate, credentials) + ", SignedHeaders=" + signedHeaders(request.headers) +
           ", Signature=" + signature(credentials, amzDate, request);
}

std::string presignedQuery(const Credentials& credentials, std::string_view amzDate,
                           std::int64_t expiresSeconds, Request request) {
    request.payloadHash = std::string(kUnsignedPayload);
    request.query.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
    request.query.emplace_back("X-Amz-Credential",
                               credentials.accessKey + "/" + credentialScope(amzDate, credentials));
    request.query.emplace_back("X-Amz-Date", std::string(amzDate));
    request.query.emplace_back("X-Amz-Expires", std::to_string(expiresSeconds));
    request.query.emplace_back("X-Amz-SignedHeaders", signedHeaders(request.headers));
    const auto sig = signature(credentials, amzDate, request);
    return canonicalQuery(request.query) + "&X-Amz-Signature=" + sig;
}

}  // namespace mofang::persistence::sigv4
