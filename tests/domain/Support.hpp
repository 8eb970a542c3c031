#pragma once

// Helpers shared by the domain tests: printing domain enums in Boost.Test messages and
// catching a DomainError so that a test can check its reason (kind, code, fields).

#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "domain/Errors.hpp"
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

}  // namespace mofang::test
