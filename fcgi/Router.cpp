#include "fcgi/Router.hpp"

#include <algorithm>

namespace mofang::fcgi {
namespace {

std::vector<std::string> split(const std::string& path) {
    std::vector<std::string> out;
    std::size_t start = 1;
    while (start <= path.size()) {
        auto slash = path.find('/', start);
        if (slash == std::string::npos) slash = path.size();
        out.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return out;
}

bool isParam(const std::string& segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Literal segments count more, so /users/me would beat /users/{id}.
int specificity(const std::vector<std::string>& segments) {
    int score = 0;
    for (const auto& s : segments) score = score * 2 + (isParam(s) ? 0 : 1);
    return score;
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler) {
    auto segments = split(pattern);
    routes_.push_back({std::move(method), std::move(pattern), std::move(segments), std::move(handler)});
    std::stable_sort(routes_.begin(), routes_.end(), [](const Route& a, const Route& b) {
        return specificity(a.segments) > specificity(b.segments);
    });
}

Router::Match Router::match(Request& request) const {
    Match result;
    result.pattern = "unmatched";
    if (request.path().empty() || request.path().front() != '/') return result;
    const auto segments = split(request.path());
    for (const auto& route : routes_) {
        if (route.segments.size() != segments.size()) continue;
        std::map<std::string, std::string, std::less<>> params;
        bool ok = true;
        for (std::size_t i = 0; i < segments.size() && ok; ++i) {
            if (isParam(route.segments[i])) {
                if (segments[i].empty())
                    ok = false;
                else
                    params[route.segments[i].substr(1, route.segments[i].size() - 2)] = segments[i];
            } else {
                ok = route.segments[i] == segments[i];
            }
        }
        if (!ok) continue;
        const bool methodOk =
            route.method == request.method() || (route.method == "GET" && request.method() == "HEAD");
        if (!methodOk) {
            if (std::find(result.allowed.begin(), result.allowed.end(), route.method) == result.allowed.end())
                result.allowed.push_back(route.method);
            result.pattern = route.pattern;
            continue;
        }
        result.handler = &route.handler;
        result.pattern = route.pattern;
        result.allowed.clear();
        request.pathParams = std::move(params);
        return result;
    }
    return result;
}

}  // namespace mofang::fcgi
