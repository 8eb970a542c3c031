#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mofang::domain {

enum class Role { Viewer, Uploader, Admin };

std::string_view toString(Role role);
std::optional<Role> parseRole(std::string_view s);

// The SPEC §3 catalogue, as the strings users see.
namespace perm {
inline constexpr std::string_view kProductRead = "product.read";
inline constexpr std::string_view kProductWrite = "product.write";
inline constexpr std::string_view kProductDelete = "product.delete";
inline constexpr std::string_view kSelectionWrite = "selection.write";
inline constexpr std::string_view kSelectionReadAll = "selection.read_all";
inline constexpr std::string_view kDownloadPreview = "download.preview";
inline constexpr std::string_view kDownloadPackage = "download.package";
inline constexpr std::string_view kDownloadReadAll = "download.read_all";
inline constexpr std::string_view kModelGenerate = "model.generate";
inline constexpr std::string_view kModelReadAll = "model.read_all";
inline constexpr std::string_view kUserManage = "user.manage";
inline constexpr std::string_view kLogRead = "log.read";
}  // namespace perm

// Every permission string that exists, sorted.
const std::vector<std::string>& permissionCatalogue();
bool isKnownPermission(std::string_view p);
const std::vector<std::string>& roleDefaults(Role role);

// Role defaults ∪ grants, sorted and without duplicates.
std::vector<std::string> effectivePermissions(Role role, const std::vector<std::string>& grants);

using UserId = std::int64_t;

// Who is acting. Built once per request from the session; every permission check goes through it.
class Principal final {
  public:
    Principal(UserId id, Role role, const std::vector<std::string>& grants);

    UserId id() const { return id_; }
    Role role() const { return role_; }
    bool has(std::string_view permission) const;
    // Throws forbidden (403) without the permission.
    void require(std::string_view permission) const;
    // The ownership rule: another user's record is visible only with `readAllPermission`;
    // otherwise it does not exist for this principal (404 with `notFoundMessage`, the same message
    // as for a record that does not exist), never 403.
    void requireOwnerOr(UserId ownerId, std::string_view readAllPermission,
                        const std::string& notFoundMessage = "not found") const;
    const std::set<std::string, std::less<>>& permissions() const { return permissions_; }

  private:
    UserId id_;
    Role role_;
    std::set<std::string, std::less<>> permissions_;
};

}  // namespace mofang::domain
