#pragma once

#include "fcgi/Http.hpp"
#include "fcgi/Metrics.hpp"
#include "fcgi/Router.hpp"

namespace mofang::fcgi {

// The one error boundary: routes a request, turns domain errors into their status and JSON
// body, anything unexpected into a logged 500 with the request id, and records metrics.
class Dispatcher final {
  public:
    Dispatcher(const Router& router, Metrics& metrics) : router_(router), metrics_(metrics) {}

    // Builds the request from FastCGI params and body stream and returns the response to write.
    Response handle(std::map<std::string, std::string> params, Request::BodyReader body);

  private:
    const Router& router_;
    Metrics& metrics_;
};

}  // namespace mofang::fcgi
