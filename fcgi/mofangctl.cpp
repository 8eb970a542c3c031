// mofangctl: the administrator's command line (migrations, users, checks).
#include <Poco/Exception.h>

#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/Config.hpp"
#include "domain/Errors.hpp"
#include "fcgi/ConfigLoader.hpp"
#include "fcgi/Services.hpp"
#include "persistence/Migrations.hpp"

namespace {

using namespace mofang;

constexpr const char* kUsage =
    "usage: mofangctl [--config FILE] COMMAND\n"
    "  migrate                                   apply pending database migrations\n"
    "  check                                     validate config, reach the database and storage\n"
    "  user create --username U --email E --password P --role viewer|uploader|admin [--permissions a,b]\n"
    "  user passwd --username U --password P     set a password (ends the user's sessions)\n"
    "  user block --username U                   block a user (ends the user's sessions)\n"
    "  gc [--dry-run]                            remove stored blobs no row needs (rows deleted less\n"
    "                                            than gc.retain_days ago still need theirs)\n";

struct Args {
    std::vector<std::string> words;
    std::map<std::string, std::string> options;
};

Args parseArgs(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--dry-run") {
            a.options["dry-run"] = "true";
        } else if (arg.rfind("--", 0) == 0) {
            if (i + 1 >= argc) throw std::invalid_argument("option " + arg + " needs a value");
            a.options[arg.substr(2)] = argv[++i];
        } else {
            a.words.push_back(arg);
        }
    }
    return a;
}

std::string need(const Args& a, const std::string& name) {
    const auto it = a.options.find(name);
    if (it == a.options.end() || it->second.empty())
        throw std::invalid_argument("--" + name + " is required");
    return it->second;
}

std::vector<std::string> splitCommas(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < s.size()) {
        auto comma = s.find(',', start);
        if (comma == std::string::npos) comma = s.size();
        if (comma > start) out.push_back(s.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

domain::AuditContext cliAudit() {
    return {std::nullopt, "", "mofangctl", std::nullopt};
}

int run(const Args& args) {
    std::optional<std::string> configPath;
    if (auto it = args.options.find("config"); it != args.options.end()) configPath = it->second;
    if (args.words.empty()) throw std::invalid_argument("no command given");
    const auto& cmd = args.words[0];
    auto config = fcgi::loadConfig(configPath);
    config.autoMigrate = false;  // mofangctl migrates only when told to
    fcgi::Services services(config);
    const auto system = domain::UserService::systemPrincipal();

    if (cmd == "migrate") {
        const auto report = persistence::migrate(services.db);
        for (const auto& m : report.applied) std::cout << "applied " << m << "\n";
        std::cout << "schema version " << report.toVersion << (report.applied.empty() ? " (up to date)" : "")
                  << "\n";
        return 0;
    }
    if (cmd == "check") {
        services.db.ping();
        std::cout << "config: ok\ndatabase: ok (" << services.db.describe() << ", schema "
                  << persistence::currentSchemaVersion(services.db) << " of "
                  << persistence::latestSchemaVersion() << ")\n";
        services.blobs->check();
        std::cout << "storage: ok (" << config.storage << ")\n";
        return 0;
    }
    if (cmd == "gc") {
        const bool dryRun = args.options.count("dry-run") > 0;
        const auto r = services.materials.collectGarbage(dryRun);
        for (const auto& [key, size] : r.removed)
            std::cout << (dryRun ? "would remove " : "removed ") << key << " (" << size << " bytes)\n";
        std::cout << (dryRun ? "would remove " : "removed ") << r.blobsRemoved << " of " << r.blobsSeen
                  << " blobs, " << r.bytesFreed << " bytes";
        if (!dryRun)
            std::cout << "; abandoned uploads: " << r.abandonedBytesFreed << " bytes; expired pins: " << r.pinsExpired;
        std::cout << "\n";
        return 0;
    }
    if (cmd == "user" && args.words.size() == 2) {
        const auto& sub = args.words[1];
        if (sub == "create") {
            domain::NewUser input;
            input.username = need(args, "username");
            input.email = need(args, "email");
            input.password = need(args, "password");
            input.role = need(args, "role");
            if (auto it = args.options.find("permissions"); it != args.options.end())
                input.permissions = splitCommas(it->second);
            const auto user = services.users.create(system, input, cliAudit());
            std::cout << "created user " << user.username << " (id " << user.id << ")\n";
            return 0;
        }
        if (sub == "passwd" || sub == "block") {
            const auto user = services.users.findByUsername(system, need(args, "username"));
            domain::UserPatch patch;
            if (sub == "passwd")
                patch.password = need(args, "password");
            else
                patch.status = "blocked";
            services.users.update(system, user.id, patch, cliAudit());
            std::cout << (sub == "passwd" ? "password set for " : "blocked ") << user.username << "\n";
            return 0;
        }
    }
    throw std::invalid_argument("unknown command");
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parseArgs(argc, argv));
    } catch (const std::invalid_argument& e) {
        std::cerr << "mofangctl: " << e.what() << "\n" << kUsage;
        return 2;
    } catch (const domain::ConfigError& e) {
        std::cerr << "mofangctl: configuration error: " << e.what() << "\n";
        return 78;
    } catch (const domain::DomainError& e) {
        std::cerr << "mofangctl: " << e.code() << ": " << e.what() << "\n";
        for (const auto& d : e.details()) std::cerr << "  " << d.field << ": " << d.message << "\n";
        return 1;
    } catch (const Poco::Exception& e) {
        std::cerr << "mofangctl: " << e.displayText() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "mofangctl: " << e.what() << "\n";
        return 1;
    }
}
