// LocalFileBackup in a temporary directory: copies, replacement, and names that would leave the
// root. No database: the SQLite run only.

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "Fixtures.hpp"
#include "persistence/LocalFileBackup.hpp"

namespace fs = std::filesystem;
using namespace mofang;
using mofang::test::catchDomainError;
using mofang::test::sqliteRunOnly;
using mofang::test::TempDir;
using persistence::LocalFileBackup;

namespace {

const std::string kTempPrefix = "mofang-backup";  // of the TempDirs

void writeFile(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
}

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t filesUnder(const fs::path& dir) {
    std::size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) ++n;
    return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(local_file_backup, *boost::unit_test::precondition(sqliteRunOnly))

BOOST_AUTO_TEST_CASE(copies_into_new_directories_and_replaces_older_copies) {
    TempDir dir(kTempPrefix);
    const auto source = dir.path / "source.png";
    writeFile(source, std::string("first\0bytes", 11));
    LocalFileBackup backup((dir.path / "backup" / "root").string());
    BOOST_TEST(!fs::exists(dir.path / "backup"));  // made when first needed

    const auto saved = backup.save(source.string(), "2024/05/17/photo-1.png");
    BOOST_TEST(saved == (dir.path / "backup/root/2024/05/17/photo-1.png").string());
    BOOST_TEST(fs::path(saved).is_absolute());
    BOOST_TEST(readFile(saved) == std::string("first\0bytes", 11));

    writeFile(source, "second");
    BOOST_TEST(backup.save(source.string(), "2024/05/17/photo-1.png") == saved);
    BOOST_TEST(readFile(saved) == "second");
    BOOST_TEST(filesUnder(dir.path / "backup") == 1u);  // no temp files left behind
}

BOOST_AUTO_TEST_CASE(a_relative_root_becomes_absolute) {
    TempDir dir(kTempPrefix);
    const auto previous = fs::current_path();
    fs::current_path(dir.path);
    LocalFileBackup backup("relative/backups/");
    fs::current_path(previous);
    BOOST_TEST(backup.root() == (dir.path / "relative/backups").string());
}

BOOST_AUTO_TEST_CASE(rejects_names_that_leave_the_root) {
    TempDir dir(kTempPrefix);
    const auto source = dir.path / "source.png";
    writeFile(source, "x");
    LocalFileBackup backup((dir.path / "backup").string());
    for (const char* bad : {"../x", "a/../../x", "/etc/x", "", "a//b", "a/./b", "a/", ".", ".."})
        BOOST_CHECK_THROW(backup.save(source.string(), bad), std::invalid_argument);
    BOOST_TEST(!fs::exists(dir.path / "x"));
    BOOST_CHECK_THROW(LocalFileBackup(""), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(io_failures_are_unavailable) {
    TempDir dir(kTempPrefix);
    LocalFileBackup backup((dir.path / "backup").string());
    const auto missing = catchDomainError([&] { backup.save((dir.path / "missing.png").string(), "a.png"); });
    BOOST_REQUIRE(missing);
    BOOST_TEST(domain::toString(missing->kind()) == "Unavailable");

    // A file where a directory is needed.
    writeFile(dir.path / "source.png", "x");
    writeFile(dir.path / "backup" / "taken", "x");
    const auto blocked =
        catchDomainError([&] { backup.save((dir.path / "source.png").string(), "taken/a.png"); });
    BOOST_REQUIRE(blocked);
    BOOST_TEST(domain::toString(blocked->kind()) == "Unavailable");

    // A root that cannot be made: nothing happens until it is needed (prepare() at the worker's
    // start, or a save), which then fails.
    LocalFileBackup badRoot((dir.path / "backup" / "taken" / "root").string());
    const auto unprepared = catchDomainError([&] { badRoot.prepare(); });
    BOOST_REQUIRE(unprepared);
    BOOST_TEST(domain::toString(unprepared->kind()) == "Unavailable");
    const auto unsaved = catchDomainError([&] { badRoot.save((dir.path / "source.png").string(), "a.png"); });
    BOOST_REQUIRE(unsaved);
    BOOST_TEST(domain::toString(unsaved->kind()) == "Unavailable");
}

BOOST_AUTO_TEST_SUITE_END()
