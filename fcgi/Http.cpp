#include "fcgi/Http.hpp"

#include "domain/Errors.hpp"
#include "domain/Text.hpp"

namespace mofang::fcgi {
namespace dom = mofang::domain;

std::optional<std::string> percentDecode(std::string_view s, bool plusAsSpace) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size()) return std::nullopt;
            const auto hex = [](char h) -> int {
                if (h >= '0' && h <= '9') return h - '0';
                if (h >= 'a' && h <= 'f') return h - 'a' + 10;
                if (h >= 'A' && h <= 'F') return h - 'A' + 10;
                return -1;
            };
            const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plusAsSpace) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

Request::Request(std::map<std::string, std::string> params, BodyReader body)
    : params_(std::move(params)), body_(std::move(body)) {
    method_ = param("REQUEST_METHOD").value_or("GET");
    requestId_ = param("REQUEST_ID").value_or("");
    remoteAddr_ = param("REMOTE_ADDR").value_or("");
    // DOCUMENT_URI is nginx's normalised path without the query string.
    auto uri = param("DOCUMENT_URI");
    if (!uri) {
        auto raw = param("REQUEST_URI").value_or("/");
        raw = raw.substr(0, raw.find('?'));
        uri = percentDecode(raw, false).value_or(raw);
    }
    path_ = *uri;
    if (auto len = param("CONTENT_LENGTH"); len && !len->empty()) {
        const auto n = dom::text::parseInteger(*len, 0, (1LL << 62));
        if (!n) throw dom::badRequest("malformed Content-Length");
        contentLength_ = static_cast<std::size_t>(*n);
    }
    const std::string qs = param("QUERY_STRING").value_or("");
    std::size_t start = 0;
    while (start < qs.size()) {
        auto amp = qs.find('&', start);
        if (amp == std::string::npos) amp = qs.size();
        const std::string_view part(qs.data() + start, amp - start);
        if (!part.empty()) {
            const auto eq = part.find('=');
            auto k = percentDecode(part.substr(0, eq), true);
            auto v =
                percentDecode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1), true);
            if (!k || !v || !dom::text::isValidUtf8(*k) || !dom::text::isValidUtf8(*v))
                throw dom::badRequest("malformed query string");
            query_.emplace_back(std::move(*k), std::move(*v));
        }
        start = amp + 1;
    }
}

std::optional<std::string> Request::param(const std::string& name) const {
    const auto it = params_.find(name);
    if (it == params_.end()) return std::nullopt;
    return it->second;
}

std::optional<std::string> Request::header(std::string_view name) const {
    std::string key = "HTTP_";
    for (const char c : name)
        key += c == '-' ? '_' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    if (key == "HTTP_CONTENT_TYPE") return param("CONTENT_TYPE");
    if (key == "HTTP_CONTENT_LENGTH") return param("CONTENT_LENGTH");
    return param(key);
}

std::optional<std::string> Request::cookie(std::string_view name) const {
    const auto all = header("Cookie");
    if (!all) return std::nullopt;
    std::string_view rest(*all);
    while (!rest.empty()) {
        const auto semi = rest.find(';');
        std::string_view pair = rest.substr(0, semi);
        rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
        while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos) continue;
        if (pair.substr(0, eq) == name) {
            auto value = pair.substr(eq + 1);
            while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
                value = value.substr(1, value.size() - 2);
            return std::string(value);
        }
    }
    return std::nullopt;
}

std::optional<std::string> Request::query(std::string_view name) const {
    for (const auto& [k, v] : query_)
        if (k == name) return v;
    return std::nullopt;
}

std::vector<std::string> Request::queryAll(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : query_)
        if (k == name) out.push_back(v);
    return out;
}

std::string Request::contentType() const {
    return param("CONTENT_TYPE").value_or("");
}

std::string Request::readBody(std::size_t maxBytes) {
    if (contentLength_ && *contentLength_ > maxBytes) throw dom::payloadTooLarge();
    std::string body;
    if (contentLength_) body.reserve(*contentLength_);
    char buf[16384];
    for (;;) {
        const std::size_t n = body_(buf, sizeof buf);
        if (n == 0) break;
        if (body.size() + n > maxBytes) throw dom::payloadTooLarge();
        body.append(buf, n);
    }
    return body;
}

Response Response::json(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

Response Response::noContent() {
    Response r;
    r.status = 204;
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

Response Response::text(int status, std::string body, std::string contentType) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    r.headers.emplace_back("Content-Type", std::move(contentType));
    return r;
}

std::string_view reasonPhrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 202:
            return "Accepted";
        case 204:
            return "No Content";
        case 206:
            return "Partial Content";
        case 302:
            return "Found";
        case 304:
            return "Not Modified";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 409:
            return "Conflict";
        case 413:
            return "Payload Too Large";
        case 415:
            return "Unsupported Media Type";
        case 416:
            return "Range Not Satisfiable";
        case 422:
            return "Unprocessable Entity";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        default:
            return "Unknown";
    }
}

}  // namespace mofang::fcgi
