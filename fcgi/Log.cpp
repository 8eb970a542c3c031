#include "fcgi/Log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>

#include "domain/Time.hpp"

namespace mofang::fcgi {
namespace {

// The log threshold is process-wide by nature (like the stderr it writes to).
std::atomic<int> gThreshold{static_cast<int>(LogLevel::Info)};

const char* name(LogLevel level) {
    switch (level) {
        case LogLevel::Debug:
            return "debug";
        case LogLevel::Info:
            return "info";
        case LogLevel::Warn:
            return "warn";
        case LogLevel::Error:
            return "error";
    }
    return "info";
}

void appendValue(std::string& line, std::string_view value) {
    const bool quote = value.empty() || value.find_first_of(" \"=\t\n\r") != std::string_view::npos;
    if (!quote) {
        line += value;
        return;
    }
    line += '"';
    for (const char c : value) {
        if (c == '"' || c == '\\') line += '\\';
        if (c == '\n')
            line += "\\n";
        else if (c == '\r')
            line += "\\r";
        else
            line += c;
    }
    line += '"';
}

}  // namespace

void Log::setLevel(std::string_view level) {
    LogLevel l = LogLevel::Info;
    if (level == "debug")
        l = LogLevel::Debug;
    else if (level == "warn")
        l = LogLevel::Warn;
    else if (level == "error")
        l = LogLevel::Error;
    gThreshold = static_cast<int>(l);
}

void Log::write(LogLevel level, std::string_view event,
                std::initializer_list<std::pair<std::string_view, std::string>> fields) {
    if (static_cast<int>(level) < gThreshold.load(std::memory_order_relaxed)) return;
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    std::string line = "ts=" + domain::formatRfc3339(now) + " level=" + name(level) + " event=";
    line += event;
    for (const auto& [key, value] : fields) {
        line += ' ';
        line += key;
        line += '=';
        appendValue(line, value);
    }
    line += '\n';
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace mofang::fcgi
