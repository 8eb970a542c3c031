#pragma once

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>

#include "domain/Ports.hpp"
#include "persistence/Database.hpp"

namespace mofang::persistence {

class SqlUserRepository final : public domain::UserRepository {
  public:
    SqlUserRepository(Poco::Data::Session& s, Dialect d) : s_(s), dialect_(d) {}
    std::optional<domain::User> findById(domain::UserId id) override;
    std::optional<domain::User> findByLogin(std::string_view login) override;
    bool usernameTaken(std::string_view username) override;
    bool emailTaken(std::string_view email, domain::UserId exceptId) override;
    domain::UserId insert(const domain::User& user) override;
    void update(const domain::User& user) override;
    std::vector<domain::User> list(std::optional<domain::UserId> afterId, int limit) override;
    int countActiveAdmins() override;

  private:
    Poco::Data::Session& s_;
    Dialect dialect_;
};

class SqlSessionRepository final : public domain::SessionRepository {
  public:
    explicit SqlSessionRepository(Poco::Data::Session& s) : s_(s) {}
    void insert(const domain::SessionRecord& session) override;
    std::optional<domain::ActiveSession> findActive(std::string_view tokenHash, domain::Millis now) override;
    void remove(std::string_view tokenHash) override;
    void removeAllOfUser(domain::UserId userId, std::optional<std::string> keepTokenHash) override;
    void removeExpired(domain::Millis now) override;

  private:
    Poco::Data::Session& s_;
};

class SqlLoginFailureRepository final : public domain::LoginFailureRepository {
  public:
    explicit SqlLoginFailureRepository(Poco::Data::Session& s) : s_(s) {}
    void record(std::string_view loginKey, domain::Millis at) override;
    std::vector<domain::Millis> since(std::string_view loginKey, domain::Millis since) override;
    void clear(std::string_view loginKey) override;

  private:
    Poco::Data::Session& s_;
};

class SqlOperationLogRepository final : public domain::OperationLogRepository {
  public:
    explicit SqlOperationLogRepository(Poco::Data::Session& s) : s_(s) {}
    void append(const domain::OperationLogEntry& entry) override;
    std::vector<domain::OperationLogEntry> list(const domain::OperationLogQuery& query) override;

  private:
    Poco::Data::Session& s_;
};

class SqlProductRepository final : public domain::ProductRepository {
  public:
    SqlProductRepository(Poco::Data::Session& s, Dialect d) : s_(s), dialect_(d) {}
    std::optional<domain::Product> findById(domain::ProductId id) override;
    std::optional<domain::Product> findBySpu(std::string_view spuCode) override;
    bool spuTaken(std::string_view spuCode, domain::ProductId exceptId) override;
    domain::ProductId insert(const domain::Product& product) override;
    void update(const domain::Product& product) override;
    void markDeleted(domain::ProductId id, domain::Millis at) override;
    std::vector<domain::Product> list(const domain::ProductQuery& query) override;
    domain::ProductFacets facets(const domain::ProductFilter& filter) override;

  private:
    Poco::Data::Session& s_;
    Dialect dialect_;
};

class SqlModuleRepository final : public domain::ModuleRepository {
  public:
    SqlModuleRepository(Poco::Data::Session& s, Dialect d) : s_(s), dialect_(d) {}
    std::optional<domain::MaterialModule> findById(domain::ModuleId id) override;
    std::vector<domain::MaterialModule> listByProduct(domain::ProductId productId) override;
    bool slotTaken(domain::ProductId productId, std::string_view type, std::string_view subType,
                   domain::ModuleId exceptId) override;
    domain::ModuleId insert(const domain::MaterialModule& module) override;
    void update(const domain::MaterialModule& module) override;
    void remove(domain::ModuleId id) override;

  private:
    static domain::MaterialModule readModule(const Poco::Data::RecordSet& rs, std::size_t row);
    Poco::Data::Session& s_;
    Dialect dialect_;
};

class SqlMaterialRepository final : public domain::MaterialRepository {
  public:
    SqlMaterialRepository(Poco::Data::Session& s, Dialect d) : s_(s), dialect_(d) {}
    std::optional<domain::Material> findById(domain::MaterialId id) override;
    std::vector<domain::Material> listByModule(domain::ModuleId moduleId) override;
    std::vector<domain::Material> listByModules(const std::vector<domain::ModuleId>& moduleIds) override;
    int maxOrder(domain::ModuleId moduleId) override;
    domain::MaterialId insert(const domain::Material& material) override;
    void update(const domain::Material& material) override;
    void markDeleted(domain::MaterialId id, domain::Millis at) override;
    void markDeletedByModule(domain::ModuleId moduleId, domain::Millis at) override;

  private:
    Poco::Data::Session& s_;
    Dialect dialect_;
};

class SqlBlobReferenceRepository final : public domain::BlobReferenceRepository {
  public:
    SqlBlobReferenceRepository(Poco::Data::Session& s, Dialect d) : s_(s), dialect_(d) {}
    std::int64_t pin(const std::string& key, domain::Millis at) override;
    void unpin(std::int64_t pinId) override;
    std::size_t removePinsBefore(domain::Millis before) override;
    bool isReferenced(const std::string& key, domain::Millis deletedSince) override;
    std::vector<std::string> referencedKeys(domain::Millis deletedSince) override;

  private:
    Poco::Data::Session& s_;
    Dialect dialect_;
};

class SqlSelectionRepository final : public domain::SelectionRepository {
  public:
    SqlSelectionRepository(Poco::Data::Session& s, Dialect d) : s_(s), dialect_(d) {}
    std::optional<domain::Selection> findById(domain::SelectionId id) override;
    std::vector<domain::Selection> list(const domain::SelectionQuery& query) override;
    domain::SelectionId insert(const domain::Selection& selection) override;
    void update(const domain::Selection& selection) override;
    void remove(domain::SelectionId id) override;

  private:
    Poco::Data::Session& s_;
    Dialect dialect_;
};

class SqlDownloadRepository final : public domain::DownloadRepository {
  public:
    SqlDownloadRepository(Poco::Data::Session& s, Dialect d) : s_(s), dialect_(d) {}
    domain::DownloadId insert(const domain::DownloadRecord& record) override;
    std::vector<domain::DownloadRecord> list(const domain::DownloadQuery& query) override;

  private:
    Poco::Data::Session& s_;
    Dialect dialect_;
};

class SqlModelPhotoRepository final : public domain::ModelPhotoRepository {
  public:
    SqlModelPhotoRepository(Poco::Data::Session& s, Dialect d) : s_(s), dialect_(d) {}
    std::optional<domain::ModelPhoto> findById(domain::ModelPhotoId id) override;
    std::vector<domain::ModelPhoto> list(const domain::ModelPhotoQuery& query) override;
    domain::ModelPhotoId insert(const domain::ModelPhoto& photo) override;
    void update(const domain::ModelPhoto& photo) override;
    void markDeleted(domain::ModelPhotoId id, domain::Millis at) override;

  private:
    Poco::Data::Session& s_;
    Dialect dialect_;
};

class SqlModelImageRepository final : public domain::ModelImageRepository {
  public:
    SqlModelImageRepository(Poco::Data::Session& s, Dialect d) : s_(s), dialect_(d) {}
    std::optional<domain::ModelImage> findById(domain::ModelImageId id) override;
    std::vector<domain::ModelImage> listByPhoto(domain::ModelPhotoId photoId) override;
    domain::ModelImageId insert(const domain::ModelImage& image) override;

  private:
    Poco::Data::Session& s_;
    Dialect dialect_;
};

class SqlImageTaskRepository final : public domain::ImageTaskRepository {
  public:
    SqlImageTaskRepository(Poco::Data::Session& s, Dialect d) : s_(s), dialect_(d) {}
    void insert(const domain::ImageTask& task) override;
    std::optional<domain::ImageTask> findByPhoto(domain::ModelPhotoId photoId) override;
    std::optional<domain::ImageTask> lockById(const std::string& id) override;
    std::optional<domain::ImageTask> lockNextDue(domain::Millis now) override;
    void update(const domain::ImageTask& task) override;
    bool updateIfHeld(const domain::ImageTask& task, const std::string& workerId) override;

  private:
    Poco::Data::Session& s_;
    Dialect dialect_;
};

// All repositories over one session (and so one transaction).
class SqlRepositories final : public domain::Repositories {
  public:
    SqlRepositories(Poco::Data::Session& s, Dialect d)
        : users_(s, d),
          sessions_(s),
          failures_(s),
          logs_(s),
          products_(s, d),
          modules_(s, d),
          materials_(s, d),
          blobReferences_(s, d),
          selections_(s, d),
          downloads_(s, d),
          modelPhotos_(s, d),
          modelImages_(s, d),
          imageTasks_(s, d) {}
    domain::UserRepository& users() override { return users_; }
    domain::SessionRepository& sessions() override { return sessions_; }
    domain::LoginFailureRepository& loginFailures() override { return failures_; }
    domain::OperationLogRepository& operationLogs() override { return logs_; }
    domain::ProductRepository& products() override { return products_; }
    domain::ModuleRepository& modules() override { return modules_; }
    domain::MaterialRepository& materials() override { return materials_; }
    domain::BlobReferenceRepository& blobReferences() override { return blobReferences_; }
    domain::SelectionRepository& selections() override { return selections_; }
    domain::DownloadRepository& downloads() override { return downloads_; }
    domain::ModelPhotoRepository& modelPhotos() override { return modelPhotos_; }
    domain::ModelImageRepository& modelImages() override { return modelImages_; }
    domain::ImageTaskRepository& imageTasks() override { return imageTasks_; }

  private:
    SqlUserRepository users_;
    SqlSessionRepository sessions_;
    SqlLoginFailureRepository failures_;
    SqlOperationLogRepository logs_;
    SqlProductRepository products_;
    SqlModuleRepository modules_;
    SqlMaterialRepository materials_;
    SqlBlobReferenceRepository blobReferences_;
    SqlSelectionRepository selections_;
    SqlDownloadRepository downloads_;
    SqlModelPhotoRepository modelPhotos_;
    SqlModelImageRepository modelImages_;
    SqlImageTaskRepository imageTasks_;
};

// domain::Store over a Database.
class SqlStore final : public domain::Store {
  public:
    explicit SqlStore(Database& db) : db_(db) {}
    void transact(const std::function<void(domain::Repositories&)>& work) override;
    void read(const std::function<void(domain::Repositories&)>& work) override;
    // One prepared statement per thread, reused: one round trip per authenticated request.
    std::optional<domain::ActiveSession> findActiveSession(std::string_view tokenHash,
                                                           domain::Millis now) override;

  private:
    Database& db_;
};

}  // namespace mofang::persistence
