// libFuzzer target for fcgi/Multipart.cpp. The first two input bytes choose how the body is
// served (source piece size, read size, limits, boundary); the rest is the body. Each input is
// parsed twice, in small pieces and all at once, and the two results must agree: a reader that
// depends on where the source splits the stream crashes here. DomainError BadRequest is the
// expected outcome of malformed input; anything else (another exception, a sanitizer report, a
// disagreement) is a crash.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/Errors.hpp"
#include "fcgi/Multipart.hpp"

namespace {

using mofang::domain::DomainError;
using mofang::domain::ErrorKind;
using mofang::fcgi::MultipartReader;

struct Outcome {
    std::vector<std::string> parts;    // name, filename, content type and body of each, flattened
    std::optional<std::string> error;  // code and message of the DomainError, if any
    bool operator==(const Outcome&) const = default;
};

Outcome parse(std::string_view body, const std::string& boundary, std::size_t piece, std::size_t readSize,
              MultipartReader::Limits limits) {
    std::size_t pos = 0;
    MultipartReader reader(
        [body, piece, &pos](char* buffer, std::size_t size) -> std::size_t {
            const std::size_t n = std::min({size, piece, body.size() - pos});
            std::memcpy(buffer, body.data() + pos, n);
            pos += n;
            return n;
        },
        boundary, limits);
    Outcome outcome;
    std::vector<char> buffer(readSize);
    std::size_t bodyBytes = 0;
    try {
        while (auto part = reader.nextPart()) {
            if (part->name.empty()) std::abort();
            std::string content;
            while (const std::size_t n = reader.read(buffer.data(), buffer.size())) {
                if (n > buffer.size()) std::abort();
                content.append(buffer.data(), n);
            }
            if (reader.read(buffer.data(), buffer.size()) != 0) std::abort();  // stays at the end
            bodyBytes += content.size();
            if (bodyBytes > body.size()) std::abort();
            outcome.parts.push_back(part->name);
            outcome.parts.push_back(part->filename ? "=" + *part->filename : "-");
            outcome.parts.push_back(part->contentType);
            outcome.parts.push_back(std::move(content));
        }
        if (reader.nextPart()) std::abort();  // stays done
    } catch (const DomainError& e) {
        if (e.kind() != ErrorKind::BadRequest || e.code() != "malformed_multipart") std::abort();
        outcome.error = e.code() + ": " + e.what();
        try {
            reader.nextPart();
            std::abort();  // the error must stick
        } catch (const DomainError& again) {
            if (std::string_view(again.what()) != e.what()) std::abort();
        }
    }
    return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    static const std::array<std::string, 4> kBoundaries = {
        "B", "BOUNDARY", "----WebKitFormBoundary7MA4YWxkTrZu0gW", "a'()+_,-./:=? z"};
    const std::size_t piece = 1 + data[0] % 8;            // 1..8 bytes per source read
    const std::size_t readSize = 1 + (data[0] >> 3) % 8;  // 1..8 bytes per read()
    const std::string& boundary = kBoundaries[data[1] % kBoundaries.size()];
    // Small limits so that the fuzzer reaches them; sometimes the defaults.
    const std::size_t level = (data[1] >> 2) % 8;
    const MultipartReader::Limits limits =
        (data[1] & 0x80) ? MultipartReader::Limits{} : MultipartReader::Limits{64 + level * 32, 1 + level};
    const std::string_view body(reinterpret_cast<const char*>(data) + 2, size - 2);

    // The Content-Type parser gets the body's first line.
    (void)mofang::fcgi::multipartBoundary(body.substr(0, body.find('\n')));

    const Outcome pieces = parse(body, boundary, piece, readSize, limits);
    const Outcome whole = parse(body, boundary, body.size() + 1, 64 * 1024, limits);
    if (!(pieces == whole)) std::abort();
    return 0;
}
