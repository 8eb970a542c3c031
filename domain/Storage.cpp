#include "domain/Storage.hpp"

namespace mofang::domain {

std::string contentAddressedPath(std::string_view key) {
    std::string out;
    out.reserve(key.size() + 6);
    out.append(key.substr(0, 2)).append("/").append(key.substr(2, 2)).append("/").append(key);
    return out;
}

bool isContentKey(std::string_view key) {
    if (key.size() != 64) return false;
    for (const char c : key)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

}  // namespace mofang::domain
