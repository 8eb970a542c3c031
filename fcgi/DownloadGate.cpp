#include "fcgi/DownloadGate.hpp"

#include "domain/Errors.hpp"

namespace mofang::fcgi {

DownloadGate::Ticket DownloadGate::admit(std::int64_t userId) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& mine = perUserCount_[userId];
    if (mine >= perUser_) {
        if (mine == 0) perUserCount_.erase(userId);
        throw domain::DomainError(domain::ErrorKind::RateLimited, "too_many_downloads",
                                  "at most " + std::to_string(perUser_) + " package downloads at once per user", {},
                                  5);
    }
    if (running_ >= total_) {
        if (mine == 0) perUserCount_.erase(userId);
        throw domain::unavailable("the server is busy with other downloads", 5);
    }
    ++mine;
    ++running_;
    return Ticket(*this, userId);
}

void DownloadGate::release(std::int64_t userId) {
    std::lock_guard<std::mutex> lock(mutex_);
    --running_;
    if (--perUserCount_[userId] <= 0) perUserCount_.erase(userId);
}

int DownloadGate::inUse() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return running_;
}

}  // namespace mofang::fcgi
