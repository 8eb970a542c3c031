#include "domain/SelectionService.hpp"

#include <map>
#include <set>
#include <utility>

#include "domain/Errors.hpp"
#include "domain/ProductService.hpp"
#include "domain/Text.hpp"

namespace mofang::domain {
namespace {

std::optional<std::int64_t> parseId(const std::optional<std::string>& s) {
    if (!s) return std::nullopt;
    const auto n = text::parseInteger(*s, 1, INT64_MAX);
    if (!n) return std::nullopt;
    return *n;
}

// Validates the input against the live catalogue: every item a live material in that module of
// that product (422 naming each bad item). POST and PUT both carry the whole selection.
Selection buildSelection(Repositories& r, const SelectionInput& in, Selection s) {
    FieldErrors errors;
    const auto productId = parseId(in.productId);
    if (!in.productId)
        errors.add("productId", "is required");
    else if (!productId || !r.products().findById(*productId))
        errors.add("productId", "is not a live product");
    else
        s.productId = *productId;
    if (!in.items) errors.add("selections", "is required");
    errors.throwIfAny();

    const auto& items = *in.items;
    if (items.empty()) errors.add("selections", "must hold at least one item");
    if (items.size() > kMaxSelectionItems)
        errors.add("selections", "must hold at most " + std::to_string(kMaxSelectionItems) + " items");
    errors.throwIfAny();

    std::vector<SelectionItem> out;
    std::set<MaterialId> seen;
    std::map<ModuleId, bool> moduleOk;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string field = "selections[" + std::to_string(i) + "]";
        const auto moduleId = parseId(items[i].moduleId);
        const auto materialId = parseId(items[i].materialId);
        if (!moduleId) {
            errors.add(field + ".moduleId", "must be a module id");
            continue;
        }
        if (!materialId) {
            errors.add(field + ".materialId", "must be a material id");
            continue;
        }
        auto known = moduleOk.find(*moduleId);
        if (known == moduleOk.end()) {
            const auto m = r.modules().findById(*moduleId);
            known = moduleOk.emplace(*moduleId, m && m->productId == s.productId).first;
        }
        if (!known->second) {
            errors.add(field + ".moduleId", "is not a module of this product");
            continue;
        }
        const auto material = r.materials().findById(*materialId);
        if (!material || material->moduleId != *moduleId) {
            errors.add(field + ".materialId", "is not a live material of this module");
            continue;
        }
        if (!seen.insert(*materialId).second) {
            errors.add(field + ".materialId", "is selected twice");
            continue;
        }
        out.push_back({*moduleId, *materialId});
    }
    errors.throwIfAny();
    s.items = std::move(out);
    return s;
}

}  // namespace

Selection requireReadableSelection(Repositories& r, const Principal& who, SelectionId id) {
    auto s = r.selections().findById(id);
    if (!s) throw notFound("selection not found");
    who.requireOwnerOr(s->userId, perm::kSelectionReadAll, "selection not found");
    return *s;
}

Selection SelectionService::create(const Principal& who, const SelectionInput& input, const AuditContext& audit) {
    who.require(perm::kSelectionWrite);
    Selection s;
    store_.transact([&](Repositories& r) {
        Selection fresh;
        fresh.userId = who.id();
        s = buildSelection(r, input, fresh);
        s.createdAt = s.updatedAt = clock_.now();
        s.id = r.selections().insert(s);
        r.operationLogs().append(
            makeLogEntry(audit, "selection.create", std::to_string(s.id), std::nullopt, selectionJson(s), s.createdAt));
    });
    return s;
}

Selection SelectionService::get(const Principal& who, SelectionId id) {
    who.require(perm::kSelectionWrite);
    Selection s;
    store_.read([&](Repositories& r) { s = requireReadableSelection(r, who, id); });
    return s;
}

std::vector<Selection> SelectionService::list(const Principal& who, SelectionQuery query) {
    who.require(perm::kSelectionWrite);
    if (!who.has(perm::kSelectionReadAll)) {
        if (query.userId && *query.userId != who.id()) throw forbidden("reading others' selections needs selection.read_all");
        query.userId = who.id();
    }
    std::vector<Selection> out;
    store_.read([&](Repositories& r) { out = r.selections().list(query); });
    return out;
}

Selection SelectionService::update(const Principal& who, SelectionId id, const SelectionInput& input,
                                   const AuditContext& audit) {
    who.require(perm::kSelectionWrite);
    Selection next;
    store_.transact([&](Repositories& r) {
        const auto current = requireReadableSelection(r, who, id);
        if (current.userId != who.id()) throw forbidden("only the owner may change a selection");
        next = buildSelection(r, input, current);
        next.updatedAt = clock_.now();
        r.selections().update(next);
        r.operationLogs().append(makeLogEntry(audit, "selection.update", std::to_string(id), selectionJson(current),
                                              selectionJson(next), next.updatedAt));
    });
    return next;
}

void SelectionService::remove(const Principal& who, SelectionId id, const AuditContext& audit) {
    who.require(perm::kSelectionWrite);
    store_.transact([&](Repositories& r) {
        const auto current = requireReadableSelection(r, who, id);
        if (current.userId != who.id()) throw forbidden("only the owner may delete a selection");
        r.selections().remove(id);
        r.operationLogs().append(makeLogEntry(audit, "selection.delete", std::to_string(id), selectionJson(current),
                                              std::nullopt, clock_.now()));
    });
}

}  // namespace mofang::domain
