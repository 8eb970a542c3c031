#include "fcgi/ErrorMapping.hpp"

#include "domain/Json.hpp"

namespace mofang::fcgi {

using domain::ErrorKind;

int statusFor(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::BadRequest:
            return 400;
        case ErrorKind::Unauthenticated:
            return 401;
        case ErrorKind::Forbidden:
            return 403;
        case ErrorKind::NotFound:
            return 404;
        case ErrorKind::MethodNotAllowed:
            return 405;
        case ErrorKind::Conflict:
            return 409;
        case ErrorKind::PayloadTooLarge:
            return 413;
        case ErrorKind::UnsupportedMediaType:
            return 415;
        case ErrorKind::RangeNotSatisfiable:
            return 416;
        case ErrorKind::Validation:
            return 422;
        case ErrorKind::RateLimited:
            return 429;
        case ErrorKind::Unavailable:
            return 503;
    }
    return 500;
}

Response errorResponse(const domain::DomainError& error) {
    domain::JsonWriter w;
    w.beginObject().key("error").beginObject().field("code", error.code()).field("message", error.what());
    if (!error.details().empty()) {
        w.key("details").beginArray();
        for (const auto& d : error.details())
            w.beginObject().field("field", d.field).field("message", d.message).endObject();
        w.endArray();
    }
    w.endObject().endObject();
    Response r = Response::json(statusFor(error.kind()), w.take());
    if (error.retryAfterSeconds() > 0) r.header("Retry-After", std::to_string(error.retryAfterSeconds()));
    if (error.kind() == ErrorKind::Unauthenticated) r.header("WWW-Authenticate", "Bearer");
    return r;
}

Response internalErrorResponse(const std::string& requestId) {
    domain::JsonWriter w;
    w.beginObject()
        .key("error")
        .beginObject()
        .field("code", "internal_error")
        .field("message", "internal server error")
        .field("requestId", requestId)
        .endObject()
        .endObject();
    return Response::json(500, w.take());
}

}  // namespace mofang::fcgi
