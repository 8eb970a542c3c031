#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace mofang::fcgi {

enum class LogLevel { Debug, Info, Warn, Error };

// One structured line per event on stderr (journald): `ts=… level=… event=… key=value …`.
// Values with spaces or quotes are quoted. Thread-safe: each line is one write(2).
class Log final {
  public:
    static void setLevel(std::string_view level);
    static void write(LogLevel level, std::string_view event,
                      std::initializer_list<std::pair<std::string_view, std::string>> fields = {});
    static void info(std::string_view event,
                     std::initializer_list<std::pair<std::string_view, std::string>> f = {}) {
        write(LogLevel::Info, event, f);
    }
    static void warn(std::string_view event,
                     std::initializer_list<std::pair<std::string_view, std::string>> f = {}) {
        write(LogLevel::Warn, event, f);
    }
    static void error(std::string_view event,
                      std::initializer_list<std::pair<std::string_view, std::string>> f = {}) {
        write(LogLevel::Error, event, f);
    }
};

}  // namespace mofang::fcgi
