// LocalBlobStore on a temporary directory. No database: the suite runs once, in the SQLite run
// of the contract tests.

#include <Poco/Checksum.h>
#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <latch>
#include <map>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "Fixtures.hpp"
#include "persistence/LocalBlobStore.hpp"

namespace fs = std::filesystem;
namespace bdata = boost::unit_test::data;
using namespace mofang;
using mofang::test::catchDomainError;
using mofang::test::sqliteRunOnly;
using mofang::test::TempDir;
using persistence::LocalBlobStore;

namespace {

const std::string kTempPrefix = "mofang-blobs";  // of the TempDirs

boost::test_tools::assertion_result notRoot(boost::unit_test::test_unit_id) {
    boost::test_tools::assertion_result result(::geteuid() != 0);
    result.message() << "root ignores directory permissions";
    return result;
}

std::string sha256Hex(const std::string& bytes) {
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(bytes);
    return Poco::DigestEngine::digestToHex(engine.digest());
}

std::uint32_t crc32Of(const std::string& bytes) {
    Poco::Checksum crc(Poco::Checksum::TYPE_CRC32);
    crc.update(bytes);
    return crc.checksum();
}

std::string randomBytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string out(n, '\0');
    for (auto& c : out) c = static_cast<char>(rng() & 0xff);
    return out;
}

std::string fileBytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeFile(const fs::path& path, const std::string& bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
}

// Sets a file's access and modification time `age` into the past.
void makeOld(const fs::path& path, std::chrono::seconds age) {
    const auto t = std::chrono::system_clock::now() - age;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
    struct timespec ts {};
    ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    const struct timespec times[2] = {ts, ts};
    BOOST_REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

domain::Millis nowMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Names of the regular files directly in `dir`.
std::vector<std::string> filesIn(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file()) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

struct WithStore : TempDir {
    WithStore() : TempDir(kTempPrefix) {}

    fs::path root = path / "blobs";
    LocalBlobStore store{root.string() + "/"};  // a trailing slash is dropped
    fs::path staging = root / ".staging";

    // Writes `bytes` (in chunks of `chunk`) and publishes them.
    domain::BlobInfo put(const std::string& bytes, std::size_t chunk = 4096) {
        auto w = store.create();
        for (std::size_t at = 0; at < bytes.size(); at += chunk)
            w->write(bytes.data() + at, std::min(chunk, bytes.size() - at));
        w->publish();
        return w->finish();
    }

    fs::path fileOf(const std::string& key) const { return root / domain::contentAddressedPath(key); }

    // [offset, offset + length) of `key`, read `chunk` bytes at a time.
    std::string read(const std::string& key, std::uint64_t offset, std::uint64_t length, std::size_t chunk) {
        auto r = store.open(key, offset, length);
        std::string out;
        std::vector<char> buffer(chunk);
        while (const auto n = r->read(buffer.data(), buffer.size())) {
            BOOST_REQUIRE(n <= chunk);
            out.append(buffer.data(), n);
        }
        return out;
    }

    std::map<std::string, std::uint64_t> listed() {
        std::map<std::string, std::uint64_t> out;
        store.list([&](const std::string& key, const domain::BlobStat& st) {
            BOOST_TEST(out.count(key) == 0u);
            out[key] = st.size;
        });
        return out;
    }

    // Files next to the blob that are not the blob (trash names of removers).
    std::vector<std::string> strays(const std::string& key) {
        std::vector<std::string> out;
        const auto dir = fileOf(key).parent_path();
        if (!fs::exists(dir)) return out;
        for (const auto& name : filesIn(dir))
            if (name != key) out.push_back(name);
        return out;
    }
};

// The modification time of a file, in nanoseconds.
std::int64_t mtimeNanos(const fs::path& path) {
    struct stat st {};
    BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

void checkNotFound(const std::optional<domain::DomainError>& e) {
    BOOST_REQUIRE(e);
    BOOST_TEST(e->kind() == domain::ErrorKind::NotFound);
    BOOST_TEST(e->code() == "not_found");
}

void checkUnavailable(const std::optional<domain::DomainError>& e) {
    BOOST_REQUIRE(e);
    BOOST_TEST(e->kind() == domain::ErrorKind::Unavailable);
    BOOST_TEST(e->code() == "unavailable");
}

struct DigestCase {
    std::string label;
    std::string bytes;
    std::string sha256;
    std::uint32_t crc32;
};
std::ostream& operator<<(std::ostream& os, const DigestCase& c) {
    return os << c.label;
}
// Published test vectors (FIPS 180-2 for SHA-256; the CRC-32 check value of "123456789").
const std::vector<DigestCase> kDigests = {
    {"empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0},
    {"abc", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 0x352441C2},
    {"123456789", "123456789", "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225",
     0xCBF43926},
    {"a million a", std::string(1'000'000, 'a'),
     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", 0xDC25BFBC},
};

struct RangeCase {
    std::uint64_t offset;
    std::uint64_t length;
};
std::ostream& operator<<(std::ostream& os, const RangeCase& c) {
    return os << "[" << c.offset << ", +" << c.length << ")";
}
constexpr std::uint64_t kRangeBlobSize = 10'000;
const std::vector<RangeCase> kRanges = {
    {0, kRangeBlobSize}, {0, 0},         {0, 1},         {1, 1},      {9'999, 1},
    {123, 4'567},        {4'096, 4'096}, {4'095, 4'098}, {10'000, 0},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(local_blob_store, *boost::unit_test::precondition(sqliteRunOnly))

BOOST_DATA_TEST_CASE(finish_reports_sha256_crc32_and_size, bdata::make(kDigests) * bdata::make({5, 65536}), c,
                     chunk) {
    WithStore s;
    auto w = s.store.create();
    for (std::size_t at = 0; at < c.bytes.size(); at += chunk)
        w->write(c.bytes.data() + at, std::min<std::size_t>(chunk, c.bytes.size() - at));
    BOOST_TEST(w->size() == c.bytes.size());
    const auto info = w->finish();
    BOOST_TEST(info.sha256 == c.sha256);
    BOOST_TEST(info.key == c.sha256);
    BOOST_TEST(info.crc32 == c.crc32);
    BOOST_TEST(info.size == c.bytes.size());
    // Later calls return the same, and the input is closed.
    BOOST_TEST(w->finish().key == info.key);
    BOOST_CHECK_THROW(w->write("x", 1), std::logic_error);
    BOOST_TEST(fileBytes(w->stagedPath()) == c.bytes);
}

BOOST_AUTO_TEST_CASE(checksums_match_an_independent_implementation) {
    WithStore s;
    const auto bytes = randomBytes(3'000'001, 42);
    auto w = s.store.create();
    // Odd chunk sizes, an empty write among them.
    std::size_t at = 0;
    for (std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{4095}, std::size_t{1'000'003}}) {
        w->write(bytes.data() + at, chunk);
        at += chunk;
    }
    w->write(bytes.data() + at, bytes.size() - at);
    const auto& info = w->finish();
    BOOST_TEST(info.sha256 == sha256Hex(bytes));
    BOOST_TEST(info.crc32 == crc32Of(bytes));
    BOOST_TEST(info.size == bytes.size());
    BOOST_TEST(crc32Of("123456789") == 0xCBF43926u);  // the reference itself
}

BOOST_AUTO_TEST_CASE(nothing_is_visible_before_publish) {
    WithStore s;
    const std::string bytes = "the bytes of an image";
    auto w = s.store.create();
    w->write(bytes.data(), bytes.size());
    const auto info = w->finish();

    // Staged, durable, invisible.
    BOOST_TEST(fs::path(w->stagedPath()).parent_path() == s.staging);
    BOOST_TEST(fileBytes(w->stagedPath()) == bytes);
    BOOST_TEST(!s.store.stat(info.key));
    checkNotFound(catchDomainError([&] { s.store.open(info.key, 0, bytes.size()); }));
    BOOST_TEST(s.listed().empty());
    BOOST_TEST(!fs::exists(s.fileOf(info.key)));

    w->publish();
    BOOST_TEST(fs::is_regular_file(s.root / info.key.substr(0, 2) / info.key.substr(2, 2) / info.key));
    BOOST_TEST(fileBytes(s.fileOf(info.key)) == bytes);
    BOOST_TEST(filesIn(s.staging).empty());
    const auto st = s.store.stat(info.key);
    BOOST_REQUIRE(st);
    BOOST_TEST(st->size == bytes.size());
    BOOST_TEST(s.read(info.key, 0, bytes.size(), 5) == bytes);
    BOOST_TEST((s.listed() == std::map<std::string, std::uint64_t>{{info.key, bytes.size()}}));
    BOOST_TEST(s.store.localRelativePath(info.key).value_or("") ==
               info.key.substr(0, 2) + "/" + info.key.substr(2, 2) + "/" + info.key);
    BOOST_TEST(!s.store.presignedUrl(info.key, "image/jpeg", "inline"));

    // Publishing again is harmless; destroying a published writer keeps the blob.
    w->publish();
    w.reset();
    BOOST_TEST(fileBytes(s.fileOf(info.key)) == bytes);
    BOOST_TEST(filesIn(s.staging).empty());
}

BOOST_AUTO_TEST_CASE(destroying_an_unpublished_writer_discards_its_bytes) {
    WithStore s;
    {
        auto unfinished = s.store.create();
        unfinished->write("partial", 7);
        auto finished = s.store.create();
        finished->write("complete", 8);
        finished->finish();
        auto empty = s.store.create();
        BOOST_TEST(filesIn(s.staging).size() == 3u);
    }
    BOOST_TEST(filesIn(s.staging).empty());
    BOOST_TEST(s.listed().empty());
    BOOST_TEST(std::distance(fs::directory_iterator(s.root), fs::directory_iterator()) == 1);  // .staging
}

BOOST_AUTO_TEST_CASE(identical_bytes_from_two_writers_are_one_blob) {
    WithStore s;
    const auto bytes = randomBytes(100'000, 7);
    auto first = s.store.create();
    auto second = s.store.create();
    first->write(bytes.data(), bytes.size());
    second->write(bytes.data(), bytes.size());
    BOOST_TEST(first->finish().key == second->finish().key);
    BOOST_TEST(first->stagedPath() != second->stagedPath());
    const auto key = first->finish().key;

    first->publish();
    const auto firstTime = mtimeNanos(s.fileOf(key));
    second->publish();
    // One file, and its time says when it was published last.
    BOOST_TEST(filesIn(s.fileOf(key).parent_path()) == std::vector<std::string>{key},
               boost::test_tools::per_element());
    BOOST_TEST(mtimeNanos(s.fileOf(key)) >= firstTime);
    BOOST_TEST(fileBytes(s.fileOf(key)) == bytes);
    BOOST_TEST(s.listed().size() == 1u);
    BOOST_TEST(filesIn(s.staging).empty());
}

BOOST_AUTO_TEST_CASE(publish_sets_the_time_that_mark_compares_with) {
    WithStore s;
    const auto before = s.store.mark();
    const auto info = s.put("timed");
    const auto after = s.store.mark();
    const auto t = mtimeNanos(s.fileOf(info.key));
    BOOST_TEST(before <= t);
    BOOST_TEST(t <= after);
    const auto st = s.store.stat(info.key);
    BOOST_REQUIRE(st);
    BOOST_TEST(st->modifiedAt == t / 1'000'000);
    BOOST_TEST(st->modifiedAt >= nowMillis() - 60'000);
}

BOOST_DATA_TEST_CASE(open_reads_a_range_in_buffers_of_any_size,
                     bdata::make(kRanges) *
                         bdata::make({std::size_t{1}, std::size_t{7}, std::size_t{4096}, std::size_t{65536}}),
                     r, chunk) {
    WithStore s;
    const auto bytes = randomBytes(kRangeBlobSize, 3);
    const auto key = s.put(bytes).key;
    BOOST_TEST(s.read(key, r.offset, r.length, chunk) == bytes.substr(r.offset, r.length));
}

BOOST_AUTO_TEST_CASE(a_read_past_the_end_is_a_storage_failure_not_short_data) {
    // The caller asks for what the row says the blob holds; less on disk means the store is
    // damaged, which must not pass as a short (silently truncated) download.
    WithStore s;
    const auto key = s.put("0123456789").key;
    {
        auto r = s.store.open(key, 5, 10);
        char buffer[64];
        BOOST_TEST(r->read(buffer, sizeof buffer) == 5u);
        checkUnavailable(catchDomainError([&] { r->read(buffer, sizeof buffer); }));
    }
    {
        auto r = s.store.open(key, 11, 1);
        char buffer[8];
        checkUnavailable(catchDomainError([&] { r->read(buffer, sizeof buffer); }));
    }
    // A zero-length buffer or range reads nothing, wherever it is.
    auto r = s.store.open(key, 100, 0);
    char buffer[8];
    BOOST_TEST(r->read(buffer, sizeof buffer) == 0u);
    BOOST_TEST(s.store.open(key, 0, 10)->read(buffer, 0) == 0u);
}

BOOST_AUTO_TEST_CASE(missing_and_malformed_keys_are_not_found) {
    WithStore s;
    const auto key = s.put("present").key;
    const auto absent = sha256Hex("absent");
    checkNotFound(catchDomainError([&] { s.store.open(absent, 0, 1); }));
    BOOST_TEST(!s.store.stat(absent));
    BOOST_TEST(!s.store.removeIfStale(absent, s.store.mark()));
    std::string upper = key;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    // Never a path outside the store, whatever the key.
    for (const auto& bad : {std::string("../../etc/passwd"), std::string(""), key.substr(0, 63), key + "0",
                            upper, std::string(".staging/x"), "ab/cd/" + key}) {
        BOOST_TEST_CONTEXT("key '" << bad << "'") {
            checkNotFound(catchDomainError([&] { s.store.open(bad, 0, 1); }));
            BOOST_TEST(!s.store.localRelativePath(bad));
        }
    }
}

BOOST_AUTO_TEST_CASE(list_visits_only_published_content_keys) {
    WithStore s;
    std::map<std::string, std::uint64_t> expected;
    for (int i = 0; i < 20; ++i) {
        const auto bytes = randomBytes(static_cast<std::size_t>(i * 37), static_cast<unsigned>(i));
        expected[s.put(bytes).key] = bytes.size();
    }
    const auto key = expected.begin()->first;
    const auto dir = s.fileOf(key).parent_path();
    const auto stranger = sha256Hex("not stored here");

    // Junk that is not a published blob.
    writeFile(dir / (key + ".gc-123-4-5"), "a remover's trash");
    writeFile(dir / "README", "junk");
    writeFile(dir / stranger, "a valid key in the wrong directory");
    writeFile(s.root / stranger, "a valid key at the top");
    writeFile(s.root / "zz" / "zz" / stranger, "not a hex directory");
    writeFile(s.root / "abc" / "de" / stranger, "a three-letter directory");
    writeFile(s.staging / stranger, "staged, named like a key");
    const auto upper = [](std::string k) {
        for (auto& c : k) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return k;
    };
    writeFile(s.root / upper(stranger.substr(0, 2)) / upper(stranger.substr(2, 2)) / upper(stranger),
              "upper case");
    fs::create_directories(s.root / stranger.substr(0, 2) / stranger.substr(2, 2) / (stranger + ".d"));
    auto unpublished = s.store.create();
    unpublished->write("never published", 15);
    unpublished->finish();

    BOOST_TEST((s.listed() == expected));
}

BOOST_AUTO_TEST_CASE(list_ignores_junk_files_named_like_shard_directories) {
    // A stray regular file where the two levels of shard directories are ("ab", "ab/cd") is junk
    // like any other: listing (and so garbage collection) must not fail on it.
    WithStore s;
    const auto key = s.put("content").key;
    writeFile(s.root / "ee", "a file, not a directory");
    writeFile(s.root / key.substr(0, 2) / "ff", "a file, not a directory");
    std::map<std::string, std::uint64_t> listed;
    const auto e = [&]() -> std::optional<domain::DomainError> {
        try {
            listed = s.listed();
        } catch (const domain::DomainError& error) {
            return error;
        }
        return std::nullopt;
    }();
    BOOST_CHECK_MESSAGE(!e, "list() threw: " << (e ? e->what() : ""));
    BOOST_TEST((listed == std::map<std::string, std::uint64_t>{{key, 7}}));
    // removeAbandoned() walks the same directories.
    try {
        BOOST_TEST(s.store.removeAbandoned(nowMillis()) == 0u);
    } catch (const domain::DomainError& error) {
        BOOST_ERROR("removeAbandoned() threw: " << error.what());
    }
}

BOOST_AUTO_TEST_CASE(remove_if_stale_removes_a_blob_published_before_the_mark) {
    WithStore s;
    const auto info = s.put("stale");
    const auto other = s.put("a neighbour");
    const auto mark = s.store.mark();
    BOOST_TEST(s.store.removeIfStale(info.key, mark));
    BOOST_TEST(!fs::exists(s.fileOf(info.key)));
    BOOST_TEST(!s.store.stat(info.key));
    BOOST_TEST(s.strays(info.key).empty(), boost::test_tools::per_element());
    BOOST_TEST((s.listed() == std::map<std::string, std::uint64_t>{{other.key, other.size}}));
    // Gone is gone; the key can be published again.
    BOOST_TEST(!s.store.removeIfStale(info.key, s.store.mark()));
    s.put("stale");
    BOOST_TEST(fileBytes(s.fileOf(info.key)) == "stale");
}

BOOST_AUTO_TEST_CASE(remove_if_stale_keeps_a_blob_published_after_the_mark) {
    WithStore s;
    const auto mark = s.store.mark();
    const auto info = s.put("fresh");
    BOOST_TEST(!s.store.removeIfStale(info.key, mark));
    BOOST_TEST(fileBytes(s.fileOf(info.key)) == "fresh");
    BOOST_TEST(s.store.stat(info.key).has_value());
    BOOST_TEST(s.strays(info.key).empty(), boost::test_tools::per_element());
    // Still a normal blob: a later mark removes it.
    BOOST_TEST(s.store.removeIfStale(info.key, s.store.mark()));
}

BOOST_AUTO_TEST_CASE(remove_if_stale_keeps_a_blob_published_again_after_the_mark) {
    // The remover's case: it takes its mark, finds no reference, and meanwhile a writer
    // publishes the same bytes again. The remover takes the name away, sees the fresh time and
    // puts the blob back.
    WithStore s;
    const auto bytes = randomBytes(5000, 11);
    const auto info = s.put(bytes);
    const auto mark = s.store.mark();
    s.put(bytes);
    BOOST_TEST(!s.store.removeIfStale(info.key, mark));
    BOOST_TEST(fileBytes(s.fileOf(info.key)) == bytes);
    BOOST_TEST(s.strays(info.key).empty(), boost::test_tools::per_element());
    BOOST_TEST(s.read(info.key, 0, bytes.size(), 1000) == bytes);

    // A reader that opened the blob before a removal keeps reading it.
    auto reader = s.store.open(info.key, 0, bytes.size());
    BOOST_TEST(s.store.removeIfStale(info.key, s.store.mark()));
    std::string got(bytes.size(), '\0');
    std::size_t at = 0;
    while (const auto n = reader->read(got.data() + at, got.size() - at)) at += n;
    BOOST_TEST(got == bytes);
}

BOOST_AUTO_TEST_CASE(remove_abandoned_frees_old_staging_and_trash_files_only) {
    WithStore s;
    const auto blob = s.put("a published blob, however old");
    makeOld(s.fileOf(blob.key), std::chrono::hours(24 * 30));
    writeFile(s.staging / "upload-crashed-1", std::string(100, 'x'));
    makeOld(s.staging / "upload-crashed-1", std::chrono::hours(48));
    writeFile(s.staging / "upload-crashed-2", std::string(50, 'x'));
    makeOld(s.staging / "upload-crashed-2", std::chrono::hours(25));
    writeFile(s.staging / "upload-recent", std::string(30, 'x'));
    makeOld(s.staging / "upload-recent", std::chrono::hours(23));
    fs::create_directories(s.staging / "a-directory");
    makeOld(s.staging / "a-directory", std::chrono::hours(48));
    const auto dir = s.fileOf(blob.key).parent_path();
    writeFile(dir / (blob.key + ".gc-1-2-3"), std::string(70, 't'));
    makeOld(dir / (blob.key + ".gc-1-2-3"), std::chrono::hours(48));
    writeFile(dir / (blob.key + ".gc-4-5-6"), std::string(20, 't'));
    // A writer at work, its staged file fresh.
    auto writer = s.store.create();
    writer->write("in progress", 11);

    const auto freed = s.store.removeAbandoned(nowMillis() - 24 * 60 * 60 * 1000);
    BOOST_TEST(freed == 100u + 50u + 70u);
    BOOST_TEST(!fs::exists(s.staging / "upload-crashed-1"));
    BOOST_TEST(!fs::exists(s.staging / "upload-crashed-2"));
    BOOST_TEST(fs::exists(s.staging / "upload-recent"));
    BOOST_TEST(fs::is_directory(s.staging / "a-directory"));
    BOOST_TEST(fs::exists(writer->stagedPath()));
    BOOST_TEST(fileBytes(s.fileOf(blob.key)) == "a published blob, however old");
    BOOST_TEST(s.strays(blob.key) == std::vector<std::string>{blob.key + ".gc-4-5-6"},
               boost::test_tools::per_element());
    writer->publish();
    BOOST_TEST(s.store.removeAbandoned(nowMillis() - 24 * 60 * 60 * 1000) == 0u);
}

BOOST_AUTO_TEST_CASE(check_passes_on_a_writable_store_and_leaves_nothing) {
    WithStore s;
    BOOST_CHECK_NO_THROW(s.store.check());
    BOOST_TEST(filesIn(s.staging).empty());
}

BOOST_AUTO_TEST_CASE(check_is_unavailable_on_a_read_only_store, *boost::unit_test::precondition(notRoot)) {
    WithStore s;
    fs::permissions(s.staging, fs::perms::owner_read | fs::perms::owner_exec);
    fs::permissions(s.root, fs::perms::owner_read | fs::perms::owner_exec);
    checkUnavailable(catchDomainError([&] { s.store.check(); }));
    checkUnavailable(catchDomainError([&] { s.store.create(); }));
}

BOOST_AUTO_TEST_CASE(check_is_unavailable_when_the_staging_directory_is_gone) {
    // Also as root (which ignores permissions): a store whose directory vanished.
    WithStore s;
    fs::remove_all(s.staging);
    checkUnavailable(catchDomainError([&] { s.store.check(); }));
    checkUnavailable(catchDomainError([&] { s.store.create(); }));
}

BOOST_AUTO_TEST_CASE(a_root_that_cannot_be_created_is_unavailable) {
    TempDir t(kTempPrefix);
    writeFile(t.path / "a-file", "not a directory");
    checkUnavailable(catchDomainError([&] { LocalBlobStore store((t.path / "a-file" / "blobs").string()); }));
    // An existing root is fine, and so is making a missing one.
    BOOST_CHECK_NO_THROW(LocalBlobStore((t.path / "new").string()));
    BOOST_CHECK_NO_THROW(LocalBlobStore((t.path / "new").string()));
    BOOST_TEST(fs::is_directory(t.path / "new" / ".staging"));
}

BOOST_AUTO_TEST_CASE(a_blob_published_after_the_mark_is_never_lost_to_a_concurrent_remover) {
    // Rounds of: the remover takes its mark; then 8 writers publish the same bytes while the
    // remover calls removeIfStale(key, mark) in a loop. Every publish of the round is after the
    // mark, so once the round is over the blob must be there, and the remover may have removed
    // at most the previous round's copy (published before the mark). A final mark taken after
    // the round removes it: the blob exists iff it was published after the mark.
    WithStore s;
    const auto bytes = randomBytes(64 * 1024, 99);
    const auto key = sha256Hex(bytes);
    constexpr int kRounds = 40;
    constexpr int kWriters = 8;
    int stalePresentRounds = 0;
    int staleRemoved = 0;
    long removerCalls = 0;
    for (int round = 0; round < kRounds; ++round) {
        BOOST_TEST_CONTEXT("round " << round) {
            const bool stalePresent = fs::exists(s.fileOf(key));
            stalePresentRounds += stalePresent ? 1 : 0;
            const auto mark = s.store.mark();
            std::vector<std::unique_ptr<domain::BlobWriter>> writers;
            for (int i = 0; i < kWriters; ++i) {
                writers.push_back(s.store.create());
                writers.back()->write(bytes.data(), bytes.size());
                writers.back()->finish();
            }
            std::latch start(kWriters + 1);
            std::atomic<bool> stop{false};
            std::atomic<int> removed{0};
            std::atomic<int> attempts{0};
            std::atomic<int> failures{0};
            std::thread remover([&] {
                start.arrive_and_wait();
                while (!stop.load()) {
                    try {
                        if (s.store.removeIfStale(key, mark)) ++removed;
                    } catch (...) {
                        ++failures;
                    }
                    ++attempts;
                }
            });
            std::vector<std::thread> publishers;
            for (int i = 0; i < kWriters; ++i) {
                publishers.emplace_back([&, i] {
                    start.arrive_and_wait();
                    try {
                        writers[static_cast<std::size_t>(i)]->publish();
                    } catch (...) {
                        ++failures;
                    }
                });
            }
            for (auto& t : publishers) t.join();
            // Let the remover have a go at the final state too.
            const int seen = attempts.load();
            while (attempts.load() < seen + 3) std::this_thread::yield();
            stop = true;
            remover.join();

            staleRemoved += removed.load();
            removerCalls += attempts.load();
            BOOST_TEST(failures.load() == 0);
            BOOST_TEST(removed.load() <= (stalePresent ? 1 : 0));
            BOOST_TEST(fs::exists(s.fileOf(key)));
            BOOST_TEST(fileBytes(s.fileOf(key)) == bytes);
            BOOST_TEST(s.strays(key).empty(), boost::test_tools::per_element());
            writers.clear();
            BOOST_TEST(filesIn(s.staging).empty());
            // Every other round ends with the blob removed by a mark taken after it; the others
            // leave it for the next round's remover, as a copy published before its mark.
            if (round % 2 == 1) {
                BOOST_TEST(s.store.removeIfStale(key, s.store.mark()));
                BOOST_TEST(!fs::exists(s.fileOf(key)));
            }
        }
    }
    BOOST_TEST(stalePresentRounds == kRounds / 2);
    BOOST_TEST_MESSAGE("remover: " << removerCalls << " calls, " << staleRemoved << " of "
                                   << stalePresentRounds
                                   << " stale copies removed before a writer replaced them");
}

BOOST_AUTO_TEST_SUITE_END()
