#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mofang::domain {

// A small streaming JSON writer: the one way API bodies and audit details are produced.
// Commas are placed automatically; the caller keeps begin/end balanced.
class JsonWriter final {
  public:
    JsonWriter& beginObject();
    JsonWriter& endObject();
    JsonWriter& beginArray();
    JsonWriter& endArray();
    JsonWriter& key(std::string_view k);
    JsonWriter& value(std::string_view s);
    JsonWriter& value(const char* s) { return value(std::string_view(s)); }
    JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
    JsonWriter& value(std::int64_t n);
    JsonWriter& value(int n) { return value(static_cast<std::int64_t>(n)); }
    JsonWriter& value(double d);
    JsonWriter& value(bool b);
    JsonWriter& null();
    // Inserts already-serialised JSON (e.g. stored audit details) as one value.
    JsonWriter& raw(std::string_view json);
    JsonWriter& stringArray(const std::vector<std::string>& items);

    template <class T>
    JsonWriter& field(std::string_view k, const T& v) {
        key(k);
        return value(v);
    }

    const std::string& str() const { return out_; }
    std::string take() { return std::move(out_); }

  private:
    void separate();
    std::string out_;
    bool needComma_ = false;
};

// Appends `s` as a quoted JSON string (escaping control characters, quotes, backslashes, U+2028/9).
void appendJsonString(std::string& out, std::string_view s);

}  // namespace mofang::domain
