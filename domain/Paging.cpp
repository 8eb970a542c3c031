#include "domain/Paging.hpp"

#include <limits>

#include "domain/Errors.hpp"
#include "domain/Text.hpp"

namespace mofang::domain {

int parsePageLimit(std::optional<std::string_view> raw) {
    if (!raw) return kDefaultPageLimit;
    const auto value = text::parseInteger(*raw, 1, std::numeric_limits<long long>::max());
    if (!value) {
        // A huge all-digit number is still a valid (clamped) limit.
        const bool allDigits = !raw->empty() && raw->size() <= 64 &&
                               raw->find_first_not_of("0123456789") == std::string_view::npos &&
                               raw->find_first_not_of('0') != std::string_view::npos;
        if (allDigits) return kMaxPageLimit;
        throw badRequest("limit must be a positive integer", {{"limit", "must be a positive integer"}});
    }
    return *value > kMaxPageLimit ? kMaxPageLimit : static_cast<int>(*value);
}

std::string encodeCursor(std::string_view tag, std::string_view payload) {
    std::string plain(tag);
    plain += '|';
    plain += payload;
    return text::base64UrlEncode(plain);
}

std::string decodeCursor(std::string_view tag, std::string_view cursor) {
    const auto bad = [] {
        return badRequest("malformed cursor", {{"cursor", "is not a cursor of this list"}});
    };
    // Room for a sort key of 100 four-byte characters; anything longer is not ours.
    if (cursor.empty() || cursor.size() > 1024) throw bad();
    const auto plain = text::base64UrlDecode(cursor);
    if (!plain || plain->size() <= tag.size() || plain->compare(0, tag.size(), tag) != 0 ||
        (*plain)[tag.size()] != '|')
        throw bad();
    return plain->substr(tag.size() + 1);
}

std::string encodeIdCursor(std::string_view tag, std::int64_t id) {
    return encodeCursor(tag, std::to_string(id));
}

std::int64_t decodeIdCursor(std::string_view tag, std::string_view cursor) {
    const auto payload = decodeCursor(tag, cursor);
    const auto id = text::parseInteger(payload, 0, std::numeric_limits<long long>::max());
    if (!id) throw badRequest("malformed cursor", {{"cursor", "is not a cursor of this list"}});
    return *id;
}

}  // namespace mofang::domain
