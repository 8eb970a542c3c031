#include "fcgi/FcgiServer.hpp"

#include <fcgiapp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "fcgi/Log.hpp"

namespace mofang::fcgi {
namespace {

// Shared between the worker threads and the signal thread of the one server in the process.
std::atomic<bool> gStopping{false};

extern "C" void onWakeSignal(int) {}  // only interrupts accept(); the flag says why

bool isListeningSocket(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return false;
    int accepting = 0;
    socklen_t len = sizeof accepting;
    return ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) == 0 && accepting;
}

bool writeAll(FCGX_Stream* out, const char* data, std::size_t size) {
    while (size > 0) {
        const int chunk = static_cast<int>(std::min<std::size_t>(size, 1 << 20));
        if (FCGX_PutStr(data, chunk, out) != chunk) return false;
        data += chunk;
        size -= static_cast<std::size_t>(chunk);
    }
    return true;
}

}  // namespace

FcgiServer::FcgiServer(ServerOptions options, Dispatcher& dispatcher)
    : options_(std::move(options)), dispatcher_(dispatcher) {}

FcgiServer::~FcgiServer() {
    removeSocketFile();
}

void FcgiServer::removeSocketFile() {
    if (!socketPath_.empty()) {
        struct stat st {};
        // Another instance may have replaced the file since (restart race): leave theirs alone.
        if (::stat(socketPath_.c_str(), &st) == 0 && st.st_dev == socketDev_ && st.st_ino == socketIno_)
            ::unlink(socketPath_.c_str());
        socketPath_.clear();
    }
}

void FcgiServer::open() {
    if (FCGX_Init() != 0) throw std::runtime_error("FCGX_Init failed");
    if (options_.listen.empty()) {
        const char* fds = std::getenv("LISTEN_FDS");
        const char* pid = std::getenv("LISTEN_PID");
        if (fds && std::atoi(fds) >= 1 && (!pid || std::atol(pid) == static_cast<long>(::getpid()))) {
            listenFd_ = 3;  // SD_LISTEN_FDS_START
        } else if (isListeningSocket(0)) {
            listenFd_ = 0;  // StandardInput=socket
        } else {
            throw std::runtime_error("no --listen given and no socket inherited (LISTEN_FDS or fd 0)");
        }
        if (!isListeningSocket(listenFd_))
            throw std::runtime_error("inherited fd " + std::to_string(listenFd_) +
                                     " is not a listening socket");
        return;
    }
    if (options_.listen.rfind("unix:", 0) == 0) {
        socketPath_ = options_.listen.substr(5);
        ::unlink(socketPath_.c_str());
        listenFd_ = FCGX_OpenSocket(socketPath_.c_str(), 1024);
        if (listenFd_ < 0) {
            const std::string path = socketPath_;
            socketPath_.clear();
            throw std::runtime_error("cannot listen on unix:" + path + ": " + std::strerror(errno));
        }
        ::chmod(socketPath_.c_str(), options_.socketMode);
        struct stat st {};
        if (::stat(socketPath_.c_str(), &st) == 0) {
            socketDev_ = st.st_dev;
            socketIno_ = st.st_ino;
        }
        return;
    }
    listenFd_ = FCGX_OpenSocket(options_.listen.c_str(), 1024);
    if (listenFd_ < 0)
        throw std::runtime_error("cannot listen on " + options_.listen + ": " + std::strerror(errno));
}

namespace {

// FCGX_GetStr waits until it has all it was asked for, but a streaming reader must see bytes as
// they arrive (an upload is judged by its first bytes): this returns what libfcgi has buffered,
// reads on while the connection has more ready, and blocks only when it has nothing yet.
std::size_t readBody(FCGX_Stream* in, int fd, char* buf, std::size_t size) {
    std::size_t got = 0;
    while (got < size) {
        if (in->rdNext == in->stop) {
            if (got > 0) {
                pollfd p{fd, POLLIN, 0};
                if (::poll(&p, 1, 0) <= 0) break;
            }
            const int c = FCGX_GetChar(in);
            if (c == EOF) break;
            buf[got++] = static_cast<char>(c);
        }
        const auto take = std::min(size - got, static_cast<std::size_t>(in->stop - in->rdNext));
        if (take > 0) got += static_cast<std::size_t>(FCGX_GetStr(buf + got, static_cast<int>(take), in));
    }
    return got;
}

// Whether nothing of the request is left unread, so that the connection may be closed outright
// (FCGX_Detach) instead of libfcgi's lingering close: shutdown, wait up to 2 s for the web
// server's EOF, read it, close. That costs three system calls and a wake-up of both sides per
// request; it exists because a socket closed with unread input is reset, and the reset can cost
// the web server the end of the response. A GET or HEAD without a body has only the empty
// STDIN record left, which nginx sends with the parameters.
bool inputConsumed(FCGX_Stream* in, bool bodiless) {
    if (FCGX_HasSeenEOF(in)) return true;
    return bodiless && in->rdNext == in->stop && FCGX_GetChar(in) == EOF;
}

// FastCGI STDOUT records written directly to the web server's connection (FastCGI 1.0 §3.3,
// §5.2): an 8-byte header, then up to 65,535 bytes of content.
class RecordSink final : public BodySink {
  public:
    RecordSink(int fd, int requestId) : fd_(fd), requestId_(requestId) {}

    bool write(const char* data, std::size_t size) override {
        while (ok_ && size > 0) {
            const std::size_t n = std::min<std::size_t>(size, kMaxContent);
            unsigned char header[8] = {1, 6, static_cast<unsigned char>(requestId_ >> 8),
                                       static_cast<unsigned char>(requestId_ & 0xFF),
                                       static_cast<unsigned char>(n >> 8), static_cast<unsigned char>(n & 0xFF), 0, 0};
            iovec iov[2] = {{header, sizeof header}, {const_cast<char*>(data), n}};
            ok_ = writeFully(iov);
            data += n;
            size -= n;
        }
        return ok_;
    }

    void abort() override {
        ok_ = false;
        ::shutdown(fd_, SHUT_RDWR);
    }

    bool ok() const { return ok_; }

  private:
    static constexpr std::size_t kMaxContent = 65535 - 7;  // a multiple of 8 keeps records aligned

    bool writeFully(iovec (&iov)[2]) {
        int count = 2;
        iovec* v = iov;
        while (count > 0) {
            const ssize_t w = ::writev(fd_, v, count);
            if (w < 0) {
                if (errno == EINTR) continue;
                return false;  // EPIPE, ECONNRESET: the web server (the client) is gone
            }
            auto done = static_cast<std::size_t>(w);
            while (count > 0 && done >= v->iov_len) {
                done -= v->iov_len;
                ++v;
                --count;
            }
            if (count > 0) {
                v->iov_base = static_cast<char*>(v->iov_base) + done;
                v->iov_len -= done;
            }
        }
        return true;
    }

    int fd_;
    int requestId_;
    bool ok_ = true;
};

}  // namespace

void FcgiServer::workerLoop(int) {
    FCGX_Request request;
    FCGX_InitRequest(&request, listenFd_, FCGI_FAIL_ACCEPT_ON_INTR);
    sigset_t wake;
    sigemptyset(&wake);
    sigaddset(&wake, SIGUSR1);
    std::map<std::string, std::string> params;
    while (!gStopping.load()) {
        // SIGUSR1 may interrupt accept() only; requests in progress never see it.
        pthread_sigmask(SIG_UNBLOCK, &wake, nullptr);
        const int rc = gStopping.load() ? -1 : FCGX_Accept_r(&request);
        pthread_sigmask(SIG_BLOCK, &wake, nullptr);
        if (rc < 0) break;
        params.clear();
        for (char** env = request.envp; env && *env; ++env) {
            const char* eq = std::strchr(*env, '=');
            if (eq) params.emplace(std::string(static_cast<const char*>(*env), eq), std::string(eq + 1));
        }
        const std::string method = params["REQUEST_METHOD"];
        const bool headOnly = method == "HEAD";
        const auto length = params.find("CONTENT_LENGTH");
        const bool bodiless = (headOnly || method == "GET") &&
                              (length == params.end() || length->second.empty() || length->second == "0");
        FCGX_Stream* in = request.in;
        Response response =
            dispatcher_.handle(std::move(params), [in, fd = request.ipcFd](char* buf, std::size_t size) {
                return readBody(in, fd, buf, size);
            });
        params = {};
        std::string head = "Status: " + std::to_string(response.status) + " " +
                           std::string(reasonPhrase(response.status)) + "\r\n";
        for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
        if (response.stream)
            head += "Content-Length: " + std::to_string(response.streamLength) + "\r\n";
        else if (response.status != 204 && response.status != 304)
            head += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
        head += "\r\n";
        bool sent = writeAll(request.out, head.data(), head.size());
        if (sent && !headOnly) {
            if (response.stream) {
                // libfcgi writes 8 KB records from its own buffer; a download goes out in 64 KB
                // records written straight to the connection once that buffer is flushed.
                sent = FCGX_FFlush(request.out) == 0;
                if (sent) {
                    RecordSink sink(request.ipcFd, request.requestId);
                    try {
                        response.stream(sink);
                    } catch (const std::exception& e) {
                        Log::error("stream_failed", {{"error", e.what()}});
                        sink.abort();
                    }
                    sent = sink.ok();
                }
            } else {
                sent = writeAll(request.out, response.body.data(), response.body.size());
            }
        }
        if (!sent) Log::write(LogLevel::Debug, "client_gone", {{"status", std::to_string(response.status)}});
        // A plain close instead of libfcgi's lingering one when the request was read to its end.
        if (inputConsumed(in, bodiless)) FCGX_Detach(&request);
        FCGX_Finish_r(&request);
    }
    FCGX_Free(&request, 0);
}

int FcgiServer::run() {
    // Stop signals go to one thread that waits for them; SIGUSR1 is used to wake accept().
    ::signal(SIGPIPE, SIG_IGN);
    struct sigaction sa {};
    sa.sa_handler = onWakeSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: accept() must return EINTR
    ::sigaction(SIGUSR1, &sa, nullptr);
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

    std::mutex mutex;
    std::condition_variable allDone;
    int running = options_.threads;
    std::vector<std::thread> workers;
    std::vector<pthread_t> handles;
    for (int i = 0; i < options_.threads; ++i) {
        workers.emplace_back([this, i, &mutex, &allDone, &running] {
            workerLoop(i);
            std::lock_guard<std::mutex> lock(mutex);
            if (--running == 0) allDone.notify_all();
        });
        handles.push_back(workers.back().native_handle());
    }
    Log::info("serving", {{"listen", options_.listen.empty() ? "inherited fd " + std::to_string(listenFd_)
                                                             : options_.listen},
                          {"threads", std::to_string(options_.threads)}});

    sigset_t waitFor;
    sigemptyset(&waitFor);
    sigaddset(&waitFor, SIGTERM);
    sigaddset(&waitFor, SIGINT);
    int sig = 0;
    sigwait(&waitFor, &sig);
    Log::info("stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"},
                           {"deadline_ms", std::to_string(options_.shutdownTimeoutMs)}});
    gStopping = true;
    FCGX_ShutdownPending();

    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.shutdownTimeoutMs);
    std::unique_lock<std::mutex> lock(mutex);
    while (running > 0 && std::chrono::steady_clock::now() < deadline) {
        // Threads idle in accept() wake on SIGUSR1; repeat in case one was between its check and accept().
        for (auto h : handles) pthread_kill(h, SIGUSR1);
        allDone.wait_for(lock, std::chrono::milliseconds(50));
    }
    const bool drained = running == 0;
    lock.unlock();
    if (!drained) {
        Log::warn("shutdown_deadline", {{"still_running", std::to_string(running)}});
        removeSocketFile();  // before leaving the stuck threads behind
        std::_Exit(0);
    }
    for (auto& t : workers) t.join();
    if (!socketPath_.empty()) ::close(listenFd_);
    removeSocketFile();
    Log::info("stopped");
    return 0;
}

}  // namespace mofang::fcgi
