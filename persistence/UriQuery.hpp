#pragma once

// The query of a backend's configuration URI (s3://BUCKET?…, openai:https://HOST/v1?…):
// "name=value" items joined by '&', with percent-encoded values.

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mofang::persistence {

// Decodes %XX escapes; '+' stays '+' (API keys and AWS secrets contain it). A malformed escape
// throws domain::ConfigError(configKey, name + " has a malformed %-escape"): the message names
// the parameter, never its value.
std::string percentDecode(std::string_view s, const std::string& configKey, const std::string& name);

// The parameters of `query` (what follows the '?', without it) by name: empty items are
// skipped, an item without '=' has the empty value, a name given twice keeps its last value.
// Values are percent-decoded as above; names are taken as they stand.
std::map<std::string, std::string> parseUriQuery(std::string_view query, const std::string& configKey);

// Removes `name` from `params` and returns its value; nullopt when it is not there. What is
// left in `params` after all takes are the unknown parameters.
std::optional<std::string> takeParam(std::map<std::string, std::string>& params, const std::string& name);

}  // namespace mofang::persistence
