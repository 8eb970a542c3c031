#pragma once

#include <cstdint>
#include <map>
#include <mutex>

namespace mofang::fcgi {

// Admission for long package downloads, per process: at most `perUser` at once for one user and
// `total` for everyone, so that a few users cannot take every request thread and API requests
// stay answerable. A Ticket holds a place until it is destroyed (the download ended).
class DownloadGate final {
  public:
    DownloadGate(int perUser, int total) : perUser_(perUser), total_(total) {}

    class Ticket final {
      public:
        Ticket(DownloadGate& gate, std::int64_t userId) : gate_(&gate), userId_(userId) {}
        Ticket(Ticket&& other) noexcept : gate_(other.gate_), userId_(other.userId_) { other.gate_ = nullptr; }
        Ticket(const Ticket&) = delete;
        Ticket& operator=(const Ticket&) = delete;
        Ticket& operator=(Ticket&&) = delete;
        ~Ticket() {
            if (gate_) gate_->release(userId_);
        }

      private:
        DownloadGate* gate_;
        std::int64_t userId_;
    };

    // Throws RateLimited (429, Retry-After) when the user is at the limit, Unavailable (503) when
    // the process is.
    Ticket admit(std::int64_t userId);
    int inUse() const;

  private:
    void release(std::int64_t userId);
    const int perUser_;
    const int total_;
    mutable std::mutex mutex_;
    std::map<std::int64_t, int> perUserCount_;
    int running_ = 0;
};

}  // namespace mofang::fcgi
