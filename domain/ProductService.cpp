#include "domain/ProductService.hpp"

#include "domain/Errors.hpp"

namespace mofang::domain {
namespace {

DomainError productNotFound() {
    return notFound("product not found");
}
DomainError moduleNotFound() {
    return notFound("module not found");
}

void requireFreeSpu(Repositories& r, const std::string& spuCode, ProductId exceptId) {
    if (r.products().spuTaken(spuCode, exceptId))
        throw conflict("spuCode is already taken", {{"spuCode", "is already taken"}});
}

void requireFreeSlot(Repositories& r, const MaterialModule& m) {
    if (r.modules().slotTaken(m.productId, m.type, m.subType, m.id))
        throw conflict("this product already has a module of that type and subType",
                       {{"subType", "is already used for this type"}});
}

// What read() returns, kept in `cache` while `version` is the current one (no version: read).
template <class Value, class KeyOf, class Read>
Value keptOrRead(VersionedCache<Value>& cache, std::optional<std::int64_t> version, KeyOf keyOf, Read read) {
    if (!version) return read();
    const std::string key = keyOf();
    if (auto kept = cache.find(*version, key)) return std::move(*kept);
    Value fresh = read();
    cache.put(*version, key, fresh);
    return fresh;
}

}  // namespace

// A module exists for its users only while its product is live.
MaterialModule requireLiveModule(Repositories& r, ModuleId id) {
    auto m = r.modules().findById(id);
    if (!m || !r.products().findById(m->productId)) throw moduleNotFound();
    return *m;
}

std::vector<Product> ProductService::list(const Principal& who, const ProductQuery& query,
                                          std::optional<std::int64_t> catalogueVersion) {
    who.require(perm::kProductRead);
    validateFilter(query.filter);
    return keptOrRead(pages_, catalogueVersion, [&] { return productQueryKey(query); }, [&] {
        std::vector<Product> out;
        store_.read([&](Repositories& r) { out = r.products().list(query); });
        return out;
    });
}

ProductFacets ProductService::facets(const Principal& who, const ProductFilter& filter,
                                     std::optional<std::int64_t> catalogueVersion) {
    who.require(perm::kProductRead);
    validateFilter(filter);
    return keptOrRead(facets_, catalogueVersion, [&] { return productFilterKey(filter); }, [&] {
        ProductFacets out;
        store_.read([&](Repositories& r) { out = r.products().facets(filter); });
        return out;
    });
}

Product ProductService::get(const Principal& who, ProductId id) {
    who.require(perm::kProductRead);
    std::optional<Product> p;
    store_.read([&](Repositories& r) { p = r.products().findById(id); });
    if (!p) throw productNotFound();
    return *p;
}

Product ProductService::getBySpu(const Principal& who, std::string_view spuCode) {
    who.require(perm::kProductRead);
    if (!isValidSpuCode(spuCode)) throw productNotFound();  // no product can have it
    std::optional<Product> p;
    store_.read([&](Repositories& r) { p = r.products().findBySpu(spuCode); });
    if (!p) throw productNotFound();
    return *p;
}

Product ProductService::create(const Principal& who, const ProductInput& input, const AuditContext& audit) {
    who.require(perm::kProductWrite);
    Product p = buildProduct(input, std::nullopt);
    p.createdBy = who.id();
    p.createdAt = p.updatedAt = clock_.now();
    store_.transact([&](Repositories& r) {
        requireFreeSpu(r, p.spuCode, 0);
        p.id = r.products().insert(p);
        r.operationLogs().append(makeLogEntry(audit, "product.create", std::to_string(p.id), std::nullopt,
                                              productJson(p), p.createdAt));
    });
    return p;
}

Product ProductService::update(const Principal& who, ProductId id, const ProductInput& input,
                               const AuditContext& audit) {
    who.require(perm::kProductWrite);
    Product next;
    store_.transact([&](Repositories& r) {
        const auto current = r.products().findById(id);
        if (!current) throw productNotFound();
        next = buildProduct(input, current);
        if (input.spuCode && *input.spuCode != current->spuCode) requireFreeSpu(r, next.spuCode, id);
        next.updatedAt = clock_.now();
        r.products().update(next);
        r.operationLogs().append(makeLogEntry(audit, "product.update", std::to_string(id),
                                              productJson(*current), productJson(next), next.updatedAt));
    });
    return next;
}

void ProductService::remove(const Principal& who, ProductId id, const AuditContext& audit) {
    who.require(perm::kProductDelete);
    store_.transact([&](Repositories& r) {
        const auto current = r.products().findById(id);
        if (!current) throw productNotFound();
        const Millis now = clock_.now();
        r.products().markDeleted(id, now);
        r.operationLogs().append(makeLogEntry(audit, "product.delete", std::to_string(id),
                                              productJson(*current), std::nullopt, now));
    });
}

std::vector<MaterialModule> ProductService::modules(const Principal& who, ProductId productId) {
    who.require(perm::kProductRead);
    std::vector<MaterialModule> out;
    store_.read([&](Repositories& r) {
        if (!r.products().findById(productId)) throw productNotFound();
        out = r.modules().listByProduct(productId);
    });
    return out;
}

MaterialModule ProductService::module(const Principal& who, ModuleId id) {
    who.require(perm::kProductRead);
    MaterialModule m;
    store_.read([&](Repositories& r) { m = requireLiveModule(r, id); });
    return m;
}

MaterialModule ProductService::createModule(const Principal& who, ProductId productId,
                                            const ModuleInput& input, const AuditContext& audit) {
    who.require(perm::kProductWrite);
    MaterialModule m = buildModule(input, std::nullopt);
    m.productId = productId;
    m.createdAt = m.updatedAt = clock_.now();
    store_.transact([&](Repositories& r) {
        if (!r.products().findById(productId)) throw productNotFound();
        requireFreeSlot(r, m);
        m.id = r.modules().insert(m);
        r.operationLogs().append(makeLogEntry(audit, "module.create", std::to_string(m.id), std::nullopt,
                                              moduleJson(m), m.createdAt));
    });
    return m;
}

MaterialModule ProductService::updateModule(const Principal& who, ModuleId id, const ModuleInput& input,
                                            const AuditContext& audit) {
    who.require(perm::kProductWrite);
    MaterialModule next;
    store_.transact([&](Repositories& r) {
        const auto current = requireLiveModule(r, id);
        next = buildModule(input, current);
        if (next.type != current.type || next.subType != current.subType) requireFreeSlot(r, next);
        next.updatedAt = clock_.now();
        r.modules().update(next);
        r.operationLogs().append(makeLogEntry(audit, "module.update", std::to_string(id), moduleJson(current),
                                              moduleJson(next), next.updatedAt));
    });
    return next;
}

void ProductService::removeModule(const Principal& who, ModuleId id, const AuditContext& audit) {
    who.require(perm::kProductWrite);
    store_.transact([&](Repositories& r) {
        const auto current = requireLiveModule(r, id);
        // Its materials go with it (soft: their blobs stay for gc.retain_days).
        r.materials().markDeletedByModule(id, clock_.now());
        r.modules().remove(id);
        r.operationLogs().append(makeLogEntry(audit, "module.delete", std::to_string(id), moduleJson(current),
                                              std::nullopt, clock_.now()));
    });
}

}  // namespace mofang::domain
