#include "fcgi/JsonInput.hpp"

#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Parser.h>

#include "domain/Errors.hpp"
#include "domain/Text.hpp"

namespace mofang::fcgi {
namespace dom = mofang::domain;

JsonInput JsonInput::fromRequest(Request& request, std::size_t maxBytes) {
    const std::string type = dom::text::asciiLower(request.contentType());
    if (type.rfind("application/json", 0) != 0 || (type.size() > 16 && type[16] != ';' && type[16] != ' '))
        throw dom::unsupportedMediaType("Content-Type must be application/json");
    return parse(request.readBody(maxBytes));
}

JsonInput JsonInput::parse(const std::string& text) {
    if (text.empty()) throw dom::badRequest("a JSON body is required");
    if (!dom::text::isValidUtf8(text)) throw dom::badRequest("the body is not valid UTF-8");
    Poco::Dynamic::Var root;
    try {
        Poco::JSON::Parser parser;
        root = parser.parse(text);
    } catch (const Poco::Exception& e) {
        throw dom::badRequest("malformed JSON: " + e.message());
    } catch (const std::exception&) {
        throw dom::badRequest("malformed JSON");
    }
    if (root.type() != typeid(Poco::JSON::Object::Ptr))
        throw dom::badRequest("the body must be a JSON object");
    return JsonInput(root.extract<Poco::JSON::Object::Ptr>());
}

bool JsonInput::has(const std::string& field) const {
    return object_->has(field);
}

std::optional<std::string> JsonInput::optString(const std::string& field) const {
    if (!object_->has(field) || object_->isNull(field)) return std::nullopt;
    const auto v = object_->get(field);
    if (!v.isString()) throw dom::validationFailed({{name(field), "must be a string"}});
    return v.extract<std::string>();
}

std::string JsonInput::requireString(const std::string& field) const {
    auto v = optString(field);
    if (!v) throw dom::validationFailed({{name(field), "is required"}});
    return *v;
}

std::optional<std::vector<std::string>> JsonInput::optStringArray(const std::string& field) const {
    if (!object_->has(field) || object_->isNull(field)) return std::nullopt;
    if (!object_->isArray(field)) throw dom::validationFailed({{name(field), "must be an array of strings"}});
    const auto array = object_->getArray(field);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const auto v = array->get(static_cast<unsigned>(i));
        if (!v.isString())
            throw dom::validationFailed({{name(field) + "[" + std::to_string(i) + "]", "must be a string"}});
        out.push_back(v.extract<std::string>());
    }
    return out;
}

std::optional<std::int64_t> JsonInput::optInt(const std::string& field) const {
    if (!object_->has(field) || object_->isNull(field)) return std::nullopt;
    const auto v = object_->get(field);
    // Poco counts booleans as integers; JSON does not.
    if (!v.isInteger() || v.type() == typeid(bool))
        throw dom::validationFailed({{name(field), "must be an integer"}});
    try {
        return v.convert<Poco::Int64>();
    } catch (const Poco::Exception&) {
        throw dom::validationFailed({{name(field), "is out of range"}});
    }
}

std::optional<JsonInput> JsonInput::optObject(const std::string& field) const {
    if (!object_->has(field) || object_->isNull(field)) return std::nullopt;
    if (!object_->isObject(field)) throw dom::validationFailed({{name(field), "must be an object"}});
    return JsonInput(object_->getObject(field), name(field) + ".");
}

std::optional<std::vector<JsonInput>> JsonInput::optObjectArray(const std::string& field) const {
    if (!object_->has(field) || object_->isNull(field)) return std::nullopt;
    if (!object_->isArray(field)) throw dom::validationFailed({{name(field), "must be an array"}});
    const auto array = object_->getArray(field);
    std::vector<JsonInput> out;
    out.reserve(array->size());
    for (std::size_t i = 0; i < array->size(); ++i) {
        const std::string item = name(field) + "[" + std::to_string(i) + "]";
        if (!array->isObject(static_cast<unsigned>(i))) throw dom::validationFailed({{item, "must be an object"}});
        out.push_back(JsonInput(array->getObject(static_cast<unsigned>(i)), item + "."));
    }
    return out;
}

}  // namespace mofang::fcgi
