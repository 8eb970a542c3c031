#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/Permissions.hpp"
#include "domain/Time.hpp"

namespace mofang::domain {

using ProductId = std::int64_t;
using ModuleId = std::int64_t;

inline const std::vector<std::string>& genderValues() {
    static const std::vector<std::string> v = {"male", "female", "unisex"};
    return v;
}
inline const std::vector<std::string>& ageRangeValues() {
    static const std::vector<std::string> v = {"adult", "youth", "kids"};
    return v;
}
inline const std::vector<std::string>& moduleTypeValues() {
    static const std::vector<std::string> v = {"main", "sku", "detail"};
    return v;
}

struct Product {
    ProductId id = 0;
    std::string name;
    std::string spuCode;
    std::string gender;
    std::string ageRange;
    std::vector<std::string> scenarios;
    std::vector<std::string> styles;
    std::string threeDDesigner;
    std::string graphicDesigner;
    UserId createdBy = 0;
    Millis createdAt = 0;
    Millis updatedAt = 0;
    bool deleted = false;
};

struct MaterialModule {
    ModuleId id = 0;
    ProductId productId = 0;
    std::string type;     // main | sku | detail
    std::string subType;  // "" when none (never NULL)
    int order = 0;
    Millis createdAt = 0;
    Millis updatedAt = 0;
};

// ^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$
bool isValidSpuCode(std::string_view s);

// Seed 002 §1 / §2 JSON. `modulesJson`, when given, is embedded as "modules".
std::string productJson(const Product& p, const std::optional<std::string>& modulesJson = std::nullopt);
std::string moduleJson(const MaterialModule& m,
                       const std::optional<std::string>& materialsJson = std::nullopt);

// Product input as the transport parsed it: absent fields are nullopt. For creation every
// required field must be present; for a patch only present fields change.
struct ProductInput {
    std::optional<std::string> name;
    std::optional<std::string> spuCode;
    std::optional<std::string> gender;
    std::optional<std::string> ageRange;
    std::optional<std::vector<std::string>> scenarios;
    std::optional<std::vector<std::string>> styles;
    std::optional<std::string> threeDDesigner;
    std::optional<std::string> graphicDesigner;
};

// SPEC §4: validates every field at once (422 naming each); returns the product the input
// describes, names trimmed. `base` is the current product for a patch, nullopt for a create.
Product buildProduct(const ProductInput& input, const std::optional<Product>& base);

struct ModuleInput {
    std::optional<std::string> type;
    std::optional<std::string> subType;
    std::optional<std::int64_t> order;
};
MaterialModule buildModule(const ModuleInput& input, const std::optional<MaterialModule>& base);

enum class ProductSort { CreatedDesc, NameAsc };

// GET /products filters; kinds AND together, values within scenario/style OR together.
struct ProductFilter {
    std::optional<std::string> gender;
    std::optional<std::string> ageRange;
    std::vector<std::string> scenarios;
    std::vector<std::string> styles;
    std::optional<std::string> designer;
    std::optional<std::string> q;
};

// Keyset position: the sort key and id of the last row of the previous page.
struct ProductCursor {
    ProductSort sort = ProductSort::CreatedDesc;
    Millis createdAt = 0;
    std::string name;
    ProductId id = 0;
};
std::string encodeProductCursor(const ProductCursor& c);
// Throws bad request when malformed or made for another sort.
ProductCursor decodeProductCursor(std::string_view text, ProductSort sort);
ProductCursor cursorAfter(const Product& last, ProductSort sort);

struct ProductQuery {
    ProductFilter filter;
    ProductSort sort = ProductSort::CreatedDesc;
    std::optional<ProductCursor> after;
    int limit = 20;
};

// Cache keys: two filters (queries) with equal keys select the same rows in the same order.
// Every field is length-prefixed; tag values are sorted and deduplicated (they are "any of").
std::string productFilterKey(const ProductFilter& f);
std::string productQueryKey(const ProductQuery& q);

// {"gender": {"female": 12}, "ageRange": {...}, "scenario": {...}, "style": {...}}
struct ProductFacets {
    std::map<std::string, std::map<std::string, std::int64_t>> counts;
};
std::string facetsJson(const ProductFacets& f);

// Validates filter values (422 for an unknown enum value in a query, naming the parameter).
void validateFilter(const ProductFilter& f);

}  // namespace mofang::domain
