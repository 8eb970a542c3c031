// mofang-fcgi: the FastCGI application. Composition root: config → services → routes → server.
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

#include "domain/Config.hpp"
#include "domain/Errors.hpp"
#include "fcgi/ConfigLoader.hpp"
#include "fcgi/Dispatcher.hpp"
#include "fcgi/FcgiServer.hpp"
#include "fcgi/Log.hpp"
#include "fcgi/RouteContext.hpp"
#include "fcgi/Routes.hpp"
#include "fcgi/Services.hpp"

namespace {

constexpr const char* kUsage =
    "usage: mofang-fcgi [--config FILE] [--listen unix:PATH | --listen HOST:PORT]\n"
    "Without --listen it serves the socket systemd passes (LISTEN_FDS, or fd 0).\n";

}  // namespace

int main(int argc, char** argv) {
    using namespace mofang;
    std::optional<std::string> configPath, listen;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if ((arg == "--config" || arg == "--listen") && i + 1 < argc) {
            (arg == "--config" ? configPath : listen) = argv[++i];
        } else if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            return 0;
        } else {
            std::cerr << "mofang-fcgi: unknown argument '" << arg << "'\n" << kUsage;
            return 2;
        }
    }
    try {
        const auto config = fcgi::loadConfig(configPath, listen);
        fcgi::Log::setLevel(config.logLevel);
        fcgi::Services services(config);
        services.prepareDatabase();

        fcgi::Metrics metrics;
        fcgi::RouteContext context(services, metrics);
        fcgi::Router router;
        fcgi::addAllRoutes(router, context);
        fcgi::Dispatcher dispatcher(router, metrics);
        fcgi::FcgiServer server({config.listen, config.threads, config.socketMode, config.shutdownTimeoutMs},
                                dispatcher);
        server.open();
        fcgi::Log::info("started",
                        {{"db", services.db.describe()}, {"threads", std::to_string(config.threads)}});
        return server.run();
    } catch (const domain::ConfigError& e) {
        std::cerr << "mofang-fcgi: configuration error: " << e.what() << "\n";
        return 78;  // EX_CONFIG
    } catch (const domain::DomainError& e) {
        std::cerr << "mofang-fcgi: cannot start: " << e.code() << ": " << e.what() << "\n";
        return 69;  // EX_UNAVAILABLE
    } catch (const std::exception& e) {
        std::cerr << "mofang-fcgi: cannot start: " << e.what() << "\n";
        return 1;
    }
}
