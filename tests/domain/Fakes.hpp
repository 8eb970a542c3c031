#pragma once

// In-memory fakes of the domain ports, for the service tests. They keep the contracts that
// Ports.hpp states (case-insensitive logins, unexpired sessions joined with their user,
// all-or-nothing transactions) and nothing more.

#include <algorithm>
#include <map>
#include <stdexcept>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/Errors.hpp"
#include "domain/Ports.hpp"
#include "domain/Text.hpp"

namespace mofang::test {

using namespace mofang::domain;

inline std::string lowerAscii(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Starts at a fixed instant; tests move it by hand.
struct FakeClock final : Clock {
    Millis t = 1795325050123;  // 2026-11-22T05:24:10.123Z
    Millis now() const override { return t; }
    void advance(Millis ms) { t += ms; }
};

// Transparent stand-ins: a "hash" is "h:" + password, a "digest" is "sha:" + data, and
// tokens come from a counter, so tests can predict every value.
struct FakeCrypto final : Crypto {
    mutable int counter = 0;
    std::string hashPassword(std::string_view password) const override {
        return "h:" + std::string(password);
    }
    bool verifyPassword(std::string_view hash, std::string_view password) const override {
        return hash == "h:" + std::string(password);
    }
    std::string randomToken(std::size_t bytes) const override {
        return "token" + std::to_string(++counter) + "x" + std::to_string(bytes);
    }
    std::string sha256Hex(std::string_view data) const override { return "sha:" + std::string(data); }
};

// Everything the fake database holds; copied whole for a transaction's rollback.
struct StoreState {
    std::map<UserId, User> users;
    UserId nextUserId = 1;
    std::vector<SessionRecord> sessions;
    std::map<std::string, std::vector<Millis>> loginFailures;
    std::vector<OperationLogEntry> logs;
    std::int64_t nextLogId = 1;
    std::map<ProductId, Product> products;  // soft-deleted ones included (deleted = true)
    ProductId nextProductId = 1;
    std::map<ModuleId, MaterialModule> modules;
    ModuleId nextModuleId = 1;
};

struct FakeUsers final : UserRepository {
    explicit FakeUsers(StoreState& s) : state(s) {}
    StoreState& state;

    std::optional<User> findById(UserId id) override {
        const auto it = state.users.find(id);
        if (it == state.users.end()) return std::nullopt;
        return it->second;
    }
    std::optional<User> findByLogin(std::string_view login) override {
        const auto key = lowerAscii(login);
        for (const auto& [id, u] : state.users)
            if (lowerAscii(u.username) == key || lowerAscii(u.email) == key) return u;
        return std::nullopt;
    }
    bool usernameTaken(std::string_view username) override {
        const auto key = lowerAscii(username);
        return std::any_of(state.users.begin(), state.users.end(),
                           [&](const auto& entry) { return lowerAscii(entry.second.username) == key; });
    }
    bool emailTaken(std::string_view email, UserId exceptId) override {
        const auto key = lowerAscii(email);
        return std::any_of(state.users.begin(), state.users.end(), [&](const auto& entry) {
            return entry.first != exceptId && lowerAscii(entry.second.email) == key;
        });
    }
    UserId insert(const User& user) override {
        User stored = user;
        stored.id = state.nextUserId++;
        state.users[stored.id] = stored;
        return stored.id;
    }
    void update(const User& user) override {
        if (state.users.count(user.id) == 0) throw notFound("user not found");
        state.users[user.id] = user;
    }
    std::vector<User> list(std::optional<UserId> afterId, int limit) override {
        std::vector<User> out;
        for (const auto& [id, u] : state.users)
            if ((!afterId || id > *afterId) && static_cast<int>(out.size()) < limit) out.push_back(u);
        return out;
    }
    int countActiveAdmins() override {
        return static_cast<int>(std::count_if(state.users.begin(), state.users.end(), [](const auto& entry) {
            return entry.second.role == Role::Admin && entry.second.status == UserStatus::Active;
        }));
    }
};

struct FakeSessions final : SessionRepository {
    explicit FakeSessions(StoreState& s) : state(s) {}
    StoreState& state;

    void insert(const SessionRecord& session) override { state.sessions.push_back(session); }
    std::optional<ActiveSession> findActive(std::string_view tokenHash, Millis now) override {
        for (const auto& s : state.sessions) {
            if (s.tokenHash != tokenHash || s.expiresAt <= now) continue;
            const auto user = state.users.find(s.userId);
            if (user == state.users.end()) return std::nullopt;
            return ActiveSession{s, user->second};
        }
        return std::nullopt;
    }
    void remove(std::string_view tokenHash) override {
        std::erase_if(state.sessions, [&](const SessionRecord& s) { return s.tokenHash == tokenHash; });
    }
    void removeAllOfUser(UserId userId, std::optional<std::string> keepTokenHash) override {
        std::erase_if(state.sessions, [&](const SessionRecord& s) {
            return s.userId == userId && (!keepTokenHash || s.tokenHash != *keepTokenHash);
        });
    }
    void removeExpired(Millis now) override {
        std::erase_if(state.sessions, [&](const SessionRecord& s) { return s.expiresAt <= now; });
    }
};

struct FakeLoginFailures final : LoginFailureRepository {
    explicit FakeLoginFailures(StoreState& s) : state(s) {}
    StoreState& state;

    void record(std::string_view loginKey, Millis at) override {
        state.loginFailures[std::string(loginKey)].push_back(at);
    }
    std::vector<Millis> since(std::string_view loginKey, Millis from) override {
        std::vector<Millis> out;
        const auto it = state.loginFailures.find(std::string(loginKey));
        if (it != state.loginFailures.end())
            for (const Millis t : it->second)
                if (t >= from) out.push_back(t);
        std::sort(out.begin(), out.end());
        return out;
    }
    void clear(std::string_view loginKey) override { state.loginFailures.erase(std::string(loginKey)); }
};

struct FakeOperationLogs final : OperationLogRepository {
    FakeOperationLogs(StoreState& s, const bool& fail) : state(s), failAppends(fail) {}
    StoreState& state;
    const bool& failAppends;

    void append(const OperationLogEntry& entry) override {
        // What persistence/ turns a lost database connection into.
        if (failAppends) throw unavailable("operation log write failed");
        OperationLogEntry stored = entry;
        stored.id = state.nextLogId++;
        state.logs.push_back(stored);
    }
    std::vector<OperationLogEntry> list(const OperationLogQuery& query) override {
        std::vector<OperationLogEntry> out;
        for (auto it = state.logs.rbegin(); it != state.logs.rend(); ++it) {
            if (query.action && it->action != *query.action) continue;
            if (query.userId && it->userId != query.userId) continue;
            if (static_cast<int>(out.size()) < query.limit) out.push_back(*it);
        }
        return out;
    }
};

// Products and modules: lookups and writes only; filtering and facets are the database's job
// and are covered by the repository contract tests.
struct FakeProducts final : ProductRepository {
    explicit FakeProducts(StoreState& s) : state(s) {}
    StoreState& state;

    std::optional<Product> findById(ProductId id) override {
        const auto it = state.products.find(id);
        if (it == state.products.end() || it->second.deleted) return std::nullopt;
        return it->second;
    }
    std::optional<Product> findBySpu(std::string_view spuCode) override {
        for (const auto& [id, p] : state.products)
            if (!p.deleted && text::iequalsAscii(p.spuCode, spuCode)) return p;
        return std::nullopt;
    }
    bool spuTaken(std::string_view spuCode, ProductId exceptId) override {
        for (const auto& [id, p] : state.products)
            if (id != exceptId && text::iequalsAscii(p.spuCode, spuCode)) return true;
        return false;
    }
    ProductId insert(const Product& product) override {
        Product p = product;
        p.id = state.nextProductId++;
        state.products[p.id] = p;
        return p.id;
    }
    void update(const Product& product) override { state.products[product.id] = product; }
    void markDeleted(ProductId id, Millis at) override {
        state.products[id].deleted = true;
        state.products[id].updatedAt = at;
    }
    std::vector<Product> list(const ProductQuery&) override { throw std::logic_error("not faked"); }
    ProductFacets facets(const ProductFilter&) override { throw std::logic_error("not faked"); }
};

struct FakeModules final : ModuleRepository {
    explicit FakeModules(StoreState& s) : state(s) {}
    StoreState& state;

    std::optional<MaterialModule> findById(ModuleId id) override {
        const auto it = state.modules.find(id);
        if (it == state.modules.end()) return std::nullopt;
        return it->second;
    }
    std::vector<MaterialModule> listByProduct(ProductId productId) override {
        std::vector<MaterialModule> out;
        for (const auto& [id, m] : state.modules)
            if (m.productId == productId) out.push_back(m);
        std::stable_sort(out.begin(), out.end(),
                         [](const MaterialModule& a, const MaterialModule& b) { return a.order < b.order; });
        return out;
    }
    bool slotTaken(ProductId productId, std::string_view type, std::string_view subType, ModuleId exceptId) override {
        for (const auto& [id, m] : state.modules)
            if (id != exceptId && m.productId == productId && m.type == type && m.subType == subType) return true;
        return false;
    }
    ModuleId insert(const MaterialModule& module) override {
        MaterialModule m = module;
        m.id = state.nextModuleId++;
        state.modules[m.id] = m;
        return m.id;
    }
    void update(const MaterialModule& module) override { state.modules[module.id] = module; }
    void remove(ModuleId id) override { state.modules.erase(id); }
};

struct FakeRepositories final : Repositories {
    FakeRepositories(StoreState& s, const bool& failLogAppends)
        : userRepo(s), sessionRepo(s), failureRepo(s), logRepo(s, failLogAppends), productRepo(s), moduleRepo(s) {}
    FakeUsers userRepo;
    FakeSessions sessionRepo;
    FakeLoginFailures failureRepo;
    FakeOperationLogs logRepo;
    FakeProducts productRepo;
    FakeModules moduleRepo;

    UserRepository& users() override { return userRepo; }
    SessionRepository& sessions() override { return sessionRepo; }
    LoginFailureRepository& loginFailures() override { return failureRepo; }
    OperationLogRepository& operationLogs() override { return logRepo; }
    ProductRepository& products() override { return productRepo; }
    ModuleRepository& modules() override { return moduleRepo; }
};

// One in-memory database. `transact` is all-or-nothing: the state is copied before the work
// and restored when the work throws, like a rolled-back transaction.
struct FakeStore final : Store {
    StoreState state;
    bool failLogAppends = false;  // set to make every operation-log write throw
    int transactions = 0;         // committed ones
    int rollbacks = 0;

    void transact(const std::function<void(Repositories&)>& work) override {
        const StoreState before = state;
        FakeRepositories repos(state, failLogAppends);
        try {
            work(repos);
        } catch (...) {
            state = before;
            ++rollbacks;
            throw;
        }
        ++transactions;
    }
    void read(const std::function<void(Repositories&)>& work) override {
        FakeRepositories repos(state, failLogAppends);
        work(repos);
    }

    // Test set-up straight into the state, without the services and without a log entry.
    UserId addUser(const std::string& username, const std::string& password, Role role = Role::Viewer,
                   UserStatus status = UserStatus::Active, std::vector<std::string> grants = {}) {
        User u;
        u.id = state.nextUserId++;
        u.username = username;
        u.email = username + "@example.com";
        u.passwordHash = "h:" + password;
        u.role = role;
        u.permissions = std::move(grants);
        u.status = status;
        state.users[u.id] = u;
        return u.id;
    }
    // A live session of the user, as a login would leave it.
    void addSession(UserId id, const std::string& tokenHash) {
        state.sessions.push_back(
            SessionRecord{tokenHash, "csrf-" + tokenHash, id, 0, 253402300799999, "", ""});
    }
    User& user(UserId id) { return state.users.at(id); }
    std::vector<std::string> actions() const {
        std::vector<std::string> out;
        for (const auto& e : state.logs) out.push_back(e.action);
        return out;
    }
    int sessionsOf(UserId id) const {
        return static_cast<int>(std::count_if(state.sessions.begin(), state.sessions.end(),
                                              [&](const SessionRecord& s) { return s.userId == id; }));
    }
};

inline AuditContext testAudit() {
    return AuditContext{std::nullopt, "203.0.113.7", "test-agent/1.0", std::nullopt};
}

}  // namespace mofang::test
