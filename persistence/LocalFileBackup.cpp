#include "persistence/LocalFileBackup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "domain/Errors.hpp"

namespace mofang::persistence {
namespace {

namespace dom = mofang::domain;

constexpr std::size_t kCopyChunk = 256 * 1024;

dom::DomainError backupFailure(const std::string& what, const std::string& path, int err) {
    return dom::unavailable("local backup: " + what + " " + path + ": " + std::strerror(err));
}

// Closes the descriptor on every path out.
class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    // Closes now, reporting the error (a delayed write error can show up only here).
    int close() {
        const int rc = ::close(fd_);
        fd_ = -1;
        return rc;
    }

  private:
    int fd_;
};

// "a/b/c.png" → {"a", "b", "c.png"}; throws std::invalid_argument for names that could leave
// the root or are ambiguous.
std::vector<std::string> splitRelative(const std::string& name) {
    if (name.empty()) throw std::invalid_argument("backup name is empty");
    if (name.front() == '/') throw std::invalid_argument("backup name must be relative: " + name);
    if (name.find('\0') != std::string::npos) throw std::invalid_argument("backup name contains NUL");
    std::vector<std::string> parts;
    std::size_t at = 0;
    for (;;) {
        const auto slash = name.find('/', at);
        const auto part = name.substr(at, slash == std::string::npos ? std::string::npos : slash - at);
        if (part.empty() || part == "." || part == "..")
            throw std::invalid_argument("backup name has an empty, '.' or '..' part: " + name);
        parts.push_back(part);
        if (slash == std::string::npos) return parts;
        at = slash + 1;
    }
}

void makeDir(const std::string& path) {
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
        throw backupFailure("cannot create", path, errno);
}

// mkdir -p of an absolute path.
void makeDirs(const std::string& path) {
    for (std::size_t at = 1; at <= path.size(); ++at)
        if (at == path.size() || path[at] == '/') makeDir(path.substr(0, at));
}

void fsyncDir(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) throw backupFailure("cannot open", path, errno);
    if (::fsync(fd.get()) != 0) throw backupFailure("cannot sync", path, errno);
}

void copyAll(int from, int to, const std::string& source, const std::string& target) {
    std::vector<char> buffer(kCopyChunk);
    for (;;) {
        const ssize_t n = ::read(from, buffer.data(), buffer.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw backupFailure("cannot read", source, errno);
        }
        if (n == 0) return;
        for (ssize_t done = 0; done < n;) {
            const ssize_t w = ::write(to, buffer.data() + done, static_cast<std::size_t>(n - done));
            if (w < 0) {
                if (errno == EINTR) continue;
                throw backupFailure("cannot write", target, errno);
            }
            done += w;
        }
    }
}

}  // namespace

LocalFileBackup::LocalFileBackup(std::string root) {
    if (root.empty()) throw std::invalid_argument("the local backup root is empty");
    root_ = std::filesystem::absolute(root).lexically_normal().string();
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

void LocalFileBackup::prepare() const {
    makeDirs(root_);
}

std::string LocalFileBackup::save(const std::string& sourcePath, const std::string& relativeName) {
    const auto parts = splitRelative(relativeName);
    prepare();
    std::string dir = root_;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        dir += "/" + parts[i];
        makeDir(dir);
    }
    const std::string target = dir + "/" + parts.back();

    Fd source(::open(sourcePath.c_str(), O_RDONLY | O_CLOEXEC));
    if (source.get() < 0) throw backupFailure("cannot open", sourcePath, errno);

    std::string temp = dir + "/." + parts.back() + ".tmp-XXXXXX";
    Fd out(::mkostemp(temp.data(), O_CLOEXEC));
    if (out.get() < 0) throw backupFailure("cannot create a temp file in", dir, errno);
    try {
        if (::fchmod(out.get(), 0644) != 0) throw backupFailure("cannot chmod", temp, errno);
        copyAll(source.get(), out.get(), sourcePath, temp);
        if (::fsync(out.get()) != 0) throw backupFailure("cannot sync", temp, errno);
        if (out.close() != 0) throw backupFailure("cannot close", temp, errno);
        if (::rename(temp.c_str(), target.c_str()) != 0)
            throw backupFailure("cannot rename into", target, errno);
    } catch (...) {
        ::unlink(temp.c_str());
        throw;
    }
    fsyncDir(dir);
    return target;
}

}  // namespace mofang::persistence
