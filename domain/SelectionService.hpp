#pragma once

#include <vector>

#include "domain/Ports.hpp"
#include "domain/Selection.hpp"

namespace mofang::domain {

// Selections (SPEC §5): a user's picks of one product's materials. Owners read and change their
// own (selection.write); selection.read_all reads everyone's but changes only its own (403).
// Someone else's selection without it is a 404.
class SelectionService final {
  public:
    SelectionService(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

    Selection create(const Principal& who, const SelectionInput& input, const AuditContext& audit);
    Selection get(const Principal& who, SelectionId id);
    // Own selections; with selection.read_all, `query.userId` may name anyone or be nullopt (all).
    std::vector<Selection> list(const Principal& who, SelectionQuery query);
    Selection update(const Principal& who, SelectionId id, const SelectionInput& input, const AuditContext& audit);
    void remove(const Principal& who, SelectionId id, const AuditContext& audit);

  private:
    Store& store_;
    const Clock& clock_;
};

// The selection when `who` may read it (owner, or selection.read_all), else NotFound.
Selection requireReadableSelection(Repositories& r, const Principal& who, SelectionId id);

}  // namespace mofang::domain
