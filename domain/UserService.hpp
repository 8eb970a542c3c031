#pragma once

#include <optional>
#include <vector>

#include "domain/Ports.hpp"
#include "domain/User.hpp"

namespace mofang::domain {

// User management (SPEC §5 /users, mofangctl user ...). Every call checks user.manage first.
class UserService final {
  public:
    UserService(Store& store, const Crypto& crypto, const Clock& clock);

    std::vector<User> list(const Principal& who, std::optional<UserId> afterId, int limit);
    User get(const Principal& who, UserId id);
    // Duplicate username or email → 409 naming the field.
    User create(const Principal& who, const NewUser& input, const AuditContext& audit);
    // status → blocked ends every session of the user at once (logged as user.block);
    // a password reset ends them too. The last active admin cannot be demoted or deactivated (409).
    User update(const Principal& who, UserId id, const UserPatch& patch, const AuditContext& audit);
    User findByUsername(const Principal& who, std::string_view username);

    // Start-up bootstrap: creates user `admin` with `password` when no active admin exists.
    // Returns true when it created one.
    bool ensureAdmin(std::string_view password);

    // The principal of administrative tools (mofangctl), which act as no user.
    static Principal systemPrincipal();

  private:
    Store& store_;
    const Crypto& crypto_;
    const Clock& clock_;
};

// Operation-log reads (SPEC §5 /operation-logs); needs log.read.
class OperationLogService final {
  public:
    explicit OperationLogService(Store& store) : store_(store) {}
    std::vector<OperationLogEntry> list(const Principal& who, const OperationLogQuery& query);

  private:
    Store& store_;
};

}  // namespace mofang::domain
