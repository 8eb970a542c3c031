#include "domain/Product.hpp"

#include <algorithm>
#include <set>

#include "domain/Errors.hpp"
#include "domain/Json.hpp"
#include "domain/Paging.hpp"
#include "domain/Text.hpp"

namespace mofang::domain {
namespace {

bool oneOf(const std::string& v, const std::vector<std::string>& values) {
    return std::find(values.begin(), values.end(), v) != values.end();
}

std::string listOf(const std::vector<std::string>& values) {
    std::string out;
    for (const auto& v : values) out += (out.empty() ? "" : ", ") + v;
    return out;
}

}  // namespace

bool isValidSpuCode(std::string_view s) {
    if (s.size() < 2 || s.size() > 64) return false;
    const auto alnum = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    };
    if (!alnum(s[0])) return false;
    return std::all_of(s.begin() + 1, s.end(),
                       [&](char c) { return alnum(c) || c == '.' || c == '_' || c == '-'; });
}

namespace {

// scenarios / styles: 1–20 distinct non-empty strings of ≤ 32 characters (trimmed).
std::vector<std::string> checkTags(const std::string& field, const std::vector<std::string>& raw,
                                   FieldErrors& errors) {
    std::vector<std::string> out;
    if (raw.empty() || raw.size() > 20) errors.add(field, "must hold 1 to 20 values");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const std::string name = field + "[" + std::to_string(i) + "]";
        if (!text::isValidUtf8(raw[i])) {
            errors.add(name, "must be valid UTF-8");
            continue;
        }
        auto v = text::trim(raw[i]);
        const bool control = text::hasControlCharacters(v);
        if (v.empty())
            errors.add(name, "must not be empty");
        else if (control)
            errors.add(name, "must not contain control characters");
        else if (text::codePointCount(v) > 32)
            errors.add(name, "must be at most 32 characters");
        else if (!seen.insert(v).second)
            errors.add(name, "is a duplicate");
        else
            out.push_back(std::move(v));
    }
    return out;
}

std::string checkDesigner(const std::string& field, const std::string& raw, FieldErrors& errors) {
    if (!text::isValidUtf8(raw)) {
        errors.add(field, "must be valid UTF-8");
        return {};
    }
    auto v = text::trim(raw);
    if (text::codePointCount(v) > 64) errors.add(field, "must be at most 64 characters");
    return v;
}

}  // namespace

std::string productJson(const Product& p, const std::optional<std::string>& modulesJson) {
    JsonWriter w;
    w.beginObject()
        .field("id", std::to_string(p.id))
        .field("name", p.name)
        .field("spuCode", p.spuCode)
        .field("gender", p.gender)
        .field("ageRange", p.ageRange)
        .key("scenarios")
        .stringArray(p.scenarios)
        .key("styles")
        .stringArray(p.styles)
        .key("designers")
        .beginObject()
        .field("threeDDesigner", p.threeDDesigner)
        .field("graphicDesigner", p.graphicDesigner)
        .endObject()
        .field("createdAt", formatRfc3339(p.createdAt))
        .field("updatedAt", formatRfc3339(p.updatedAt))
        .field("createdBy", std::to_string(p.createdBy));
    if (modulesJson) w.key("modules").raw(*modulesJson);
    w.endObject();
    return w.take();
}

std::string moduleJson(const MaterialModule& m, const std::optional<std::string>& materialsJson) {
    JsonWriter w;
    w.beginObject()
        .field("id", std::to_string(m.id))
        .field("productId", std::to_string(m.productId))
        .field("type", m.type)
        .field("subType", m.subType)
        .field("order", m.order)
        .field("createdAt", formatRfc3339(m.createdAt))
        .field("updatedAt", formatRfc3339(m.updatedAt));
    w.key("materials").raw(materialsJson.value_or("[]"));
    w.endObject();
    return w.take();
}

Product buildProduct(const ProductInput& in, const std::optional<Product>& base) {
    FieldErrors errors;
    Product p = base.value_or(Product{});
    const bool create = !base;
    const auto required = [&](const std::optional<std::string>& v, const char* field) {
        if (create && !v) errors.add(field, "is required");
        return v.has_value();
    };
    if (required(in.name, "name")) {
        if (!text::isValidUtf8(*in.name)) {
            errors.add("name", "must be valid UTF-8");
        } else {
            p.name = text::trim(*in.name);
            const auto n = text::codePointCount(p.name);
            if (n < 2 || n > 100) errors.add("name", "must be 2 to 100 characters");
        }
    }
    if (required(in.spuCode, "spuCode")) {
        p.spuCode = *in.spuCode;
        if (!isValidSpuCode(p.spuCode)) errors.add("spuCode", "must match ^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$");
    }
    if (required(in.gender, "gender")) {
        p.gender = *in.gender;
        if (!oneOf(p.gender, genderValues()))
            errors.add("gender", "must be one of " + listOf(genderValues()));
    }
    if (required(in.ageRange, "ageRange")) {
        p.ageRange = *in.ageRange;
        if (!oneOf(p.ageRange, ageRangeValues()))
            errors.add("ageRange", "must be one of " + listOf(ageRangeValues()));
    }
    if (in.scenarios)
        p.scenarios = checkTags("scenarios", *in.scenarios, errors);
    else if (create)
        errors.add("scenarios", "is required");
    if (in.styles)
        p.styles = checkTags("styles", *in.styles, errors);
    else if (create)
        errors.add("styles", "is required");
    if (in.threeDDesigner)
        p.threeDDesigner = checkDesigner("designers.threeDDesigner", *in.threeDDesigner, errors);
    if (in.graphicDesigner)
        p.graphicDesigner = checkDesigner("designers.graphicDesigner", *in.graphicDesigner, errors);
    errors.throwIfAny();
    return p;
}

MaterialModule buildModule(const ModuleInput& in, const std::optional<MaterialModule>& base) {
    FieldErrors errors;
    MaterialModule m = base.value_or(MaterialModule{});
    if (in.type) {
        m.type = *in.type;
        if (!oneOf(m.type, moduleTypeValues()))
            errors.add("type", "must be one of " + listOf(moduleTypeValues()));
    } else if (!base) {
        errors.add("type", "is required");
    }
    if (in.subType) {
        if (!text::isValidUtf8(*in.subType)) {
            errors.add("subType", "must be valid UTF-8");
        } else {
            m.subType = text::trim(*in.subType);
            if (text::codePointCount(m.subType) > 64) errors.add("subType", "must be at most 64 characters");
        }
    }
    if (in.order) {
        if (*in.order < 0 || *in.order > 1000000)
            errors.add("order", "must be 0 to 1000000");
        else
            m.order = static_cast<int>(*in.order);
    }
    errors.throwIfAny();
    return m;
}

std::string encodeProductCursor(const ProductCursor& c) {
    if (c.sort == ProductSort::NameAsc) return encodeCursor("pn", std::to_string(c.id) + "|" + c.name);
    return encodeCursor("pc", std::to_string(c.createdAt) + "|" + std::to_string(c.id));
}

ProductCursor decodeProductCursor(std::string_view text, ProductSort sort) {
    const auto bad = [] {
        return badRequest("malformed cursor", {{"cursor", "is not a cursor of this list"}});
    };
    ProductCursor c;
    c.sort = sort;
    const std::string payload = decodeCursor(sort == ProductSort::NameAsc ? "pn" : "pc", text);
    const auto bar = payload.find('|');
    if (bar == std::string::npos) throw bad();
    const auto first = payload.substr(0, bar);
    const auto second = payload.substr(bar + 1);
    if (sort == ProductSort::NameAsc) {
        const auto id = text::parseInteger(first, 1, INT64_MAX);
        if (!id || !text::isValidUtf8(second)) throw bad();
        c.id = *id;
        c.name = second;
    } else {
        const auto t = text::parseInteger(first, INT64_MIN, INT64_MAX);
        const auto id = text::parseInteger(second, 1, INT64_MAX);
        if (!t || !id) throw bad();
        c.createdAt = *t;
        c.id = *id;
    }
    return c;
}

ProductCursor cursorAfter(const Product& last, ProductSort sort) {
    ProductCursor c;
    c.sort = sort;
    c.createdAt = last.createdAt;
    c.name = last.name;
    c.id = last.id;
    return c;
}

namespace {
void appendKeyField(std::string& key, const std::optional<std::string>& value) {
    if (!value) {
        key += '-';
        return;
    }
    key += std::to_string(value->size()) + ':' + *value;
}
void appendKeyField(std::string& key, std::vector<std::string> values) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    key += std::to_string(values.size()) + '[';
    for (const auto& v : values) appendKeyField(key, std::optional<std::string>(v));
}
}  // namespace

std::string productFilterKey(const ProductFilter& f) {
    std::string key;
    appendKeyField(key, f.gender);
    appendKeyField(key, f.ageRange);
    appendKeyField(key, f.scenarios);
    appendKeyField(key, f.styles);
    appendKeyField(key, f.designer);
    appendKeyField(key, f.q);
    return key;
}

std::string productQueryKey(const ProductQuery& q) {
    std::string key = productFilterKey(q.filter);
    key += q.sort == ProductSort::NameAsc ? "|n" : "|c";
    key += std::to_string(q.limit);
    appendKeyField(key, q.after ? std::optional<std::string>(encodeProductCursor(*q.after)) : std::nullopt);
    return key;
}

std::string facetsJson(const ProductFacets& f) {
    JsonWriter w;
    w.beginObject();
    for (const char* kind : {"gender", "ageRange", "scenario", "style"}) {
        w.key(kind).beginObject();
        if (const auto it = f.counts.find(kind); it != f.counts.end())
            for (const auto& [value, n] : it->second) w.field(value, static_cast<std::int64_t>(n));
        w.endObject();
    }
    w.endObject();
    return w.take();
}

void validateFilter(const ProductFilter& f) {
    FieldErrors errors;
    if (f.gender && !oneOf(*f.gender, genderValues()))
        errors.add("gender", "must be one of " + listOf(genderValues()));
    if (f.ageRange && !oneOf(*f.ageRange, ageRangeValues()))
        errors.add("ageRange", "must be one of " + listOf(ageRangeValues()));
    if (f.scenarios.size() > 20) errors.add("scenario", "at most 20 values");
    if (f.styles.size() > 20) errors.add("style", "at most 20 values");
    if (f.q && text::codePointCount(*f.q) > 100) errors.add("q", "must be at most 100 characters");
    errors.throwIfAny();
}

}  // namespace mofang::domain
