#include "persistence/LocalBlobStore.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>

#include "domain/Errors.hpp"

namespace mofang::persistence {
namespace {

namespace dom = mofang::domain;

constexpr const char* kStagingDir = ".staging";
constexpr const char* kTrashMarker = ".gc-";

dom::DomainError storageFailure(const std::string& what, const std::string& path, int err) {
    return dom::unavailable("storage: " + what + " " + path + ": " + std::strerror(err));
}

std::int64_t nanosOf(const struct stat& st) {
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

std::int64_t nowNanos() {
    struct timespec ts {};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// A name nobody else picks: pid, a process-wide counter and randomness.
std::string uniqueSuffix() {
    static std::atomic<std::uint64_t> counter{0};
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)) + "-" +
           std::to_string(rng() % 1000000007);
}

void makeDir(const std::string& path) {
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
        throw storageFailure("cannot create", path, errno);
}

void fsyncDir(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw storageFailure("cannot open", path, errno);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) throw storageFailure("cannot sync", path, err);
}

std::string hex(const unsigned char* p, std::size_t n) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(n * 2, '0');
    for (std::size_t i = 0; i < n; ++i) {
        out[2 * i] = kHex[p[i] >> 4];
        out[2 * i + 1] = kHex[p[i] & 15];
    }
    return out;
}

class LocalWriter final : public dom::BlobWriter {
  public:
    LocalWriter(const LocalBlobStore& store, std::string stagingDir) : store_(store) {
        path_ = stagingDir + "/upload-" + uniqueSuffix();
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd_ < 0) throw storageFailure("cannot create", path_, errno);
        sha_ = EVP_MD_CTX_new();
        if (!sha_ || EVP_DigestInit_ex(sha_, EVP_sha256(), nullptr) != 1) {
            cleanup();
            throw dom::unavailable("storage: SHA-256 unavailable");
        }
    }
    ~LocalWriter() override { cleanup(); }

    void write(const char* data, std::size_t size) override {
        if (finished_) throw std::logic_error("BlobWriter::write after finish");
        EVP_DigestUpdate(sha_, data, size);
        crc_ = libdeflate_crc32(crc_, data, size);
        std::size_t done = 0;
        while (done < size) {
            const auto n = ::write(fd_, data + done, size - done);
            if (n < 0) {
                if (errno == EINTR) continue;
                throw storageFailure("cannot write", path_, errno);
            }
            done += static_cast<std::size_t>(n);
        }
        size_ += size;
    }

    std::uint64_t size() const override { return size_; }

    const dom::BlobInfo& finish() override {
        if (finished_) return info_;
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_DigestFinal_ex(sha_, digest, &len);
        info_.sha256 = hex(digest, len);
        info_.key = info_.sha256;
        info_.size = size_;
        info_.crc32 = crc_;
        // Bytes that are already stored (the same key) need not be made durable twice: publish()
        // only refreshes the stored copy's time. Should that copy vanish meanwhile, publish()
        // syncs these bytes before it renames them into place.
        struct stat st {};
        synced_ = ::stat(finalPath().c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_size) == size_;
        if (!synced_) sync();
        finished_ = true;
        return info_;
    }

    std::string stagedPath() const override { return path_; }

    void publish() override {
        finish();
        if (published_) return;
        const auto final = finalPath();
        // The modification time says when the key was last published (removeIfStale): now, at
        // full resolution of the same clock that mark() reads.
        const std::int64_t t = nowNanos();
        const struct timespec times[2] = {{t / 1'000'000'000, t % 1'000'000'000},
                                          {t / 1'000'000'000, t % 1'000'000'000}};
        const auto dir2 = final.substr(0, final.rfind('/'));
        if (!synced_) {
            // The same bytes are stored already: refresh their time and drop ours. The stored
            // copy is touched through a descriptor and then checked to be still the file under
            // the key: a remover that renamed it away before the touch (and may unlink it, having
            // seen the old time) makes the check fail, and ours is published instead; one that
            // renames it after the touch sees the new time and puts it back.
            if (touchStored(final, times)) {
                // Its directory entry may be a concurrent first publisher's, not yet synced.
                fsyncDir(dir2);
                published_ = true;
                ::unlink(path_.c_str());
                return;
            }
            sync();
        }
        const auto dir1 = dir2.substr(0, dir2.rfind('/'));
        makeDir(dir1);
        makeDir(dir2);
        if (::futimens(fd_, times) != 0) throw storageFailure("cannot touch", path_, errno);
        // Identical bytes under the same name: replacing an existing blob changes nothing for
        // its readers (they hold the old inode) and refreshes its time.
        if (::rename(path_.c_str(), final.c_str()) != 0) throw storageFailure("cannot publish", final, errno);
        published_ = true;
        fsyncDir(dir2);
    }

  private:
    std::string finalPath() const { return store_.root() + "/" + dom::contentAddressedPath(info_.key); }

    // Sets the times of the file at `final` and checks that it is still there, the same file.
    static bool touchStored(const std::string& final, const struct timespec times[2]) {
        const int fd = ::open(final.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT) return false;
            throw storageFailure("cannot open", final, errno);
        }
        struct stat touched {}, current {};
        const bool ok = ::futimens(fd, times) == 0 && ::fstat(fd, &touched) == 0 &&
                        ::stat(final.c_str(), &current) == 0 && touched.st_ino == current.st_ino &&
                        touched.st_dev == current.st_dev;
        ::close(fd);
        return ok;
    }
    void sync() {
        if (::fsync(fd_) != 0) throw storageFailure("cannot sync", path_, errno);
        synced_ = true;
    }

    void cleanup() {
        if (sha_) EVP_MD_CTX_free(sha_);
        sha_ = nullptr;
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        if (!published_ && !path_.empty()) ::unlink(path_.c_str());
    }

    const LocalBlobStore& store_;
    std::string path_;
    int fd_ = -1;
    EVP_MD_CTX* sha_ = nullptr;
    std::uint32_t crc_ = 0;
    std::uint64_t size_ = 0;
    bool finished_ = false;
    bool synced_ = false;  // the staged bytes are durable
    bool published_ = false;
    dom::BlobInfo info_;
};

class LocalReader final : public dom::BlobReader {
  public:
    LocalReader(int fd, std::uint64_t offset, std::uint64_t length, std::string path)
        : fd_(fd), offset_(offset), left_(length), path_(std::move(path)) {}
    ~LocalReader() override { ::close(fd_); }

    std::size_t read(char* buffer, std::size_t size) override {
        if (left_ == 0 || size == 0) return 0;
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(size, left_));
        for (;;) {
            const auto n = ::pread(fd_, buffer, want, static_cast<off_t>(offset_));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw storageFailure("cannot read", path_, errno);
            if (n == 0) throw dom::unavailable("storage: " + path_ + " is shorter than expected");
            offset_ += static_cast<std::uint64_t>(n);
            left_ -= static_cast<std::uint64_t>(n);
            return static_cast<std::size_t>(n);
        }
    }

  private:
    int fd_;
    std::uint64_t offset_;
    std::uint64_t left_;
    std::string path_;
};

bool isHex2(const char* name) {
    return std::strlen(name) == 2 && std::isxdigit(static_cast<unsigned char>(name[0])) &&
           std::isxdigit(static_cast<unsigned char>(name[1]));
}

// Calls `f(name)` for each entry of a directory but "." and "..".
template <class F>
void eachEntry(const std::string& dir, F&& f) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) {
        // Gone meanwhile, or a stray file where a shard directory would be: nothing to list.
        if (errno == ENOENT || errno == ENOTDIR) return;
        throw storageFailure("cannot list", dir, errno);
    }
    while (const dirent* e = ::readdir(d)) {
        if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
        f(std::string(e->d_name));
    }
    ::closedir(d);
}

// Calls `f(dir, a, b)` for every shard directory root/ab/cd.
template <class F>
void eachShard(const std::string& root, F&& f) {
    eachEntry(root, [&](const std::string& a) {
        if (!isHex2(a.c_str())) return;
        eachEntry(root + "/" + a, [&](const std::string& b) {
            if (isHex2(b.c_str())) f(root + "/" + a + "/" + b, a, b);
        });
    });
}

}  // namespace

LocalBlobStore::LocalBlobStore(std::string root) : root_(std::move(root)) {
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
    makeDir(root_);
    staging_ = root_ + "/" + kStagingDir;
    makeDir(staging_);
}

std::string LocalBlobStore::pathOf(const std::string& key) const {
    if (!dom::isContentKey(key)) throw dom::notFound("no such blob");
    return root_ + "/" + dom::contentAddressedPath(key);
}

std::unique_ptr<dom::BlobWriter> LocalBlobStore::create() {
    return std::make_unique<LocalWriter>(*this, staging_);
}

std::unique_ptr<dom::BlobReader> LocalBlobStore::open(const std::string& key, std::uint64_t offset,
                                                      std::uint64_t length) {
    const auto path = pathOf(key);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) throw dom::notFound("no such blob");
        throw storageFailure("cannot open", path, errno);
    }
    return std::make_unique<LocalReader>(fd, offset, length, path);
}

std::optional<dom::BlobStat> LocalBlobStore::stat(const std::string& key) {
    struct stat st {};
    const auto path = pathOf(key);
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return std::nullopt;
        throw storageFailure("cannot stat", path, errno);
    }
    return dom::BlobStat{static_cast<std::uint64_t>(st.st_size), nanosOf(st) / 1'000'000};
}

void LocalBlobStore::prefetch(const std::string& key, std::uint64_t offset, std::uint64_t length) {
    if (!dom::isContentKey(key)) return;
    const int fd = ::open(pathOf(key).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    // Asks the kernel to start reading into the page cache; returns at once.
    ::posix_fadvise(fd, static_cast<off_t>(offset), static_cast<off_t>(length), POSIX_FADV_WILLNEED);
    ::close(fd);
}

void LocalBlobStore::list(const std::function<void(const std::string&, const dom::BlobStat&)>& visit) {
    eachShard(root_, [&](const std::string& dir, const std::string& a, const std::string& b) {
        eachEntry(dir, [&](const std::string& name) {
            if (!dom::isContentKey(name) || name.compare(0, 2, a) != 0 || name.compare(2, 2, b) != 0) return;
            struct stat st {};
            if (::stat((dir + "/" + name).c_str(), &st) != 0) return;  // removed meanwhile
            visit(name, dom::BlobStat{static_cast<std::uint64_t>(st.st_size), nanosOf(st) / 1'000'000});
        });
    });
}

std::int64_t LocalBlobStore::mark() {
    return nowNanos();
}

bool LocalBlobStore::removeIfStale(const std::string& key, std::int64_t mark) {
    const auto path = pathOf(key);
    const auto trash = path + kTrashMarker + uniqueSuffix();
    // Take the name away first: from here a writer that publishes the key creates a new file.
    if (::rename(path.c_str(), trash.c_str()) != 0) {
        if (errno == ENOENT) return false;
        throw storageFailure("cannot remove", path, errno);
    }
    struct stat st {};
    if (::stat(trash.c_str(), &st) == 0 && nanosOf(st) >= mark) {
        // Published again after the caller's reference check: put it back, unless a newer copy
        // (the same bytes) is already there.
        if (::link(trash.c_str(), path.c_str()) != 0 && errno != EEXIST)
            throw storageFailure("cannot restore", path, errno);
        fsyncDir(path.substr(0, path.rfind('/')));
        ::unlink(trash.c_str());
        return false;
    }
    if (::unlink(trash.c_str()) != 0 && errno != ENOENT) throw storageFailure("cannot remove", trash, errno);
    return true;
}

std::uint64_t LocalBlobStore::removeAbandoned(dom::Millis before) {
    std::uint64_t freed = 0;
    const auto removeOld = [&](const std::string& path) {
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
        if (nanosOf(st) / 1'000'000 >= before) return;
        if (::unlink(path.c_str()) == 0) freed += static_cast<std::uint64_t>(st.st_size);
    };
    // Writers that died before publishing.
    eachEntry(staging_, [&](const std::string& name) { removeOld(staging_ + "/" + name); });
    // Removers that died between their rename and unlink.
    eachShard(root_, [&](const std::string& dir, const std::string&, const std::string&) {
        eachEntry(dir, [&](const std::string& name) {
            if (name.find(kTrashMarker) != std::string::npos) removeOld(dir + "/" + name);
        });
    });
    return freed;
}

std::optional<std::string> LocalBlobStore::localRelativePath(const std::string& key) const {
    if (!dom::isContentKey(key)) return std::nullopt;
    return dom::contentAddressedPath(key);
}

std::optional<std::string> LocalBlobStore::presignedUrl(const std::string&, std::string_view,
                                                        std::string_view) const {
    return std::nullopt;
}

void LocalBlobStore::check() {
    const auto probe = staging_ + "/check-" + uniqueSuffix();
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) throw storageFailure("cannot write in", staging_, errno);
    ::close(fd);
    ::unlink(probe.c_str());
}

}  // namespace mofang::persistence
