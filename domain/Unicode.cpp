#include "domain/Unicode.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <vector>

#include "domain/Text.hpp"

namespace mofang::domain::unicode {

namespace {

#include "domain/UnicodeData.inc"

constexpr char32_t kReplacement = 0xFFFD;

// Hangul syllables (Unicode §3.12), composed and decomposed by arithmetic.
constexpr char32_t kSBase = 0xAC00;
constexpr char32_t kLBase = 0x1100;
constexpr char32_t kVBase = 0x1161;
constexpr char32_t kTBase = 0x11A7;
constexpr char32_t kLCount = 19;
constexpr char32_t kVCount = 21;
constexpr char32_t kTCount = 28;
constexpr char32_t kNCount = kVCount * kTCount;
constexpr char32_t kSCount = kLCount * kNCount;

bool isAscii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Decodes UTF-8, replacing each maximal ill-formed subpart by U+FFFD (Unicode §3.9, "U+FFFD
// substitution of maximal subparts").
std::vector<char32_t> decode(std::string_view s) {
    std::vector<char32_t> out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b0 = static_cast<unsigned char>(s[i]);
        if (b0 < 0x80) {
            out.push_back(b0);
            ++i;
            continue;
        }
        std::size_t need = 0;
        unsigned char lo = 0x80, hi = 0xBF;
        char32_t cp = 0;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            need = 1;
            cp = b0 & 0x1F;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            need = 2;
            cp = b0 & 0x0F;
            if (b0 == 0xE0) lo = 0xA0;
            if (b0 == 0xED) hi = 0x9F;  // no surrogates
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            need = 3;
            cp = b0 & 0x07;
            if (b0 == 0xF0) lo = 0x90;
            if (b0 == 0xF4) hi = 0x8F;  // ≤ U+10FFFF
        } else {
            out.push_back(kReplacement);
            ++i;
            continue;
        }
        std::size_t k = 1;
        for (; k <= need; ++k) {
            if (i + k >= s.size()) break;
            const auto b = static_cast<unsigned char>(s[i + k]);
            if (b < lo || b > hi) break;
            cp = (cp << 6) | (b & 0x3F);
            lo = 0x80;
            hi = 0xBF;
        }
        out.push_back(k > need ? cp : kReplacement);
        i += k;
    }
    return out;
}

void encode(char32_t cp, std::string& out) {
    text::appendUtf8(out, cp);
}

std::string encode(const std::vector<char32_t>& cps) {
    std::string out;
    out.reserve(cps.size() * 3);
    for (const char32_t cp : cps) encode(cp, out);
    return out;
}

// Full canonical decomposition followed by the canonical ordering algorithm.
std::vector<char32_t> decompose(const std::vector<char32_t>& in) {
    std::vector<char32_t> out;
    out.reserve(in.size() + in.size() / 2);
    for (const char32_t cp : in) {
        if (cp >= kSBase && cp < kSBase + kSCount) {
            const char32_t index = cp - kSBase;
            out.push_back(kLBase + index / kNCount);
            out.push_back(kVBase + (index % kNCount) / kTCount);
            if (index % kTCount != 0) out.push_back(kTBase + index % kTCount);
            continue;
        }
        const auto it = std::lower_bound(kDecompositions.begin(), kDecompositions.end(), cp,
                                         [](const Decomposition& d, char32_t c) { return d.cp < c; });
        if (it != kDecompositions.end() && it->cp == cp) {
            const auto first = kDecompositionData.begin() + it->start;
            out.insert(out.end(), first, first + it->length);
        } else {
            out.push_back(cp);
        }
    }
    // Canonical ordering: a stable sort of each run of non-starters by combining class. Runs are
    // short, so an insertion sort (stable) is the right tool.
    for (std::size_t i = 1; i < out.size(); ++i) {
        const char32_t cp = out[i];
        const auto ccc = combiningClass(cp);
        if (ccc == 0) continue;
        std::size_t j = i;
        while (j > 0) {
            const auto before = combiningClass(out[j - 1]);
            if (before <= ccc) break;  // a starter (0) or a class not above ours stops the move
            out[j] = out[j - 1];
            --j;
        }
        out[j] = cp;
    }
    return out;
}

// The primary composite of a pair, or 0 when there is none.
char32_t compose(char32_t first, char32_t second) {
    if (first >= kLBase && first < kLBase + kLCount && second >= kVBase && second < kVBase + kVCount)
        return kSBase + ((first - kLBase) * kVCount + (second - kVBase)) * kTCount;
    if (first >= kSBase && first < kSBase + kSCount && (first - kSBase) % kTCount == 0 && second > kTBase &&
        second < kTBase + kTCount)
        return first + (second - kTBase);
    const std::uint64_t pair = (std::uint64_t{first} << 21) | second;
    const auto it = std::lower_bound(kCompositions.begin(), kCompositions.end(), pair,
                                     [](const Composition& c, std::uint64_t p) { return c.pair < p; });
    return it != kCompositions.end() && it->pair == pair ? it->composite : 0;
}

// Canonical composition algorithm (UAX #15 §1.3 / Unicode §3.11, D117), in place.
void composeInPlace(std::vector<char32_t>& cps) {
    if (cps.empty()) return;
    std::size_t starter = 0;
    // 256: no starter yet, so nothing may combine with the first character.
    unsigned lastClass = combiningClass(cps[0]) == 0 ? 0U : 256U;
    std::size_t kept = 1;
    for (std::size_t i = 1; i < cps.size(); ++i) {
        const char32_t cp = cps[i];
        const unsigned ccc = combiningClass(cp);
        // Not blocked: every character kept since the starter has a lower class, or none was
        // kept at all (lastClass 0: the last one kept is the starter itself).
        if (lastClass < ccc || lastClass == 0) {
            if (const char32_t composite = compose(cps[starter], cp); composite != 0) {
                cps[starter] = composite;
                continue;
            }
        }
        if (ccc == 0) starter = kept;
        lastClass = ccc;
        cps[kept++] = cp;
    }
    cps.resize(kept);
}

char32_t foldCodePoint(char32_t cp) {
    if (cp < 0x80) return cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp;
    const auto it = std::lower_bound(kCaseFolds.begin(), kCaseFolds.end(), cp,
                                     [](const CaseFold& f, char32_t c) { return f.cp < c; });
    return it != kCaseFolds.end() && it->cp == cp ? it->folded : cp;
}

}  // namespace

std::uint8_t combiningClass(char32_t cp) {
    if (cp < kCombiningClassRuns.front().first) return 0;
    const auto it = std::upper_bound(kCombiningClassRuns.begin(), kCombiningClassRuns.end(), cp,
                                     [](char32_t c, const CombiningClassRun& r) { return c < r.first; });
    const auto& run = *(it - 1);
    return cp <= run.last ? run.ccc : 0;
}

std::string toNfd(std::string_view utf8) {
    if (isAscii(utf8)) return std::string(utf8);
    return encode(decompose(decode(utf8)));
}

std::string toNfc(std::string_view utf8) {
    if (isAscii(utf8)) return std::string(utf8);
    auto cps = decompose(decode(utf8));
    composeInPlace(cps);
    return encode(cps);
}

std::string foldCase(std::string_view utf8) {
    std::string out;
    out.reserve(utf8.size());
    if (isAscii(utf8)) {
        for (const char c : utf8) out += static_cast<char>(foldCodePoint(static_cast<unsigned char>(c)));
        return out;
    }
    for (const char32_t cp : decode(utf8)) encode(foldCodePoint(cp), out);
    return out;
}

std::string_view dataVersion() {
    return kUnicodeVersion;
}

}  // namespace mofang::domain::unicode
