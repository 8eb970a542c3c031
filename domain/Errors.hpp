#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mofang::domain {

// What went wrong, as the domain sees it. fcgi/ErrorMapping maps each kind to one HTTP status.
enum class ErrorKind {
    BadRequest,       // malformed input (syntax), not a broken rule
    Unauthenticated,  // no valid session, or wrong credentials
    Forbidden,        // authenticated, but not allowed
    NotFound,
    MethodNotAllowed,
    Conflict,  // duplicate or state conflict
    PayloadTooLarge,
    UnsupportedMediaType,
    RangeNotSatisfiable,
    Validation,   // well-formed but breaks a rule
    RateLimited,  // carries retryAfterSeconds
    Unavailable,  // database or storage down; carries retryAfterSeconds
};

// The kind's name, e.g. "NotFound" (for logs and test output).
constexpr std::string_view toString(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::BadRequest:
            return "BadRequest";
        case ErrorKind::Unauthenticated:
            return "Unauthenticated";
        case ErrorKind::Forbidden:
            return "Forbidden";
        case ErrorKind::NotFound:
            return "NotFound";
        case ErrorKind::MethodNotAllowed:
            return "MethodNotAllowed";
        case ErrorKind::Conflict:
            return "Conflict";
        case ErrorKind::PayloadTooLarge:
            return "PayloadTooLarge";
        case ErrorKind::UnsupportedMediaType:
            return "UnsupportedMediaType";
        case ErrorKind::RangeNotSatisfiable:
            return "RangeNotSatisfiable";
        case ErrorKind::Validation:
            return "Validation";
        case ErrorKind::RateLimited:
            return "RateLimited";
        case ErrorKind::Unavailable:
            return "Unavailable";
    }
    return "Unknown";
}

struct FieldError {
    std::string field;
    std::string message;
};

// The one exception type the domain throws. `code` is the stable machine-readable error code.
class DomainError : public std::runtime_error {
  public:
    DomainError(ErrorKind kind, std::string code, const std::string& message,
                std::vector<FieldError> details = {}, int retryAfterSeconds = 0)
        : std::runtime_error(message),
          kind_(kind),
          code_(std::move(code)),
          details_(std::move(details)),
          retryAfterSeconds_(retryAfterSeconds) {}

    ErrorKind kind() const noexcept { return kind_; }
    const std::string& code() const noexcept { return code_; }
    const std::vector<FieldError>& details() const noexcept { return details_; }
    int retryAfterSeconds() const noexcept { return retryAfterSeconds_; }

  private:
    ErrorKind kind_;
    std::string code_;
    std::vector<FieldError> details_;
    int retryAfterSeconds_;
};

inline DomainError badRequest(const std::string& message, std::vector<FieldError> details = {}) {
    return {ErrorKind::BadRequest, "bad_request", message, std::move(details)};
}
inline DomainError unauthenticated(const std::string& message = "authentication required") {
    return {ErrorKind::Unauthenticated, "unauthenticated", message};
}
inline DomainError forbidden(const std::string& message = "permission denied",
                             std::string code = "forbidden") {
    return {ErrorKind::Forbidden, std::move(code), message};
}
inline DomainError notFound(const std::string& message = "not found") {
    return {ErrorKind::NotFound, "not_found", message};
}
inline DomainError conflict(const std::string& message, std::vector<FieldError> details = {}) {
    return {ErrorKind::Conflict, "conflict", message, std::move(details)};
}
inline DomainError validationFailed(std::vector<FieldError> details) {
    std::string message =
        details.empty() ? "validation failed" : details.front().field + ": " + details.front().message;
    return {ErrorKind::Validation, "validation_failed", message, std::move(details)};
}
inline DomainError payloadTooLarge(const std::string& message = "request body too large") {
    return {ErrorKind::PayloadTooLarge, "payload_too_large", message};
}
inline DomainError unsupportedMediaType(const std::string& message) {
    return {ErrorKind::UnsupportedMediaType, "unsupported_media_type", message};
}
inline DomainError unavailable(const std::string& message, int retryAfterSeconds = 5) {
    return {ErrorKind::Unavailable, "unavailable", message, {}, retryAfterSeconds};
}

// Collects field errors so that a request reports every broken rule at once.
class FieldErrors {
  public:
    void add(std::string field, std::string message) {
        errors_.push_back({std::move(field), std::move(message)});
    }
    bool empty() const { return errors_.empty(); }
    const std::vector<FieldError>& items() const { return errors_; }
    void throwIfAny() const {
        if (!errors_.empty()) throw validationFailed(errors_);
    }

  private:
    std::vector<FieldError> errors_;
};

}  // namespace mofang::domain
