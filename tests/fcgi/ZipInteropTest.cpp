// The archives of domain/ZipPlan opened by real readers: Info-ZIP unzip, Python's zipfile, 7-Zip,
// libarchive's bsdtar (seeking and streaming) and Java's ZipInputStream / ZipFile. A reader that is
// not installed is skipped with a message.

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "domain/ZipPlan.hpp"

namespace bdata = boost::unit_test::data;
namespace fs = std::filesystem;
using namespace mofang::domain;

namespace {

const std::string kMain = "\xE4\xB8\xBB\xE5\x9B\xBE";  // 主图
const std::string kRed = "\xE7\xBA\xA2\xE8\x89\xB2";   // 红色
const std::string kEmoji = "\xF0\x9F\x98\x80";         // 😀
constexpr std::int64_t kMtime = 1795325051999;         // 2026-11-22T05:24:11.999Z

// Deterministic bytes that do not compress away.
std::string noise(std::size_t size, std::uint32_t seed) {
    std::string out(size, '\0');
    for (auto& c : out) {
        seed = seed * 1664525U + 1013904223U;
        c = static_cast<char>(seed >> 24);
    }
    return out;
}

struct Archive {
    std::string name;
    PackageInput input;
    ZipLimits limits;
    std::map<std::string, std::string> contents;  // blob key -> bytes
};

void add(Archive& a, std::string moduleType, std::string subType, std::string filename, std::string content) {
    PackageEntryInput e;
    e.moduleType = std::move(moduleType);
    e.subType = std::move(subType);
    e.filename = std::move(filename);
    e.size = content.size();
    e.crc32 = zipCrc32(content);
    e.sha256 = "sha-" + std::to_string(a.contents.size());
    e.mtimeMillis = kMtime;
    e.blobKey = "blob-" + std::to_string(a.contents.size());
    a.contents[e.blobKey] = std::move(content);
    a.input.entries.push_back(std::move(e));
}

Archive mixed(std::string name, ZipLimits limits) {
    Archive a{std::move(name), {}, limits, {}};
    a.input.spuCode = "SPU-" + kMain;
    add(a, "main", "", kMain + "-01.jpg", noise(3000, 1));
    add(a, "main", "", "empty.jpg", "");
    add(a, "main", "", "e\xCC\x81t\xC3\xA9.jpg", noise(17, 2));  // NFD é, NFC é
    add(a, "sku", kRed, kEmoji + " smile.png", noise(12, 3));
    add(a, "sku", kRed, "../../evil.jpg", noise(1, 4));
    add(a, "sku", "S", "a.jpg", noise(40, 5));
    add(a, "sku", "s", "A.JPG", noise(41, 6));  // collides case-insensitively: "01-A (2).JPG"
    add(a, "detail", "CON", "aux.jpg", noise(9, 7));
    add(a, "detail", "", "trailing dots...", noise(10, 8));
    add(a, "detail", "", "back\\slash.webp", noise(100000, 9));
    return a;
}

Archive many() {
    Archive a{"70,000 entries (ZIP64 end by count)", {}, {}, {}};
    a.input.spuCode = "SPU-MANY";
    const std::array<const char*, 3> types = {"main", "sku", "detail"};
    for (std::size_t i = 0; i < 70000; ++i)
        add(a, types[i % 3], "", "\xE5\x9B\xBE" + std::to_string(i) + ".jpg",
            std::string(1, static_cast<char>('a' + i % 26)));
    return a;
}

const std::vector<Archive>& archives() {
    static const std::vector<Archive> kArchives = {
        mixed("mixed names", ZipLimits{}),
        mixed("mixed names, ZIP64 forced (max32=10, max16=2)", ZipLimits{10, 2}),
        mixed("mixed names, ZIP64 everywhere (max32=1, max16=1)", ZipLimits{1, 1}),
    };
    return kArchives;
}

std::vector<std::size_t> archiveIndices() {
    return {0, 1, 2};
}

struct Result {
    int exitCode = -1;
    std::string output;
};

// Runs a shell command; stdout and stderr together.
Result run(const std::string& command) {
    Result r;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
    std::array<char, 65536> buffer{};
    for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;)
        r.output.append(buffer.data(), n);
    const int status = ::pclose(pipe);
    r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

bool have(const std::string& tool) {
    return run("command -v " + tool + " >/dev/null").exitCode == 0;
}

std::string quote(const std::string& s) {
    std::string out = "'";
    for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A fresh directory holding the archive as a file; removed afterwards.
class ArchiveFile {
  public:
    explicit ArchiveFile(const Archive& a) : plan_(a.input, a.limits), archive_(a) {
        static std::atomic<int> counter{0};
        dir_ = fs::temp_directory_path() /
               ("mofang-zip-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        fs::create_directories(dir_);
        std::ofstream out(path(), std::ios::binary);
        auto cursor = plan_.cursor();
        while (auto piece = cursor.next()) {
            if (piece->kind == ZipPiece::Kind::Header) {
                out.write(piece->header.data(), static_cast<std::streamsize>(piece->header.size()));
            } else {
                const std::string& bytes = a.contents.at(std::string(piece->blobKey));
                out.write(bytes.data() + piece->fileOffset, static_cast<std::streamsize>(piece->length));
            }
        }
        out.close();
        if (fs::file_size(path()) != plan_.size()) throw std::runtime_error("archive written short");
    }
    ~ArchiveFile() {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }
    ArchiveFile(const ArchiveFile&) = delete;
    ArchiveFile& operator=(const ArchiveFile&) = delete;

    fs::path path() const { return dir_ / "package.zip"; }
    std::string quoted() const { return quote(path().string()); }
    fs::path extractDir(const std::string& tool) const { return dir_ / ("x-" + tool); }
    const ZipPlan& plan() const { return plan_; }

    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& e : plan_.entries()) out.push_back(e.name);
        return out;
    }
    const std::string& content(std::size_t i) const {
        return archive_.contents.at(plan_.entries()[i].blobKey);
    }
    std::string allContents() const {
        std::string out;
        for (std::size_t i = 0; i < plan_.entries().size(); ++i) out += content(i);
        return out;
    }
    // Every file extracted under `dir` has the planned content.
    std::size_t extractedMismatches(const fs::path& dir) const {
        std::size_t bad = 0;
        for (std::size_t i = 0; i < plan_.entries().size(); ++i) {
            const fs::path file = dir / plan_.entries()[i].name;
            if (!fs::is_regular_file(file) || readFile(file) != content(i)) {
                if (bad < 5) BOOST_TEST_MESSAGE("extracted file differs: " << file.string());
                ++bad;
            }
        }
        return bad;
    }

  private:
    ZipPlan plan_;
    const Archive& archive_;
    fs::path dir_;
};

bool skipWithout(const std::string& tool) {
    if (have(tool)) return false;
    BOOST_TEST_MESSAGE(tool << " is not installed: skipped");
    return true;
}

// Checks that none of `wanted` is missing from `listing`'s lines (trimmed of leading spaces).
std::size_t missingNames(const std::vector<std::string>& wanted, const std::string& listing,
                         std::string_view prefix) {
    std::map<std::string, int> seen;
    for (const auto& line : lines(listing))
        if (line.starts_with(prefix)) seen[line.substr(prefix.size())]++;
    std::size_t missing = 0;
    for (const auto& name : wanted)
        if (seen.find(name) == seen.end()) {
            if (missing < 5) BOOST_TEST_MESSAGE("not listed: " << name);
            ++missing;
        }
    return missing;
}

const std::string kUtf8 = "LC_ALL=C.UTF-8 ";

}  // namespace

BOOST_AUTO_TEST_SUITE(ZipInterop)

BOOST_DATA_TEST_CASE(InfoZipUnzip, bdata::make(archiveIndices()), index) {
    if (skipWithout("unzip")) return;
    const Archive& a = archives()[index];
    BOOST_TEST_MESSAGE(a.name);
    const ArchiveFile file(a);
    const Result test = run(kUtf8 + "unzip -t " + file.quoted());
    BOOST_TEST(test.exitCode == 0, test.output.substr(0, 2000));
    BOOST_TEST(test.output.find("No errors detected in compressed data") != std::string::npos);
    const Result list = run(kUtf8 + "unzip -Z1 " + file.quoted());
    BOOST_TEST(list.exitCode == 0);
    BOOST_TEST(lines(list.output) == file.names(), boost::test_tools::per_element());
    const fs::path dir = file.extractDir("unzip");
    const Result extract = run(kUtf8 + "unzip -q " + file.quoted() + " -d " + quote(dir.string()));
    BOOST_TEST(extract.exitCode == 0, extract.output.substr(0, 2000));
    BOOST_TEST(file.extractedMismatches(dir) == 0U);
}

BOOST_DATA_TEST_CASE(PythonZipfile, bdata::make(archiveIndices()), index) {
    if (skipWithout("python3")) return;
    const Archive& a = archives()[index];
    BOOST_TEST_MESSAGE(a.name);
    const ArchiveFile file(a);
    const std::string env = kUtf8 + "PYTHONIOENCODING=utf-8 ";
    const Result test = run(env + "python3 -m zipfile -t " + file.quoted());
    BOOST_TEST(test.exitCode == 0, test.output.substr(0, 2000));
    // -l prints "name  date time  size" per entry (the DOS date and time as stored, here UTC):
    // the UTF-8 names must be there, as is.
    const Result list = run(env + "python3 -m zipfile -l " + file.quoted());
    BOOST_TEST(list.exitCode == 0);
    std::vector<std::string> listed;
    for (const auto& line : lines(list.output)) {
        const auto date = line.find(" 2026-11-22 05:24:10 ");
        if (date == std::string::npos) continue;
        std::string name = line.substr(0, date);
        while (!name.empty() && name.back() == ' ') name.pop_back();
        listed.push_back(name);
    }
    BOOST_TEST(listed == file.names(), boost::test_tools::per_element());
    BOOST_TEST(list.output.find(kMain) != std::string::npos);
    // And the exact names and bytes, through the API.
    const Result names = run(env + "python3 -c " +
                             quote("import sys, zipfile, zlib\n"
                                   "z = zipfile.ZipFile(sys.argv[1])\n"
                                   "for i in z.infolist():\n"
                                   "    d = z.read(i)\n"
                                   "    assert zlib.crc32(d) == i.CRC and len(d) == i.file_size, i.filename\n"
                                   "    assert i.flag_bits & 0x800 and not i.flag_bits & 0x8, i.filename\n"
                                   "    print(i.filename)\n") +
                             " " + file.quoted());
    BOOST_TEST(names.exitCode == 0, names.output.substr(0, 2000));
    BOOST_TEST(lines(names.output) == file.names(), boost::test_tools::per_element());
}

BOOST_DATA_TEST_CASE(SevenZip, bdata::make(archiveIndices()), index) {
    if (skipWithout("7z")) return;
    const Archive& a = archives()[index];
    BOOST_TEST_MESSAGE(a.name);
    const ArchiveFile file(a);
    const Result test = run(kUtf8 + "7z t " + file.quoted());
    BOOST_TEST(test.exitCode == 0, test.output.substr(0, 2000));
    BOOST_TEST(test.output.find("Everything is Ok") != std::string::npos);
    BOOST_TEST(test.output.find("Warning") == std::string::npos, test.output.substr(0, 2000));
    const Result list = run(kUtf8 + "7z l -slt " + file.quoted());
    BOOST_TEST(list.exitCode == 0);
    BOOST_TEST(missingNames(file.names(), list.output, "Path = ") == 0U);
}

BOOST_DATA_TEST_CASE(Bsdtar, bdata::make(archiveIndices()), index) {
    if (skipWithout("bsdtar")) return;
    const Archive& a = archives()[index];
    BOOST_TEST_MESSAGE(a.name);
    const ArchiveFile file(a);
    // Seeking: the central directory.
    const Result list = run(kUtf8 + "bsdtar -tf " + file.quoted());
    BOOST_TEST(list.exitCode == 0, list.output.substr(0, 2000));
    BOOST_TEST(lines(list.output) == file.names(), boost::test_tools::per_element());
    // Streaming from a pipe: local headers only, as a client reading the download as it comes.
    const Result streamed = run(kUtf8 + "cat " + file.quoted() + " | bsdtar -xOf -");
    BOOST_TEST(streamed.exitCode == 0, streamed.output.substr(0, 2000));
    BOOST_TEST((streamed.output == file.allContents()));
    const Result streamedList = run(kUtf8 + "cat " + file.quoted() + " | bsdtar -tf -");
    BOOST_TEST(streamedList.exitCode == 0);
    BOOST_TEST(lines(streamedList.output) == file.names(), boost::test_tools::per_element());
}

BOOST_DATA_TEST_CASE(JavaZipInputStream, bdata::make(archiveIndices()), index) {
    if (skipWithout("java")) return;
    const fs::path source = fs::path(__FILE__).parent_path() / "ZipCheck.java";
    if (!fs::exists(source)) {
        BOOST_TEST_MESSAGE(source.string() << " not found: skipped");
        return;
    }
    const Archive& a = archives()[index];
    BOOST_TEST_MESSAGE(a.name);
    const ArchiveFile file(a);
    const Result check = run("java " + quote(source.string()) + " " + file.quoted());
    BOOST_TEST(check.exitCode == 0, check.output.substr(0, 2000));
    std::vector<std::string> expected;
    for (std::size_t i = 0; i < file.plan().entries().size(); ++i) {
        const auto& e = file.plan().entries()[i];
        char crc[9];
        std::snprintf(crc, sizeof crc, "%08x", e.crc32);
        expected.push_back(e.name + "\t" + std::to_string(e.size) + "\t" + crc);
    }
    BOOST_TEST(lines(check.output) == expected, boost::test_tools::per_element());
}

// ZIP64 because of the entry count alone (real limits): each reader's own test, ~8 s in all.
BOOST_AUTO_TEST_CASE(SeventyThousandEntries) {
    const Archive a = many();
    const ArchiveFile file(a);
    BOOST_TEST(file.plan().zip64End());
    const std::size_t count = file.plan().entries().size();
    if (have("unzip")) {
        const Result test = run(kUtf8 + "unzip -tq " + file.quoted());
        BOOST_TEST(test.exitCode == 0, test.output.substr(0, 2000));
        BOOST_TEST(test.output.find("No errors detected") != std::string::npos);
    }
    if (have("python3")) {
        const Result test = run("python3 -m zipfile -t " + file.quoted());
        BOOST_TEST(test.exitCode == 0, test.output.substr(0, 2000));
        const Result n =
            run("python3 -c " +
                quote("import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).infolist()))") + " " +
                file.quoted());
        BOOST_TEST(n.output == std::to_string(count) + "\n");
    }
    if (have("7z")) {
        const Result test = run(kUtf8 + "7z t " + file.quoted());
        BOOST_TEST(test.exitCode == 0, test.output.substr(0, 2000));
        BOOST_TEST(test.output.find("Files: " + std::to_string(count)) != std::string::npos);
    }
    if (have("bsdtar")) {
        const Result seeking = run(kUtf8 + "bsdtar -tf " + file.quoted());
        BOOST_TEST(seeking.exitCode == 0);
        BOOST_TEST(lines(seeking.output).size() == count);
        const Result streamed = run(kUtf8 + "cat " + file.quoted() + " | bsdtar -xOf -");
        BOOST_TEST(streamed.exitCode == 0);
        BOOST_TEST((streamed.output == file.allContents()));
    }
    const fs::path source = fs::path(__FILE__).parent_path() / "ZipCheck.java";
    if (have("java") && fs::exists(source)) {
        const Result check = run("java " + quote(source.string()) + " " + file.quoted());
        BOOST_TEST(check.exitCode == 0, check.output.substr(0, 2000));
        BOOST_TEST(lines(check.output).size() == count);
    }
}

BOOST_AUTO_TEST_SUITE_END()
