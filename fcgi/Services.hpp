#pragma once

#include <memory>

#include "domain/AuthService.hpp"
#include "domain/Config.hpp"
#include "domain/GenerationService.hpp"
#include "domain/MaterialService.hpp"
#include "domain/ModelPhotoService.hpp"
#include "domain/PackageService.hpp"
#include "domain/SelectionService.hpp"
#include "fcgi/DownloadGate.hpp"
#include "domain/ProductService.hpp"
#include "domain/UserService.hpp"
#include "persistence/Database.hpp"
#include "persistence/LocalFileBackup.hpp"
#include "persistence/SodiumCrypto.hpp"
#include "persistence/SqlRepositories.hpp"
#include "persistence/VipsRenderer.hpp"

namespace mofang::fcgi {

// The composition root's product: every long-lived object, built once from the config and
// shared by all request threads. Only main() files build one.
class Services final {
  public:
    explicit Services(domain::AppConfig config);

    // Migrations when db.auto_migrate, then the admin bootstrap when admin.password is set.
    void prepareDatabase();

    const domain::AppConfig config;
    persistence::SystemClock clock;
    persistence::SodiumCrypto crypto;
    persistence::SodiumRandom random;
    persistence::Database db;
    persistence::SqlStore store;
    domain::AuthService auth;
    domain::UserService users;
    domain::OperationLogService operationLogs;
    domain::ProductService products;
    std::unique_ptr<domain::BlobStore> blobs;
    persistence::VipsRenderer renderer;
    domain::MaterialService materials;
    domain::SelectionService selections;
    domain::PackageService packages;
    DownloadGate downloadGate;
    domain::ModelPhotoService modelPhotos;
    std::unique_ptr<persistence::LocalFileBackup> backup;  // storage.local_backup, or null
    domain::GenerationService generation;        // the worker's side
};

// The image generator the `generator` URI names (demo or openai).
std::unique_ptr<domain::Generator> openGenerator(const domain::AppConfig& config);

// The object store the `storage` URI names.
std::unique_ptr<domain::BlobStore> openBlobStore(const std::string& uri);

}  // namespace mofang::fcgi
