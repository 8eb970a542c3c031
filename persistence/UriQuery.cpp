#include "persistence/UriQuery.hpp"

#include "domain/Config.hpp"

namespace mofang::persistence {
namespace {

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string percentDecode(std::string_view s, const std::string& configKey, const std::string& name) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        const int hi = i + 2 < s.size() ? hexValue(s[i + 1]) : -1;
        const int lo = i + 2 < s.size() ? hexValue(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) throw domain::ConfigError(configKey, name + " has a malformed %-escape");
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

std::map<std::string, std::string> parseUriQuery(std::string_view query, const std::string& configKey) {
    std::map<std::string, std::string> params;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto item = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (item.empty()) continue;
        const auto eq = item.find('=');
        const std::string name(item.substr(0, eq));
        params[name] =
            eq == std::string_view::npos ? "" : percentDecode(item.substr(eq + 1), configKey, name);
    }
    return params;
}

std::optional<std::string> takeParam(std::map<std::string, std::string>& params, const std::string& name) {
    const auto it = params.find(name);
    if (it == params.end()) return std::nullopt;
    auto value = std::move(it->second);
    params.erase(it);
    return value;
}

}  // namespace mofang::persistence
