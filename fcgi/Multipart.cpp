#include "fcgi/Multipart.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "domain/Errors.hpp"

// Standard library and domain/Errors.hpp only: the fuzz target compiles this file on its own.

namespace mofang::fcgi {
namespace dom = mofang::domain;

namespace {

// Large enough that read() hands out big chunks; the only buffer besides one part's headers.
constexpr std::size_t kBufferSize = 64 * 1024;

dom::DomainError malformed(const std::string& what) {
    return {dom::ErrorKind::BadRequest, "malformed_multipart", "malformed multipart body: " + what};
}

bool isSpace(char c) {
    return c == ' ' || c == '\t';
}

char asciiLower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string asciiLower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = asciiLower(c);
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return asciiLower(x) == asciiLower(y); });
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
    while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
    return s;
}

// RFC 9110 tchar.
bool isTokenChar(char c) {
    static constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           kSymbols.find(c) != std::string_view::npos;
}

// RFC 2046 bchars: the boundary may contain spaces, but not end with one.
bool isValidBoundary(std::string_view b) {
    static constexpr std::string_view kSymbols = "'()+_,-./:=? ";
    const auto isBchar = [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               kSymbols.find(c) != std::string_view::npos;
    };
    return !b.empty() && b.size() <= 70 && b.back() != ' ' && std::all_of(b.begin(), b.end(), isBchar);
}

using Parameters = std::vector<std::pair<std::string, std::string>>;

// True when the '"' at `quote` ends a quoted parameter value: only spaces, then ';' or the end.
bool closesValue(std::string_view s, std::size_t quote) {
    std::size_t j = quote + 1;
    while (j < s.size() && isSpace(s[j])) ++j;
    return j == s.size() || s[j] == ';';
}

// The `; name=value` list that follows a media type or disposition type (starting at its first
// ';'): names lower-cased, quoted-string values unescaped (see the backslash rule below), unquoted
// values trimmed; nullopt when
// malformed (no '=', an unterminated quoted string, text after a closing quote).
std::optional<Parameters> parseParameters(std::string_view s) {
    Parameters params;
    std::size_t i = 0;
    const auto skipSpace = [&] {
        while (i < s.size() && isSpace(s[i])) ++i;
    };
    for (;;) {
        skipSpace();
        if (i == s.size()) return params;
        if (s[i] != ';') return std::nullopt;
        ++i;
        skipSpace();
        if (i == s.size() || s[i] == ';') continue;  // a trailing or doubled ';'
        const std::size_t nameStart = i;
        while (i < s.size() && isTokenChar(s[i])) ++i;
        if (i == nameStart) return std::nullopt;
        std::string name = asciiLower(s.substr(nameStart, i - nameStart));
        skipSpace();
        if (i == s.size() || s[i] != '=') return std::nullopt;
        ++i;
        skipSpace();
        std::string value;
        if (i < s.size() && s[i] == '"') {
            ++i;
            bool closed = false;
            while (i < s.size()) {
                char c = s[i++];
                if (c == '"') {
                    closed = true;
                    break;
                }
                // Browsers send backslashes in file names as they are (only '"', CR and LF are
                // percent-encoded, per the HTML standard), while some tools escape '"' and '\' as
                // quoted-pairs. So a backslash escapes only a following '\', or a '"' that does
                // not close the value (C:\dir\ ends in a plain backslash).
                if (c == '\\' && i < s.size() && (s[i] == '\\' || (s[i] == '"' && !closesValue(s, i)))) c = s[i++];
                value += c;
            }
            if (!closed) return std::nullopt;
        } else {
            const std::size_t valueStart = i;
            while (i < s.size() && s[i] != ';') ++i;
            const std::string_view token = trimmed(s.substr(valueStart, i - valueStart));
            if (token.find('"') != std::string_view::npos) return std::nullopt;
            value = token;
        }
        params.emplace_back(std::move(name), std::move(value));
    }
}

int hexValue(char h) {
    if (h >= '0' && h <= '9') return h - '0';
    if (h >= 'a' && h <= 'f') return h - 'a' + 10;
    if (h >= 'A' && h <= 'F') return h - 'A' + 10;
    return -1;
}

// An RFC 5987 ext-value (charset'language'percent-encoded) as UTF-8; nullopt for a charset other
// than UTF-8 or ISO-8859-1 (the two that RFC 5987 requires), so that filename="…" applies.
std::optional<std::string> decodeExtValue(std::string_view v) {
    const auto quote1 = v.find('\'');
    const auto quote2 = quote1 == std::string_view::npos ? quote1 : v.find('\'', quote1 + 1);
    if (quote2 == std::string_view::npos) throw malformed("filename* is not charset'language'value");
    const std::string_view charset = v.substr(0, quote1);
    const std::string_view encoded = v.substr(quote2 + 1);
    std::string bytes;
    bytes.reserve(encoded.size());
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        if (encoded[i] != '%') {
            bytes += encoded[i];
            continue;
        }
        const int hi = i + 2 < encoded.size() ? hexValue(encoded[i + 1]) : -1;
        const int lo = hi < 0 ? -1 : hexValue(encoded[i + 2]);
        if (lo < 0) throw malformed("filename* has a malformed percent-escape");
        bytes += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    if (iequals(charset, "utf-8")) return bytes;
    if (!iequals(charset, "iso-8859-1")) return std::nullopt;
    std::string utf8;
    for (const char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x80) {
            utf8 += ch;
        } else {
            utf8 += static_cast<char>(0xC0 | (c >> 6));
            utf8 += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
    return utf8;
}

// name, filename and filename* from a Content-Disposition value; throws when it is not form-data
// with a non-empty name, or when a parameter is repeated (senders do not, smugglers do).
void applyDisposition(PartHeaders& part, std::string_view value) {
    const auto semi = value.find(';');
    if (!iequals(trimmed(value.substr(0, semi)), "form-data"))
        throw malformed("a part's Content-Disposition is not form-data");
    const auto params = semi == std::string_view::npos ? Parameters{} : parseParameters(value.substr(semi));
    if (!params) throw malformed("a part's Content-Disposition parameters are malformed");
    std::optional<std::string> name, filename, extFilename;
    for (const auto& [key, text] : *params) {
        std::optional<std::string>* slot = key == "name"        ? &name
                                           : key == "filename"  ? &filename
                                           : key == "filename*" ? &extFilename
                                                                : nullptr;
        if (!slot) continue;
        if (*slot) throw malformed("a part's Content-Disposition repeats the parameter " + key);
        *slot = text;
    }
    if (!name || name->empty()) throw malformed("a part has no name in its Content-Disposition");
    if (extFilename) {
        if (auto decoded = decodeExtValue(*extFilename)) filename = std::move(decoded);
    }
    part.name = std::move(*name);
    part.filename = std::move(filename);
}

}  // namespace

std::optional<std::string> multipartBoundary(std::string_view contentType) {
    const std::string_view s = trimmed(contentType);
    const auto semi = s.find(';');
    if (semi == std::string_view::npos || !iequals(trimmed(s.substr(0, semi)), "multipart/form-data"))
        return std::nullopt;
    const auto params = parseParameters(s.substr(semi));
    if (!params) return std::nullopt;
    std::optional<std::string> boundary;
    for (const auto& [name, value] : *params) {
        if (name != "boundary") continue;
        if (boundary) return std::nullopt;  // two boundaries are ambiguous: refuse both
        boundary = value;
    }
    if (!boundary || !isValidBoundary(*boundary)) return std::nullopt;
    return boundary;
}

// The body is scanned in one buffer: [begin_, end_) is unconsumed input, and [begin_, scan_) of
// it is known to be part data (scan_ stops before anything that may start a delimiter).
struct MultipartReader::Impl {
    Impl(Source source, std::string boundary, Limits limits)
        : source_(std::move(source)),
          boundary_(std::move(boundary)),
          limits_(limits),
          // Until the opening boundary line tells CRLF from LF, a boundary starts any line;
          // the "\n" seeded into the buffer lets it start the body too.
          delimiter_("\n--" + boundary_),
          buffer_(new char[kBufferSize]) {
        // multipartBoundary() validates what clients send; anything else is a caller's bug.
        if (!isValidBoundary(boundary_)) throw std::invalid_argument("invalid multipart boundary");
        buffer_[0] = '\n';
        end_ = 1;
    }

    // Runs one public operation; a DomainError sticks, since the stream position is lost.
    template <class F>
    auto guarded(F operation) {
        if (error_) throw *error_;
        try {
            return operation();
        } catch (const dom::DomainError& e) {
            error_ = e;
            throw;
        }
    }

    std::optional<PartHeaders> nextPart() {
        if (state_ == State::Done) return std::nullopt;
        if (state_ != State::Boundary) {
            while (const std::size_t n = available()) begin_ += n;
            state_ = State::Boundary;
        }
        if (!readBoundaryLine()) {
            state_ = State::Done;  // the epilogue is not read at all
            return std::nullopt;
        }
        if (parts_ == limits_.maxParts)
            throw dom::DomainError(
                dom::ErrorKind::BadRequest, "malformed_multipart",
                "multipart body has too many parts (more than " + std::to_string(limits_.maxParts) + ")");
        ++parts_;
        PartHeaders part = readHeaders();
        state_ = State::Body;
        return part;
    }

    std::size_t read(char* out, std::size_t size) {
        if (state_ != State::Body || size == 0) return 0;
        const std::size_t n = std::min(size, available());
        if (n == 0) {
            state_ = State::Boundary;
            return 0;
        }
        std::memcpy(out, buffer_.get() + begin_, n);
        begin_ += n;
        return n;
    }

  private:
    enum class State { Preamble, Body, Boundary, Done };  // Boundary: just after a delimiter
    enum class Match { No, Yes, NeedMore };

    dom::DomainError endedEarly() const {
        return malformed(state_ == State::Preamble ? "no opening boundary"
                                                   : "it ends without the final boundary");
    }

    // Moves the unconsumed bytes to the front and appends one read of the source; false at its end.
    bool fill() {
        if (eof_) return false;
        if (begin_ > 0) {
            std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
            end_ -= begin_;
            scan_ = scan_ > begin_ ? scan_ - begin_ : 0;
            begin_ = 0;
        }
        // Callers fill only when fewer than a delimiter's worth of bytes is left.
        if (end_ == kBufferSize) throw std::logic_error("multipart buffer full");
        const std::size_t room = kBufferSize - end_;
        const std::size_t n = source_(buffer_.get() + end_, room);
        if (n > room) throw std::logic_error("multipart source returned more bytes than asked for");
        if (n == 0) {
            eof_ = true;
            return false;
        }
        end_ += n;
        return true;
    }

    // The byte `offset` past begin_, reading as needed; -1 at the end of the source.
    int peek(std::size_t offset) {
        while (end_ - begin_ <= offset) {
            if (!fill()) return -1;
        }
        return static_cast<unsigned char>(buffer_[begin_ + offset]);
    }

    // Whether the delimiter starts at `at`: it must be followed by transport padding, a line end
    // or "--"; "--BOUNDARYX" is data (RFC 2046 only bans the delimiter line itself in data).
    Match delimiterAt(std::size_t at) const {
        const std::size_t have = end_ - at;
        const std::size_t length = delimiter_.size();
        if (std::memcmp(buffer_.get() + at, delimiter_.data(), std::min(have, length)) != 0) return Match::No;
        if (have < length) return eof_ ? Match::No : Match::NeedMore;
        if (have == length) return eof_ ? Match::Yes : Match::NeedMore;  // at the end: truncated
        const char next = buffer_[at + length];
        if (isSpace(next) || next == '\r' || next == '\n') return Match::Yes;
        if (next != '-') return Match::No;
        if (have == length + 1) return eof_ ? Match::No : Match::NeedMore;
        return buffer_[at + length + 1] == '-' ? Match::Yes : Match::No;
    }

    // Advances scan_ over certain data: to the end of the buffer (No) or to a delimiter (Yes) or
    // to what may be one once more bytes arrive (NeedMore).
    Match scan() {
        const char first = delimiter_.front();
        std::size_t at = std::max(scan_, begin_);
        while (at < end_) {
            const void* hit = std::memchr(buffer_.get() + at, first, end_ - at);
            if (!hit) {
                at = end_;
                break;
            }
            at = static_cast<std::size_t>(static_cast<const char*>(hit) - buffer_.get());
            const Match match = delimiterAt(at);
            if (match != Match::No) {
                scan_ = at;
                return match;
            }
            ++at;
        }
        scan_ = at;
        return Match::No;
    }

    // How many bytes at begin_ are data of the current part (or preamble); 0 once the delimiter
    // that ends it has been consumed.
    std::size_t available() {
        for (;;) {
            if (scan_ > begin_) return scan_ - begin_;
            const Match match = scan();
            if (scan_ > begin_) return scan_ - begin_;
            if (match == Match::Yes) {
                begin_ += delimiter_.size();
                scan_ = begin_;
                return 0;
            }
            if (eof_) throw endedEarly();
            fill();  // then scan again: at the end of the source, a possible delimiter is decided
        }
    }

    // The rest of a boundary line, after the delimiter: false for the final boundary.
    bool readBoundaryLine() {
        if (peek(0) == '-' && peek(1) == '-') return false;
        int c = peek(0);
        while (c == ' ' || c == '\t') {
            ++begin_;
            c = peek(0);
        }
        const bool crlf = c == '\r';
        if (crlf) {
            ++begin_;
            c = peek(0);
        }
        if (c != '\n') throw c < 0 ? endedEarly() : malformed("unexpected characters after a boundary");
        ++begin_;
        scan_ = begin_;
        if (!opened_) {
            // The opening boundary line decides: a body with bare LF line ends (some scripts
            // send them) has "\n--BOUNDARY" delimiters.
            delimiter_ = (crlf ? "\r\n--" : "\n--") + boundary_;
            opened_ = true;
        }
        return true;
    }

    PartHeaders readHeaders() {
        PartHeaders part;
        std::size_t blockSize = 0;
        std::string line;
        for (;;) {
            line.clear();
            for (bool lineEnded = false; !lineEnded;) {
                if (begin_ == end_ && !fill()) throw endedEarly();
                const char* from = buffer_.get() + begin_;
                const std::size_t have = end_ - begin_;
                const void* newline = std::memchr(from, '\n', have);
                lineEnded = newline != nullptr;
                const std::size_t n = lineEnded ? static_cast<const char*>(newline) - from + 1 : have;
                blockSize += n;
                if (blockSize > limits_.maxHeaderBytes)
                    throw malformed("part headers are too large (more than " +
                                    std::to_string(limits_.maxHeaderBytes) + " bytes)");
                line.append(from, lineEnded ? n - 1 : n);
                begin_ += n;
            }
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty()) break;
            const auto colon = line.find(':');
            const std::string_view name = std::string_view(line).substr(0, colon);
            // Also rejects folded lines (leading space) and a space before the colon.
            if (colon == std::string::npos || name.empty() ||
                !std::all_of(name.begin(), name.end(), isTokenChar))
                throw malformed("a part header is not 'Name: value'");
            part.headers.emplace_back(asciiLower(name), trimmed(std::string_view(line).substr(colon + 1)));
        }
        scan_ = begin_;

        const std::string* disposition = nullptr;
        const std::string* contentType = nullptr;
        for (const auto& [name, value] : part.headers) {
            const std::string** slot = name == "content-disposition" ? &disposition
                                       : name == "content-type"      ? &contentType
                                                                     : nullptr;
            if (!slot) continue;
            if (*slot) throw malformed("a part repeats the header " + name);
            *slot = &value;
        }
        if (!disposition) throw malformed("a part has no Content-Disposition header");
        applyDisposition(part, *disposition);
        if (contentType) part.contentType = *contentType;
        return part;
    }

    Source source_;
    std::string boundary_;
    Limits limits_;
    std::string delimiter_;
    std::unique_ptr<char[]> buffer_;
    std::size_t begin_ = 0, scan_ = 0, end_ = 0;
    bool eof_ = false;
    bool opened_ = false;
    State state_ = State::Preamble;
    std::size_t parts_ = 0;
    std::optional<dom::DomainError> error_;
};

MultipartReader::MultipartReader(Source source, std::string boundary, Limits limits)
    : impl_(std::make_shared<Impl>(std::move(source), std::move(boundary), limits)) {}

std::optional<PartHeaders> MultipartReader::nextPart() {
    return impl_->guarded([this] { return impl_->nextPart(); });
}

std::size_t MultipartReader::read(char* buffer, std::size_t size) {
    return impl_->guarded([&] { return impl_->read(buffer, size); });
}

}  // namespace mofang::fcgi
