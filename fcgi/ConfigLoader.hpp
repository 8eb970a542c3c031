#pragma once

#include <optional>
#include <string>

#include "domain/Config.hpp"

namespace mofang::fcgi {

inline constexpr const char* kDefaultConfigPath = "/etc/mofang/mofang.properties";

// Reads the properties file (when `path` is given or the default exists), applies MOFANG_*
// environment overrides and validates. Throws domain::ConfigError naming the key.
domain::AppConfig loadConfig(const std::optional<std::string>& path,
                             const std::optional<std::string>& listenOverride = std::nullopt);

}  // namespace mofang::fcgi
