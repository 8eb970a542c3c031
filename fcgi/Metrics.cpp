#include "fcgi/Metrics.hpp"

#include <cstdio>

namespace mofang::fcgi {
namespace {

std::string escapeLabel(const std::string& v) {
    std::string out;
    for (const char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

}  // namespace

void Metrics::finished(const std::string& route, int status, double seconds) {
    inFlight_.fetch_sub(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(mutex_);
    ++requests_[{route, status}];
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
        if (seconds <= kBuckets[i]) ++bucketCounts_[i];
    ++count_;
    sum_ += seconds;
}

std::string Metrics::render(const std::function<void(std::string&)>& extraGauges) const {
    std::string out;
    out += "# HELP mofang_http_requests_total HTTP requests by route pattern and status.\n";
    out += "# TYPE mofang_http_requests_total counter\n";
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [key, n] : requests_)
        out += "mofang_http_requests_total{route=\"" + escapeLabel(key.first) + "\",status=\"" +
               std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
    out += "# HELP mofang_http_request_duration_seconds Time from request accepted to response written.\n";
    out += "# TYPE mofang_http_request_duration_seconds histogram\n";
    char buf[128];
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        std::snprintf(buf, sizeof buf, "mofang_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                      kBuckets[i], static_cast<unsigned long long>(bucketCounts_[i]));
        out += buf;
    }
    out += "mofang_http_request_duration_seconds_bucket{le=\"+Inf\"} " + std::to_string(count_) + "\n";
    std::snprintf(buf, sizeof buf, "mofang_http_request_duration_seconds_sum %.6f\n", sum_);
    out += buf;
    out += "mofang_http_request_duration_seconds_count " + std::to_string(count_) + "\n";
    out += "# HELP mofang_http_requests_in_flight Requests being handled now.\n";
    out += "# TYPE mofang_http_requests_in_flight gauge\n";
    out += "mofang_http_requests_in_flight " + std::to_string(inFlight_.load()) + "\n";
    extraGauges(out);
    return out;
}

}  // namespace mofang::fcgi
