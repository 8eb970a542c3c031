#pragma once

#include <string>

#include "domain/Errors.hpp"
#include "fcgi/Http.hpp"

namespace mofang::fcgi {

// The one table from domain error kinds to HTTP statuses.
int statusFor(domain::ErrorKind kind);
// The SPEC §5 error body for a domain error, with Retry-After where the error carries one.
Response errorResponse(const domain::DomainError& error);
// 500 with the request id, for anything unexpected (the cause goes to the log, not the client).
Response internalErrorResponse(const std::string& requestId);

}  // namespace mofang::fcgi
