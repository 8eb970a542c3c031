#include "domain/ZipPlan.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "domain/Text.hpp"
#include "domain/Unicode.hpp"

namespace mofang::domain {

namespace {

// Bumped whenever the bytes produced for the same input change, so that ETags change with them.
constexpr std::string_view kFormatVersion = "mofang-zip/1";

constexpr std::size_t kMaxPartBytes = 255;
// The longest tail after the last dot that still counts as an extension to keep when cutting.
constexpr std::size_t kMaxExtensionBytes = 16;

constexpr std::uint32_t kLocalSignature = 0x04034B50;
constexpr std::uint32_t kCentralSignature = 0x02014B50;
constexpr std::uint32_t kZip64EndSignature = 0x06064B50;
constexpr std::uint32_t kZip64LocatorSignature = 0x07064B50;
constexpr std::uint32_t kEndSignature = 0x06054B50;

// Version made by: host 3 (Unix), APPNOTE 6.3 (which defines bit 11). Version needed: 2.0 for a
// plain STORED file, 4.5 when ZIP64 records are involved (APPNOTE 4.4.3.2).
constexpr std::uint16_t kVersionMadeBy = (3 << 8) | 63;
constexpr std::uint16_t kVersionNeeded = 20;
constexpr std::uint16_t kVersionNeededZip64 = 45;
constexpr std::uint16_t kFlagUtf8 = 1 << 11;
constexpr std::uint16_t kMethodStored = 0;
constexpr std::uint32_t kExternalAttributes = 0100644U << 16;  // regular file, rw-r--r--

constexpr std::uint16_t kZip64ExtraId = 0x0001;
constexpr std::uint16_t kUnicodePathExtraId = 0x7075;
constexpr std::uint8_t kUnicodePathVersion = 1;

constexpr std::uint16_t kMax16 = 0xFFFF;
constexpr std::uint32_t kMax32 = 0xFFFFFFFF;

constexpr std::size_t kLocalFixedSize = 30;
constexpr std::size_t kCentralFixedSize = 46;
constexpr std::size_t kZip64EndSize = 56;
constexpr std::size_t kZip64LocatorSize = 20;
constexpr std::size_t kEndSize = 22;
constexpr std::size_t kExtraHeaderSize = 4;
constexpr std::size_t kLocalZip64ExtraSize = kExtraHeaderSize + 16;
constexpr std::size_t kUnicodePathFixedSize = kExtraHeaderSize + 1 + 4;

// A header piece holds about this much before the cursor hands it out.
constexpr std::size_t kChunkBytes = 64 * 1024;

constexpr std::array<std::uint32_t, 256> makeCrcTable() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    return table;
}
constexpr std::array<std::uint32_t, 256> kCrcTable = makeCrcTable();

void put16(std::string& out, std::uint16_t v) {
    out += static_cast<char>(v & 0xFF);
    out += static_cast<char>(v >> 8);
}
void put32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}
void put64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

// ---- names -------------------------------------------------------------------------------------

std::string_view moduleDirectory(std::string_view moduleType) {
    if (moduleType == "main") return "\xE4\xB8\xBB\xE5\x9B\xBE";                // 主图
    if (moduleType == "sku") return "SKU\xE5\x9B\xBE";                          // SKU图
    if (moduleType == "detail") return "\xE8\xAF\xA6\xE6\x83\x85\xE5\x9B\xBE";  // 详情图
    throw std::invalid_argument("ZipPlan: unknown module type '" + std::string(moduleType) + "'");
}

bool isTrailingTrimmed(char c) {
    return c == ' ' || c == '.';
}

void trimPart(std::string& s) {
    while (!s.empty() && isTrailingTrimmed(s.back())) s.pop_back();
    const auto first = s.find_first_not_of(' ');
    s.erase(0, first == std::string::npos ? s.size() : first);
}

// Windows device names, reserved with any extension ("aux.jpg") and trailing spaces ("CON .x").
bool isReservedDeviceName(std::string_view part) {
    std::string base(part.substr(0, part.find('.')));
    while (!base.empty() && base.back() == ' ') base.pop_back();
    base = text::asciiLower(base);
    if (base == "con" || base == "prn" || base == "aux" || base == "nul" || base == "conin$" ||
        base == "conout$")
        return true;
    if (base.size() < 4 || (base.compare(0, 3, "com") != 0 && base.compare(0, 3, "lpt") != 0)) return false;
    const std::string_view number = std::string_view(base).substr(3);
    // COM0–COM9, LPT0–LPT9 and the superscript digits ¹ ² ³ that Windows also reserves.
    return (number.size() == 1 && number[0] >= '0' && number[0] <= '9') || number == "\xC2\xB9" ||
           number == "\xC2\xB2" || number == "\xC2\xB3";
}

// One path part: NFC; '/', '\', control characters (C0, DEL, C1) and <>:"|?* become '_';
// leading spaces and trailing dots and spaces go ("." and ".." with them); empty becomes "_";
// a Windows device name gets a '_' in front. Not yet cut to length.
std::string cleanPart(std::string_view raw) {
    const std::string nfc = unicode::toNfc(raw);  // also makes it valid UTF-8
    std::string out;
    out.reserve(nfc.size());
    for (std::size_t i = 0; i < nfc.size(); ++i) {
        const auto c = static_cast<unsigned char>(nfc[i]);
        if (c == 0xC2 && i + 1 < nfc.size() && static_cast<unsigned char>(nfc[i + 1]) <= 0x9F) {
            out += '_';  // C1 control, U+0080–U+009F
            ++i;
        } else if (c < 0x20 || c == 0x7F ||
                   std::string_view(R"(<>:"|?*/\)").find(nfc[i]) != std::string_view::npos) {
            out += '_';
        } else {
            out += nfc[i];
        }
    }
    trimPart(out);
    if (out.empty()) return "_";
    if (isReservedDeviceName(out)) out.insert(0, "_");
    return out;
}

struct SplitName {
    std::string stem;
    std::string extension;  // with its dot, or empty
};

SplitName splitExtension(const std::string& part) {
    const auto dot = part.rfind('.');
    if (dot == std::string::npos || dot == 0 || part.size() - dot > kMaxExtensionBytes) return {part, ""};
    return {part.substr(0, dot), part.substr(dot)};
}

// stem + suffix + extension in at most 255 bytes: the stem is cut at a code point boundary
// (then stripped of trailing dots and spaces again), the suffix and extension are kept.
std::string fitPart(const std::string& stem, std::string_view suffix, std::string_view extension) {
    if (stem.size() + suffix.size() + extension.size() <= kMaxPartBytes)
        return stem + std::string(suffix) + std::string(extension);
    const std::size_t tail = suffix.size() + extension.size();
    if (tail >= kMaxPartBytes)
        return text::truncateUtf8(stem + std::string(suffix) + std::string(extension), kMaxPartBytes);
    std::string cut = text::truncateUtf8(stem, kMaxPartBytes - tail);
    while (!cut.empty() && isTrailingTrimmed(cut.back())) cut.pop_back();
    if (cut.empty()) cut = "_";
    return cut + std::string(suffix) + std::string(extension);
}

// A directory part, cut to 255 bytes.
std::string directoryPart(std::string_view raw) {
    return fitPart(cleanPart(raw), "", "");
}

std::string rankPrefix(std::size_t rank) {
    std::string digits = std::to_string(rank);
    if (digits.size() < 2) digits.insert(0, "0");
    return digits + "-";
}

// ---- times -------------------------------------------------------------------------------------

struct DosTime {
    std::uint16_t time = 0;
    std::uint16_t date = 0;
};

// MS-DOS date and time of an instant, in UTC (the DOS fields have no zone; readers show them as
// local time). Seconds are rounded down to even; instants outside 1980-01-01T00:00:00Z ..
// 2107-12-31T23:59:58Z are clamped to those ends.
DosTime dosTime(std::int64_t millis) {
    using namespace std::chrono;
    constexpr std::int64_t kFirst = 315532800000;  // 1980-01-01T00:00:00Z
    constexpr std::int64_t kLast = 4354819198000;  // 2107-12-31T23:59:58Z
    millis = std::clamp(millis, kFirst, kLast);
    const sys_time<milliseconds> t{milliseconds{millis}};
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{floor<seconds>(t - day)};
    DosTime out;
    out.date = static_cast<std::uint16_t>(((static_cast<int>(ymd.year()) - 1980) << 9) |
                                          (static_cast<unsigned>(ymd.month()) << 5) |
                                          static_cast<unsigned>(ymd.day()));
    out.time = static_cast<std::uint16_t>((hms.hours().count() << 11) | (hms.minutes().count() << 5) |
                                          (hms.seconds().count() / 2));
    return out;
}

std::string hex(std::uint64_t v, int digits) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(static_cast<std::size_t>(digits), '0');
    for (int i = digits - 1; i >= 0; --i, v >>= 4) out[static_cast<std::size_t>(i)] = kHex[v & 15];
    return out;
}

// A length-prefixed string, so that no byte of it can be mistaken for a separator.
void appendField(std::string& out, std::string_view s) {
    out += std::to_string(s.size());
    out += ':';
    out += s;
}

}  // namespace

std::uint32_t zipCrc32(std::string_view bytes, std::uint32_t crc) {
    crc = ~crc;
    for (const char ch : bytes) crc = kCrcTable[(crc ^ static_cast<unsigned char>(ch)) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

// ---- planning ----------------------------------------------------------------------------------

ZipPlan::ZipPlan(PackageInput input, ZipLimits limits) : limits_(limits) {
    if (limits_.max32 < 1 || limits_.max32 > kMax32 || limits_.max16 < 1 || limits_.max16 > kMax16)
        throw std::invalid_argument("ZipPlan: limits out of range");

    const std::string spu = directoryPart(input.spuCode);

    // Names first: every entry's directory and its ranked, cleaned file part.
    struct Pending {
        std::string directory;
        SplitName file;
    };
    std::vector<Pending> pending;
    pending.reserve(input.entries.size());
    std::map<std::pair<std::string, std::string>, std::size_t> ranks;
    std::unordered_set<std::string> taken;  // case-folded paths of directories and files
    std::map<std::pair<std::string, std::string>, std::string> directories;
    for (const auto& in : input.entries) {
        const std::string_view module = moduleDirectory(in.moduleType);
        auto [dir, fresh] = directories.try_emplace({in.moduleType, in.subType});
        if (fresh) {
            dir->second = spu + "/" + std::string(module);
            taken.insert(unicode::foldCase(spu));
            taken.insert(unicode::foldCase(dir->second));
            if (!in.subType.empty()) {
                dir->second += "/" + directoryPart(in.subType);
                taken.insert(unicode::foldCase(dir->second));
            }
        }
        const std::size_t rank = ++ranks[{in.moduleType, in.subType}];
        std::string part = cleanPart(rankPrefix(rank) + in.filename);
        SplitName split = splitExtension(part);
        if (input.previews) split.extension = ".jpg";
        pending.push_back({dir->second, std::move(split)});
    }

    // Then uniqueness, in archive order: a later name that folds to a taken one gets " (2)",
    // " (3)", ... before its extension, the first suffix that is itself free.
    std::unordered_map<std::string, std::size_t> nextSuffix;
    entries_.reserve(input.entries.size());
    for (std::size_t i = 0; i < pending.size(); ++i) {
        auto& in = input.entries[i];
        const auto& p = pending[i];
        std::string name = p.directory + "/" + fitPart(p.file.stem, "", p.file.extension);
        std::string key = unicode::foldCase(name);
        if (taken.contains(key)) {
            const std::string base = key;
            std::size_t& n = nextSuffix.try_emplace(base, 2).first->second;
            for (;; ++n) {
                name = p.directory + "/" +
                       fitPart(p.file.stem, " (" + std::to_string(n) + ")", p.file.extension);
                key = unicode::foldCase(name);
                if (!taken.contains(key)) break;
            }
            ++n;
        }
        taken.insert(std::move(key));

        ZipEntry e;
        e.name = std::move(name);
        e.blobKey = std::move(in.blobKey);
        e.sha256 = std::move(in.sha256);
        e.size = in.size;
        e.crc32 = in.crc32;
        const DosTime t = dosTime(in.mtimeMillis);
        e.dosTime = t.time;
        e.dosDate = t.date;
        entries_.push_back(std::move(e));
    }

    // Offsets: local headers and data, then the central directory, then the end records.
    std::uint64_t offset = 0;
    for (auto& e : entries_) {
        e.localHeaderOffset = offset;
        offset += localHeaderSize(e);
        e.dataOffset = offset;
        offset += e.size;
    }
    centralOffset_ = offset;
    for (auto& e : entries_) {
        e.centralOffset = offset;
        offset += centralRecordSize(e);
    }
    centralSize_ = offset - centralOffset_;
    endOffset_ = offset;
    zip64End_ =
        entries_.size() >= limits_.max16 || centralSize_ >= limits_.max32 || centralOffset_ >= limits_.max32;
    size_ = endOffset_ + (zip64End_ ? kZip64EndSize + kZip64LocatorSize : 0) + kEndSize;
}

// ---- records -----------------------------------------------------------------------------------

bool ZipPlan::localZip64(const ZipEntry& e) const {
    return e.size >= limits_.max32;
}

std::size_t ZipPlan::localHeaderSize(const ZipEntry& e) const {
    return kLocalFixedSize + e.name.size() + (localZip64(e) ? kLocalZip64ExtraSize : 0) +
           kUnicodePathFixedSize + e.name.size();
}

std::size_t ZipPlan::centralRecordSize(const ZipEntry& e) const {
    const std::size_t fields =
        (e.size >= limits_.max32 ? 2 : 0) + (e.localHeaderOffset >= limits_.max32 ? 1 : 0);
    return kCentralFixedSize + e.name.size() + (fields > 0 ? kExtraHeaderSize + 8 * fields : 0) +
           kUnicodePathFixedSize + e.name.size();
}

namespace {

// The Info-ZIP Unicode Path extra field: version 1, the CRC-32 of the header's name field, and
// the UTF-8 name (here the same bytes, which readers that ignore bit 11 still pick up).
void appendUnicodePath(std::string& out, const std::string& name) {
    put16(out, kUnicodePathExtraId);
    put16(out, static_cast<std::uint16_t>(1 + 4 + name.size()));
    out += static_cast<char>(kUnicodePathVersion);
    put32(out, zipCrc32(name));
    out += name;
}

}  // namespace

void ZipPlan::appendLocalHeader(std::string& out, const ZipEntry& e) const {
    const bool zip64 = localZip64(e);
    const bool needs45 = zip64 || e.localHeaderOffset >= limits_.max32;
    put32(out, kLocalSignature);
    put16(out, needs45 ? kVersionNeededZip64 : kVersionNeeded);
    put16(out, kFlagUtf8);
    put16(out, kMethodStored);
    put16(out, e.dosTime);
    put16(out, e.dosDate);
    put32(out, e.crc32);
    // APPNOTE 4.5.3: a local header's ZIP64 extra holds both sizes, and both fields say -1.
    put32(out, zip64 ? kMax32 : static_cast<std::uint32_t>(e.size));  // compressed
    put32(out, zip64 ? kMax32 : static_cast<std::uint32_t>(e.size));  // uncompressed
    put16(out, static_cast<std::uint16_t>(e.name.size()));
    put16(out, static_cast<std::uint16_t>((zip64 ? kLocalZip64ExtraSize : 0) + kUnicodePathFixedSize +
                                          e.name.size()));
    out += e.name;
    if (zip64) {
        put16(out, kZip64ExtraId);
        put16(out, 16);
        put64(out, e.size);  // uncompressed
        put64(out, e.size);  // compressed
    }
    appendUnicodePath(out, e.name);
}

void ZipPlan::appendCentralRecord(std::string& out, const ZipEntry& e) const {
    const bool bigSize = e.size >= limits_.max32;
    const bool bigOffset = e.localHeaderOffset >= limits_.max32;
    const std::size_t zip64Fields = (bigSize ? 2 : 0) + (bigOffset ? 1 : 0);
    const std::size_t zip64Extra = zip64Fields > 0 ? kExtraHeaderSize + 8 * zip64Fields : 0;
    put32(out, kCentralSignature);
    put16(out, kVersionMadeBy);
    put16(out, bigSize || bigOffset ? kVersionNeededZip64 : kVersionNeeded);
    put16(out, kFlagUtf8);
    put16(out, kMethodStored);
    put16(out, e.dosTime);
    put16(out, e.dosDate);
    put32(out, e.crc32);
    put32(out, bigSize ? kMax32 : static_cast<std::uint32_t>(e.size));  // compressed
    put32(out, bigSize ? kMax32 : static_cast<std::uint32_t>(e.size));  // uncompressed
    put16(out, static_cast<std::uint16_t>(e.name.size()));
    put16(out, static_cast<std::uint16_t>(zip64Extra + kUnicodePathFixedSize + e.name.size()));
    put16(out, 0);  // comment length
    put16(out, 0);  // disk number start
    put16(out, 0);  // internal attributes
    put32(out, kExternalAttributes);
    put32(out, bigOffset ? kMax32 : static_cast<std::uint32_t>(e.localHeaderOffset));
    out += e.name;
    if (zip64Fields > 0) {
        // APPNOTE 4.5.3: only the fields whose classic field says -1, in this order.
        put16(out, kZip64ExtraId);
        put16(out, static_cast<std::uint16_t>(8 * zip64Fields));
        if (bigSize) {
            put64(out, e.size);  // uncompressed
            put64(out, e.size);  // compressed
        }
        if (bigOffset) put64(out, e.localHeaderOffset);
    }
    appendUnicodePath(out, e.name);
}

std::string ZipPlan::localHeader(std::size_t entry) const {
    std::string out;
    appendLocalHeader(out, entries_.at(entry));
    return out;
}

std::string ZipPlan::centralRecord(std::size_t entry) const {
    std::string out;
    appendCentralRecord(out, entries_.at(entry));
    return out;
}

std::string ZipPlan::endRecords() const {
    std::string out;
    const std::uint64_t count = entries_.size();
    if (zip64End_) {
        put32(out, kZip64EndSignature);
        put64(out, kZip64EndSize - 12);  // the record's size after this field
        put16(out, kVersionMadeBy);
        put16(out, kVersionNeededZip64);
        put32(out, 0);  // this disk
        put32(out, 0);  // the disk with the central directory
        put64(out, count);
        put64(out, count);
        put64(out, centralSize_);
        put64(out, centralOffset_);

        put32(out, kZip64LocatorSignature);
        put32(out, 0);  // the disk with the ZIP64 end record
        put64(out, endOffset_);
        put32(out, 1);  // total disks
    }
    const auto count16 = count >= limits_.max16 ? kMax16 : static_cast<std::uint16_t>(count);
    put32(out, kEndSignature);
    put16(out, 0);  // this disk
    put16(out, 0);  // the disk with the central directory
    put16(out, count16);
    put16(out, count16);
    put32(out, centralSize_ >= limits_.max32 ? kMax32 : static_cast<std::uint32_t>(centralSize_));
    put32(out, centralOffset_ >= limits_.max32 ? kMax32 : static_cast<std::uint32_t>(centralOffset_));
    put16(out, 0);  // comment length
    return out;
}

std::string ZipPlan::manifest() const {
    std::string out;
    out.reserve(64 + entries_.size() * 160);
    out += kFormatVersion;
    out += "\nlimits " + std::to_string(limits_.max32) + " " + std::to_string(limits_.max16);
    out += "\nentries " + std::to_string(entries_.size()) + "\n";
    for (const auto& e : entries_) {
        appendField(out, e.name);
        out += ' ';
        out += std::to_string(e.size);
        out += ' ';
        out += hex(e.crc32, 8);
        out += ' ';
        out += hex(e.dosDate, 4);
        out += hex(e.dosTime, 4);
        out += ' ';
        appendField(out, e.sha256);
        out += '\n';
    }
    return out;
}

// ---- range mapping -----------------------------------------------------------------------------

ZipCursor ZipPlan::cursor(std::uint64_t begin, std::uint64_t end) const {
    end = std::min(end, size_);
    return ZipCursor(*this, std::min(begin, end), end);
}

ZipCursor::ZipCursor(const ZipPlan& plan, std::uint64_t begin, std::uint64_t end)
    : plan_(&plan), position_(begin), end_(end) {}

std::optional<ZipPiece> ZipCursor::next() {
    if (position_ >= end_) return std::nullopt;
    const ZipPlan& plan = *plan_;
    const auto& entries = plan.entries_;
    const std::uint64_t pos = position_;
    ZipPiece piece;
    piece.archiveOffset = pos;
    std::uint64_t bufferStart = 0;  // the archive offset of buffer_[0], for header pieces

    if (pos < plan.centralOffset_) {
        // The last entry whose local header starts at or before pos.
        const auto it =
            std::upper_bound(entries.begin(), entries.end(), pos,
                             [](std::uint64_t p, const ZipEntry& e) { return p < e.localHeaderOffset; });
        const auto index = static_cast<std::size_t>(it - entries.begin()) - 1;
        const ZipEntry& e = entries[index];
        if (pos >= e.dataOffset) {
            piece.kind = ZipPiece::Kind::File;
            piece.entry = index;
            piece.blobKey = e.blobKey;
            piece.fileOffset = pos - e.dataOffset;
            piece.length = std::min(e.dataOffset + e.size, end_) - pos;
            position_ += piece.length;
            return piece;
        }
        buffer_.clear();
        plan.appendLocalHeader(buffer_, e);
        bufferStart = e.localHeaderOffset;
    } else if (pos < plan.endOffset_) {
        const auto it =
            std::upper_bound(entries.begin(), entries.end(), pos,
                             [](std::uint64_t p, const ZipEntry& e) { return p < e.centralOffset; });
        auto index = static_cast<std::size_t>(it - entries.begin()) - 1;
        buffer_.clear();
        bufferStart = entries[index].centralOffset;
        const std::uint64_t stop = std::min(end_, plan.endOffset_);
        while (index < entries.size() && bufferStart + buffer_.size() < stop && buffer_.size() < kChunkBytes)
            plan.appendCentralRecord(buffer_, entries[index++]);
    } else {
        buffer_ = plan.endRecords();
        bufferStart = plan.endOffset_;
    }
    const std::uint64_t bufferEnd = bufferStart + buffer_.size();
    piece.kind = ZipPiece::Kind::Header;
    piece.length = std::min(bufferEnd, end_) - pos;
    piece.header = std::string_view(buffer_).substr(static_cast<std::size_t>(pos - bufferStart),
                                                    static_cast<std::size_t>(piece.length));
    position_ += piece.length;
    return piece;
}

}  // namespace mofang::domain
