#pragma once

// Helpers shared by the domain tests: printing domain enums in Boost.Test messages, catching
// a DomainError so that a test can check its reason (kind, code, fields), and a minimal PNG
// that domain::ImageProbe accepts.

#include <cstdint>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/Errors.hpp"
#include "domain/GenerationService.hpp"
#include "domain/ModelPhoto.hpp"
#include "domain/Permissions.hpp"
#include "domain/User.hpp"

namespace mofang::domain {

inline std::ostream& operator<<(std::ostream& os, ErrorKind kind) {
    return os << toString(kind);
}

inline std::ostream& operator<<(std::ostream& os, Role role) {
    return os << toString(role);
}
inline std::ostream& operator<<(std::ostream& os, UserStatus status) {
    return os << toString(status);
}
inline std::ostream& operator<<(std::ostream& os, PhotoStatus s) {
    return os << toString(s);
}
inline std::ostream& operator<<(std::ostream& os, PhotoEvent e) {
    return os << toString(e);
}
inline std::ostream& operator<<(std::ostream& os, ModelImageType t) {
    return os << toString(t);
}
inline std::ostream& operator<<(std::ostream& os, TaskOutcome o) {
    return os << toString(o);
}

}  // namespace mofang::domain

namespace mofang::test {

// Runs `f` and returns the DomainError it throws; anything else (or nothing) fails the test.
template <class F>
domain::DomainError thrownBy(F&& f) {
    try {
        std::forward<F>(f)();
    } catch (const domain::DomainError& e) {
        return e;
    }
    throw std::logic_error("expected a DomainError, but nothing was thrown");
}

// The `field` of every detail, in order.
inline std::vector<std::string> fieldsOf(const domain::DomainError& e) {
    std::vector<std::string> fields;
    for (const auto& d : e.details()) fields.push_back(d.field);
    return fields;
}

// Printable bytes for data-test sample names: non-ASCII and control bytes as \xHH.
inline std::string escaped(const std::string& s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && c < 0x7F) {
            out += ch;
        } else {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

inline std::string be32(std::uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
            static_cast<char>(v)};
}

inline std::uint32_t pngCrc(std::string_view data) {
    std::uint32_t crc = 0xFFFFFFFFu;
    for (const char ch : data) {
        crc ^= static_cast<unsigned char>(ch);
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

inline std::string pngChunk(const std::string& type, const std::string& data) {
    return be32(static_cast<std::uint32_t>(data.size())) + type + data + be32(pngCrc(type + data));
}

// A PNG of `width` × `height` as far as its header goes (signature, IHDR, a token IDAT, IEND):
// enough for ImageProbe, which reads headers only. Different sizes give different bytes.
inline std::string pngOf(std::uint32_t width, std::uint32_t height) {
    static const std::string kSignature("\x89PNG\r\n\x1A\n", 8);
    return kSignature +
           pngChunk("IHDR", be32(width) + be32(height) + std::string("\x08\x06\x00\x00\x00", 5)) +
           pngChunk("IDAT", std::string("\x78\x9C\x63\x00\x00\x00\x01\x00\x01", 9)) + pngChunk("IEND", "");
}

}  // namespace mofang::test
