#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace mofang::fcgi {

// Request counters by route and status, one latency histogram, the in-flight gauge; rendered in
// the Prometheus text format together with gauges supplied by the caller (DB pool in use).
class Metrics final {
  public:
    void started() { inFlight_.fetch_add(1, std::memory_order_relaxed); }
    void finished(const std::string& route, int status, double seconds);
    std::string render(const std::function<void(std::string&)>& extraGauges) const;

  private:
    static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                        0.1,   0.25,   0.5,   1.0,  2.5,   10.0};
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, int>, std::uint64_t> requests_;
    std::array<std::uint64_t, kBuckets.size()> bucketCounts_{};
    std::uint64_t count_ = 0;
    double sum_ = 0;
    std::atomic<std::int64_t> inFlight_{0};
};

}  // namespace mofang::fcgi
