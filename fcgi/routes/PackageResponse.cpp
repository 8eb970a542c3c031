#include "fcgi/routes/PackageResponse.hpp"

#include <libdeflate.h>

#include <functional>
#include <memory>
#include <vector>

#include "domain/Errors.hpp"
#include "domain/Material.hpp"
#include "domain/PackageService.hpp"
#include "domain/Text.hpp"
#include "fcgi/Log.hpp"

namespace mofang::fcgi {
namespace dom = mofang::domain;

namespace {

constexpr std::size_t kReadChunk = 1 << 20;

std::optional<std::uint64_t> parseNumber(std::string_view s) {
    if (s.empty() || s.size() > 19) return std::nullopt;
    std::uint64_t n = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
}

// Writes bytes [first, last] of the archive: header bytes as generated, files from storage in
// large reads with the next file's read-ahead started. A blob whose size or CRC-32 no longer
// matches what the archive promised breaks the connection (a truncated download, never a
// silently corrupt one).
// `beforeLast` runs just before the last bytes go out: a client that has them all may start its
// next download at once, and must find its place free.
void streamArchive(const dom::ZipPlan& plan, dom::BlobStore& blobs, ByteRange range, BodySink& sink,
                   const std::string& requestId, const std::function<void()>& beforeLast) {
    const std::uint64_t end = range.last + 1;
    std::vector<char> buffer(kReadChunk);
    auto cursor = plan.cursor(range.first, range.last + 1);
    std::size_t prefetched = SIZE_MAX;
    while (auto piece = cursor.next()) {
        if (piece->kind == dom::ZipPiece::Kind::Header) {
            if (piece->archiveOffset + piece->length == end) beforeLast();
            if (!sink.write(piece->header.data(), piece->header.size())) return;
            continue;
        }
        const auto& entry = plan.entries()[piece->entry];
        const auto fail = [&](const std::string& why) {
            Log::error(
                "package_blob_mismatch",
                {{"request_id", requestId}, {"key", entry.blobKey}, {"entry", entry.name}, {"error", why}});
            sink.abort();
        };
        const auto st = blobs.stat(entry.blobKey);
        if (!st || st->size != entry.size) return fail(st ? "size " + std::to_string(st->size) : "missing");
        if (piece->entry + 1 < plan.entries().size() && prefetched != piece->entry + 1) {
            const auto& next = plan.entries()[piece->entry + 1];
            blobs.prefetch(next.blobKey, 0, next.size);
            prefetched = piece->entry + 1;
        }
        const bool wholeFile = piece->fileOffset == 0 && piece->length == entry.size;
        std::uint32_t crc = 0;
        auto reader = blobs.open(entry.blobKey, piece->fileOffset, piece->length);
        std::uint64_t left = piece->length;
        while (left > 0) {
            const auto n = reader->read(
                buffer.data(), static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size())));
            if (n == 0) return fail("shorter than its size");
            if (wholeFile) crc = libdeflate_crc32(crc, buffer.data(), n);
            left -= n;
            // The last chunk of a file is held back until its CRC is checked.
            if (wholeFile && left == 0 && crc != entry.crc32) return fail("CRC-32 differs");
            if (left == 0 && piece->archiveOffset + piece->length == end) beforeLast();
            if (!sink.write(buffer.data(), n)) return;
        }
    }
}

}  // namespace

std::optional<ByteRange> parseRange(std::string_view header, std::uint64_t size) {
    const std::string_view prefix = "bytes=";
    std::string_view h = header;
    while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
    while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
    if (h.size() < prefix.size() || !dom::text::iequalsAscii(h.substr(0, prefix.size()), prefix))
        return std::nullopt;
    h.remove_prefix(prefix.size());
    if (h.find(',') != std::string_view::npos) return std::nullopt;  // several ranges: send it all
    const auto dash = h.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    const auto firstText = h.substr(0, dash);
    const auto lastText = h.substr(dash + 1);
    const auto unsatisfiable = [&] {
        return dom::DomainError(dom::ErrorKind::RangeNotSatisfiable, "range_not_satisfiable",
                                "the range is outside the " + std::to_string(size) + "-byte archive");
    };
    if (firstText.empty()) {  // suffix: the last N bytes
        const auto n = parseNumber(lastText);
        if (!n) return std::nullopt;
        if (*n == 0 || size == 0) throw unsatisfiable();
        return ByteRange{size - std::min(*n, size), size - 1};
    }
    const auto first = parseNumber(firstText);
    if (!first) return std::nullopt;
    std::uint64_t last = size == 0 ? 0 : size - 1;
    if (!lastText.empty()) {
        const auto l = parseNumber(lastText);
        if (!l || *l < *first) return std::nullopt;
        last = std::min(*l, last);
    }
    if (*first >= size) throw unsatisfiable();
    return ByteRange{*first, last};
}

Response packageResponse(RouteContext& ctx, Request& req, std::int64_t selectionId) {
    const auto caller = ctx.authenticate(req);
    const auto typeText = req.query("type").value_or("package");
    if (typeText != "package" && typeText != "preview")
        throw dom::badRequest("type must be package or preview", {{"type", "must be package or preview"}});
    const auto type = typeText == "preview" ? dom::DownloadType::Preview : dom::DownloadType::Package;
    auto package = ctx.services.packages.prepare(caller.principal(), selectionId, type);
    const std::uint64_t size = package.plan->size();

    std::optional<ByteRange> range;
    if (const auto rangeHeader = req.header("Range")) {
        // If-Range with another validator: the client's partial copy is stale, send it all.
        const auto ifRange = req.header("If-Range");
        if (!ifRange || *ifRange == package.etag) {
            try {
                range = parseRange(*rangeHeader, size);
            } catch (const dom::DomainError& e) {
                if (e.kind() != dom::ErrorKind::RangeNotSatisfiable) throw;
                auto r = Response::json(416, R"({"error":{"code":"range_not_satisfiable","message":")" +
                                                 std::string(e.what()) + R"("}})");
                r.header("Content-Range", "bytes */" + std::to_string(size)).header("ETag", package.etag);
                return r;
            }
        }
    }
    const ByteRange bytes = range.value_or(ByteRange{0, size - 1});
    const bool headOnly = req.method() == "HEAD";
    // Once the head is out, a failure can only cut the transfer: storage that is down must be
    // a 503 (with Retry-After) now, before anything is sent or recorded.
    if (!headOnly) ctx.services.blobs->stat(package.plan->entries().front().blobKey);

    // Admission before anything is recorded; the ticket travels with the stream.
    auto ticket = headOnly ? nullptr
                           : std::make_shared<DownloadGate::Ticket>(
                                 ctx.services.downloadGate.admit(caller.principal().id()));
    // A download is a request that starts at byte 0; a later start continues one (SPEC §6).
    if (!headOnly && bytes.first == 0)
        ctx.services.packages.recordDownload(caller.principal(), package, ctx.audit(req, &caller));

    Response r;
    r.status = range ? 206 : 200;
    r.header("Content-Type", "application/zip")
        .header("Accept-Ranges", "bytes")
        .header("ETag", package.etag)
        .header("Content-Disposition", dom::contentDisposition("attachment", package.filename))
        .header("Cache-Control", "private, no-transform")
        .header("X-Accel-Buffering", "no");
    if (range)
        r.header("Content-Range", "bytes " + std::to_string(bytes.first) + "-" + std::to_string(bytes.last) +
                                      "/" + std::to_string(size));
    r.streamLength = bytes.last - bytes.first + 1;
    auto plan = package.plan;
    auto* blobs = ctx.services.blobs.get();
    r.stream = [plan, blobs, bytes, ticket, requestId = req.requestId()](BodySink& sink) mutable {
        streamArchive(*plan, *blobs, bytes, sink, requestId, [&ticket] { ticket.reset(); });
        ticket.reset();
    };
    return r;
}

}  // namespace mofang::fcgi
