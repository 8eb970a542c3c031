#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/Material.hpp"
#include "domain/Permissions.hpp"
#include "domain/Product.hpp"
#include "domain/Time.hpp"

namespace mofang::domain {

using SelectionId = std::int64_t;
using DownloadId = std::int64_t;

struct SelectionItem {
    ModuleId moduleId = 0;
    MaterialId materialId = 0;
};

// Seed 002 §3: materials a user picked from one product, per module.
struct Selection {
    SelectionId id = 0;
    UserId userId = 0;
    ProductId productId = 0;
    std::vector<SelectionItem> items;  // in the order the user gave
    Millis createdAt = 0;
    Millis updatedAt = 0;
};

std::string selectionJson(const Selection& s);

// POST/PUT body as the transport parsed it: ids as the decimal strings of the API.
struct SelectionItemInput {
    std::optional<std::string> moduleId;
    std::optional<std::string> materialId;
};
struct SelectionInput {
    std::optional<std::string> productId;
    std::optional<std::vector<SelectionItemInput>> items;
};
inline constexpr std::size_t kMaxSelectionItems = 100'000;

enum class DownloadType { Package, Preview };
std::string_view toString(DownloadType t);

// Seed 002 §4.
struct DownloadRecord {
    DownloadId id = 0;
    UserId userId = 0;
    ProductId productId = 0;
    SelectionId selectionId = 0;
    Millis downloadTime = 0;
    DownloadType type = DownloadType::Package;
    std::string etag;        // the archive's ETag at the time
    std::uint64_t size = 0;  // its length
};

std::string downloadJson(const DownloadRecord& d);

struct DownloadQuery {
    std::optional<UserId> userId;
    std::optional<ProductId> productId;
    std::optional<DownloadId> beforeId;  // keyset: newest first
    int limit = 20;
};

struct SelectionQuery {
    std::optional<UserId> userId;  // nullopt: everyone's (selection.read_all)
    std::optional<SelectionId> beforeId;
    int limit = 20;
};

}  // namespace mofang::domain
