#pragma once

// The ZIP package of a selection (SPEC §6), planned up front: every entry's name, offsets and
// header bytes follow from the input alone, so the archive's exact length and ETag are known
// before any file is read, and any byte range can be produced on its own (HTTP Range).
//
// Format: STORED entries, names UTF-8 (general-purpose bit 11) plus the Info-ZIP Unicode Path
// extra field (0x7075), CRC-32 and sizes in the local headers (no data descriptors), host Unix,
// files 0644; ZIP64 (APPNOTE 4.5.3, 4.3.14–4.3.15) whenever a size, an offset or the entry count
// reaches its classic field's limit. Times are the materials' mtimes in UTC as MS-DOS date/time.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mofang::domain {

// One file of the package, in archive order.
struct PackageEntryInput {
    std::string moduleType;  // main | sku | detail
    std::string subType;     // "" = none
    std::string filename;
    std::uint64_t size = 0;
    std::uint32_t crc32 = 0;
    std::string sha256;  // hex; with size and crc32 it stands for the file's bytes in the ETag
    std::int64_t mtimeMillis = 0;
    std::string blobKey;
};

struct PackageInput {
    std::string spuCode;
    // Modules in display order, each module's selected materials by their order.
    std::vector<PackageEntryInput> entries;
    // type=preview: each file name's extension is replaced by ".jpg".
    bool previews = false;
};

// Where the classic fields end; ZIP64 records are used for values ≥ these. Injectable so that
// tests get ZIP64 archives out of tiny files. max32 ≤ 0xFFFFFFFF, max16 ≤ 0xFFFF, both ≥ 1.
struct ZipLimits {
    std::uint64_t max32 = 0xFFFFFFFF;
    std::uint32_t max16 = 0xFFFF;
};

// CRC-32 (ISO-HDLC, as in ZIP, zlib and PNG) of `bytes`, continuing from `crc` (0 to start).
std::uint32_t zipCrc32(std::string_view bytes, std::uint32_t crc = 0);

// One entry of a planned archive.
struct ZipEntry {
    std::string name;  // the path inside the archive, sanitised, NFC, unique case-insensitively
    std::string blobKey;
    std::string sha256;
    std::uint64_t size = 0;
    std::uint32_t crc32 = 0;
    std::uint16_t dosTime = 0;
    std::uint16_t dosDate = 0;
    std::uint64_t localHeaderOffset = 0;
    std::uint64_t dataOffset = 0;     // the file's first byte in the archive
    std::uint64_t centralOffset = 0;  // its central directory record's first byte
};

// A run of archive bytes: generated header bytes, or a slice of one entry's file.
struct ZipPiece {
    enum class Kind { Header, File };
    Kind kind = Kind::Header;
    std::uint64_t archiveOffset = 0;  // where the piece starts in the archive
    std::uint64_t length = 0;         // bytes in the piece (never 0)
    std::string_view header;          // Header: the bytes; valid until the cursor moves on
    std::size_t entry = 0;            // File: index into ZipPlan::entries()
    std::string_view blobKey;         // File: the entry's blob (valid as long as the plan)
    std::uint64_t fileOffset = 0;     // File: first byte within the file
};

class ZipPlan;

// Walks the pieces of a byte range of the archive in order. Seeking is a binary search; header
// bytes are generated when reached, a bounded buffer's worth at a time (at most about 64 KiB plus
// one record), so memory does not grow with the archive. The plan must outlive the cursor.
class ZipCursor final {
  public:
    // The next piece of the range, or nullopt once the range is done.
    std::optional<ZipPiece> next();

  private:
    friend class ZipPlan;
    ZipCursor(const ZipPlan& plan, std::uint64_t begin, std::uint64_t end);

    const ZipPlan* plan_;
    std::uint64_t position_;
    std::uint64_t end_;
    std::string buffer_;
};

class ZipPlan final {
  public:
    // Plans the archive: names (layout, sanitising, NFC, collisions), offsets and ZIP64 needs.
    // Throws std::invalid_argument for an unknown moduleType or limits out of range (bugs, not
    // user input).
    explicit ZipPlan(PackageInput input, ZipLimits limits = {});

    // The archive's exact length in bytes.
    std::uint64_t size() const { return size_; }
    const std::vector<ZipEntry>& entries() const { return entries_; }
    const ZipLimits& limits() const { return limits_; }
    std::uint64_t centralDirectoryOffset() const { return centralOffset_; }
    std::uint64_t centralDirectorySize() const { return centralSize_; }
    // True when the archive ends with the ZIP64 end of central directory record and locator.
    bool zip64End() const { return zip64End_; }

    // The pieces of bytes [begin, end) of the archive; end is clamped to size(), and an empty
    // range yields nothing.
    ZipCursor cursor(std::uint64_t begin, std::uint64_t end) const;
    ZipCursor cursor() const { return cursor(0, size_); }

    // Deterministic text naming everything the archive's bytes depend on (format version,
    // limits, and per entry: name, size, CRC-32, SHA-256, DOS time); equal manifests mean equal
    // bytes. Hash it for a strong ETag. Not the blob keys: the same bytes under another key are
    // the same archive.
    std::string manifest() const;

    // The complete header bytes of one record (for tests and diagnostics).
    std::string localHeader(std::size_t entry) const;
    std::string centralRecord(std::size_t entry) const;
    // The ZIP64 end of central directory record and locator (when zip64End()) and the end of
    // central directory record.
    std::string endRecords() const;

  private:
    friend class ZipCursor;

    bool localZip64(const ZipEntry& e) const;
    std::size_t localHeaderSize(const ZipEntry& e) const;
    std::size_t centralRecordSize(const ZipEntry& e) const;
    void appendLocalHeader(std::string& out, const ZipEntry& e) const;
    void appendCentralRecord(std::string& out, const ZipEntry& e) const;

    ZipLimits limits_;
    std::vector<ZipEntry> entries_;
    std::uint64_t centralOffset_ = 0;
    std::uint64_t centralSize_ = 0;
    std::uint64_t endOffset_ = 0;  // the first byte after the central directory
    bool zip64End_ = false;
    std::uint64_t size_ = 0;
};

}  // namespace mofang::domain
