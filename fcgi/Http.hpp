#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mofang::fcgi {

// One HTTP request as the FastCGI adapter hands it to the routes: CGI params, decoded query
// string, headers, cookies, and the body as a stream. Independent of libfcgi.
class Request final {
  public:
    using BodyReader = std::function<std::size_t(char* buffer, std::size_t size)>;  // 0 at end

    // `params` are the CGI/FastCGI params (REQUEST_METHOD, HTTP_*, ...). Throws bad request (400)
    // when the query string is malformed.
    Request(std::map<std::string, std::string> params, BodyReader body);

    const std::string& method() const { return method_; }
    const std::string& path() const { return path_; }
    const std::string& requestId() const { return requestId_; }
    const std::string& remoteAddr() const { return remoteAddr_; }
    std::optional<std::string> param(const std::string& name) const;
    // By header name, e.g. "X-CSRF-Token" (looked up as HTTP_X_CSRF_TOKEN).
    std::optional<std::string> header(std::string_view name) const;
    std::optional<std::string> cookie(std::string_view name) const;
    // First value of a query parameter; all values of a repeatable one.
    std::optional<std::string> query(std::string_view name) const;
    std::vector<std::string> queryAll(std::string_view name) const;
    std::optional<std::size_t> contentLength() const { return contentLength_; }
    std::string contentType() const;

    // Reads the whole body; more than `maxBytes` → payload too large (413).
    std::string readBody(std::size_t maxBytes);
    // The body as a stream, for uploads.
    std::size_t readSome(char* buffer, std::size_t size) { return body_(buffer, size); }

    // Path parameters filled in by the router ({id} → value).
    std::map<std::string, std::string, std::less<>> pathParams;

  private:
    std::map<std::string, std::string> params_;
    BodyReader body_;
    std::string method_, path_, requestId_, remoteAddr_;
    std::vector<std::pair<std::string, std::string>> query_;
    std::optional<std::size_t> contentLength_;
};

// Where a streamed body goes. write() returns false once the client is gone (stop then);
// abort() breaks the connection so that the client sees a truncated response, never a complete
// but wrong one.
class BodySink {
  public:
    virtual ~BodySink() = default;
    virtual bool write(const char* data, std::size_t size) = 0;
    virtual void abort() = 0;
};

struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // A body produced while it is sent (downloads): when set, `body` is ignored, the head carries
    // Content-Length: streamLength, and `stream` is called once the head is out.
    std::function<void(BodySink&)> stream;
    std::uint64_t streamLength = 0;

    static Response json(int status, std::string body);
    static Response noContent();
    static Response text(int status, std::string body, std::string contentType);
    Response& header(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
        return *this;
    }
};

std::string_view reasonPhrase(int status);
// Percent-decoding (and '+' as space in query strings); nullopt when an escape is malformed.
std::optional<std::string> percentDecode(std::string_view s, bool plusAsSpace);

}  // namespace mofang::fcgi
