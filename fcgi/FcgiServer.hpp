#pragma once

#include <sys/types.h>

#include <string>

#include "fcgi/Dispatcher.hpp"

namespace mofang::fcgi {

struct ServerOptions {
    std::string listen;  // unix:/path, host:port, or empty: the socket systemd passed (LISTEN_FDS or fd 0)
    int threads = 16;
    unsigned socketMode = 0660;
    int shutdownTimeoutMs = 30000;
};

// libfcgi with N request threads on one listening socket. SIGTERM/SIGINT: stop accepting, let
// running requests finish up to the deadline, return 0. The socket file is removed on exit only
// if it is still the one this process created.
class FcgiServer final {
  public:
    FcgiServer(ServerOptions options, Dispatcher& dispatcher);
    ~FcgiServer();
    // Opens the listening socket; throws std::runtime_error with the reason.
    void open();
    // Serves until a stop signal; returns the process exit code.
    int run();

  private:
    void workerLoop(int index);
    void removeSocketFile();
    ServerOptions options_;
    Dispatcher& dispatcher_;
    int listenFd_ = -1;
    std::string socketPath_;  // set when we created a unix socket
    dev_t socketDev_ = 0;
    ino_t socketIno_ = 0;
};

}  // namespace mofang::fcgi
