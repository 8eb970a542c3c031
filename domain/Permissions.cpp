#include "domain/Permissions.hpp"

#include <algorithm>

#include "domain/Errors.hpp"

namespace mofang::domain {
namespace {

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
}

}  // namespace

std::string_view toString(Role role) {
    switch (role) {
        case Role::Viewer:
            return "viewer";
        case Role::Uploader:
            return "uploader";
        case Role::Admin:
            return "admin";
    }
    return "viewer";
}

std::optional<Role> parseRole(std::string_view s) {
    if (s == "viewer") return Role::Viewer;
    if (s == "uploader") return Role::Uploader;
    if (s == "admin") return Role::Admin;
    return std::nullopt;
}

const std::vector<std::string>& permissionCatalogue() {
    static const std::vector<std::string> all = sorted({
        std::string(perm::kProductRead),
        std::string(perm::kProductWrite),
        std::string(perm::kProductDelete),
        std::string(perm::kSelectionWrite),
        std::string(perm::kSelectionReadAll),
        std::string(perm::kDownloadPreview),
        std::string(perm::kDownloadPackage),
        std::string(perm::kDownloadReadAll),
        std::string(perm::kModelGenerate),
        std::string(perm::kModelReadAll),
        std::string(perm::kUserManage),
        std::string(perm::kLogRead),
    });
    return all;
}

bool isKnownPermission(std::string_view p) {
    const auto& all = permissionCatalogue();
    return std::binary_search(all.begin(), all.end(), p);
}

const std::vector<std::string>& roleDefaults(Role role) {
    static const std::vector<std::string> viewer =
        sorted({std::string(perm::kProductRead), std::string(perm::kSelectionWrite),
                std::string(perm::kDownloadPreview), std::string(perm::kDownloadPackage)});
    static const std::vector<std::string> uploader = [] {
        auto v = viewer;
        v.emplace_back(perm::kModelGenerate);
        v.emplace_back(perm::kProductWrite);
        return sorted(v);
    }();
    switch (role) {
        case Role::Viewer:
            return viewer;
        case Role::Uploader:
            return uploader;
        case Role::Admin:
            return permissionCatalogue();
    }
    return viewer;
}

std::vector<std::string> effectivePermissions(Role role, const std::vector<std::string>& grants) {
    auto all = roleDefaults(role);
    for (const auto& g : grants)
        if (isKnownPermission(g)) all.push_back(g);
    return sorted(std::move(all));
}

Principal::Principal(UserId id, Role role, const std::vector<std::string>& grants) : id_(id), role_(role) {
    for (auto& p : effectivePermissions(role, grants)) permissions_.insert(std::move(p));
}

bool Principal::has(std::string_view permission) const {
    return permissions_.find(permission) != permissions_.end();
}

void Principal::require(std::string_view permission) const {
    if (!has(permission)) throw forbidden("missing permission " + std::string(permission));
}

void Principal::requireOwnerOr(UserId ownerId, std::string_view readAllPermission,
                               const std::string& notFoundMessage) const {
    if (ownerId != id_ && !has(readAllPermission)) throw notFound(notFoundMessage);
}

}  // namespace mofang::domain
