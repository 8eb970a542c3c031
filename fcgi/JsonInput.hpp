#pragma once

#include <Poco/JSON/Object.h>

#include <optional>
#include <string>
#include <vector>

#include "fcgi/Http.hpp"

namespace mofang::fcgi {

// A JSON request body as a typed object: a wrong type is a 422 naming the field, never a 500.
class JsonInput final {
  public:
    // Checks Content-Type (415), size (413), UTF-8 and syntax (400), and that it is an object (400).
    static JsonInput fromRequest(Request& request, std::size_t maxBytes);
    static JsonInput parse(const std::string& text);

    bool has(const std::string& field) const;
    // Absent or null → nullopt; present with another type → 422.
    std::optional<std::string> optString(const std::string& field) const;
    std::string requireString(const std::string& field) const;
    std::optional<std::vector<std::string>> optStringArray(const std::string& field) const;
    std::optional<std::int64_t> optInt(const std::string& field) const;
    // A nested object; its fields are reported as "field.sub" in errors.
    std::optional<JsonInput> optObject(const std::string& field) const;
    // An array of objects; their fields are reported as "field[i].sub" in errors.
    std::optional<std::vector<JsonInput>> optObjectArray(const std::string& field) const;

  private:
    JsonInput(Poco::JSON::Object::Ptr object, std::string prefix = "")
        : object_(std::move(object)), prefix_(std::move(prefix)) {}
    std::string name(const std::string& field) const { return prefix_ + field; }
    Poco::JSON::Object::Ptr object_;
    std::string prefix_;
};

}  // namespace mofang::fcgi
