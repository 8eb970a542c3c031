#pragma once

#include <functional>
#include <string>
#include <vector>

#include "fcgi/Http.hpp"

namespace mofang::fcgi {

using Handler = std::function<Response(Request&)>;

// Method + path pattern → handler. Patterns are literal segments and `{name}` parameters
// (`/api/v1/users/{id}`); a literal segment wins over a parameter at the same place.
class Router final {
  public:
    void add(std::string method, std::string pattern, Handler handler);

    struct Match {
        const Handler* handler = nullptr;  // null: no route
        std::string pattern;               // for metrics; "unmatched" when nothing matched
        std::vector<std::string> allowed;  // when the path exists with other methods (→ 405)
    };
    // Fills request.pathParams on a match.
    Match match(Request& request) const;

  private:
    struct Route {
        std::string method;
        std::string pattern;
        std::vector<std::string> segments;
        Handler handler;
    };
    std::vector<Route> routes_;
};

}  // namespace mofang::fcgi
