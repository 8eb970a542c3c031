#pragma once

#include <optional>
#include <vector>

#include "domain/Ports.hpp"
#include "domain/Product.hpp"
#include "domain/VersionedCache.hpp"

namespace mofang::domain {

// The module, when it and its product are live; else NotFound.
MaterialModule requireLiveModule(Repositories& r, ModuleId id);

// Products and their material modules (SPEC §5). Reads need product.read; changes need
// product.write (product.delete for deleting a product); every change is logged with
// before/after in the same transaction.
class ProductService final {
  public:
    ProductService(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

    // `catalogueVersion`: the catalogue version the caller's session check read (Authenticated).
    // With it, pages and facets computed at that version are kept and answered again until a
    // product changes; without it, every call reads the store.
    std::vector<Product> list(const Principal& who, const ProductQuery& query,
                              std::optional<std::int64_t> catalogueVersion = std::nullopt);
    ProductFacets facets(const Principal& who, const ProductFilter& filter,
                         std::optional<std::int64_t> catalogueVersion = std::nullopt);
    Product get(const Principal& who, ProductId id);
    Product getBySpu(const Principal& who, std::string_view spuCode);
    Product create(const Principal& who, const ProductInput& input, const AuditContext& audit);
    Product update(const Principal& who, ProductId id, const ProductInput& input, const AuditContext& audit);
    void remove(const Principal& who, ProductId id, const AuditContext& audit);

    std::vector<MaterialModule> modules(const Principal& who, ProductId productId);
    MaterialModule module(const Principal& who, ModuleId id);
    MaterialModule createModule(const Principal& who, ProductId productId, const ModuleInput& input,
                                const AuditContext& audit);
    MaterialModule updateModule(const Principal& who, ModuleId id, const ModuleInput& input,
                                const AuditContext& audit);
    void removeModule(const Principal& who, ModuleId id, const AuditContext& audit);

  private:
    Store& store_;
    const Clock& clock_;
    VersionedCache<std::vector<Product>> pages_{512};
    VersionedCache<ProductFacets> facets_{256};
};

}  // namespace mofang::domain
