// mofang-worker: claims generation tasks and runs them (SPEC §7). Composition root: config →
// services → generator → worker loop; SIGTERM/SIGINT stop it (the running task goes back to the
// queue). Any number of instances, on any hosts, against the same database and storage.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "domain/Config.hpp"
#include "domain/Errors.hpp"
#include "fcgi/ConfigLoader.hpp"
#include "fcgi/Log.hpp"
#include "fcgi/Services.hpp"
#include "fcgi/Worker.hpp"

namespace {

constexpr const char* kUsage =
    "usage: mofang-worker [--config FILE] [--id WORKER_ID] [--max-tasks N]\n"
    "Claims due model-photo generation tasks and runs them until SIGTERM.\n";

std::string defaultWorkerId() {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "localhost");
    return std::string(host) + ":" + std::to_string(::getpid());
}

}  // namespace

int main(int argc, char** argv) {
    using namespace mofang;
    std::optional<std::string> configPath, id;
    long long maxTasks = -1;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if ((arg == "--config" || arg == "--id" || arg == "--max-tasks") && i + 1 < argc) {
            const std::string value = argv[++i];
            if (arg == "--config")
                configPath = value;
            else if (arg == "--id")
                id = value;
            else
                maxTasks = std::stoll(value);
        } else if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            return 0;
        } else {
            std::cerr << "mofang-worker: unknown argument '" << arg << "'\n" << kUsage;
            return 2;
        }
    }
    // Stop signals are taken by one thread with sigwait(); every other thread blocks them.
    ::signal(SIGPIPE, SIG_IGN);
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    try {
        auto config = fcgi::loadConfig(configPath, std::nullopt);
        fcgi::Log::setLevel(config.logLevel);
        // A worker needs a few connections only (its loop and the heartbeat), not fcgi.threads.
        fcgi::Services services(config);
        services.prepareDatabase();
        const auto generator = fcgi::openGenerator(config);
        // The backup directory is the worker's alone: made (or found unwritable) at its start.
        if (services.backup) services.backup->prepare();

        fcgi::WorkerOptions options;
        options.id = id ? *id : (config.workerId.empty() ? defaultWorkerId() : config.workerId);
        options.pollMs = config.workerPollMs;
        options.heartbeatMs = std::max(100, config.workerLeaseSeconds * 1000 / 4);
        options.maxTasks = maxTasks;
        fcgi::Worker worker(services.generation, *generator, options);

        int status = 0;
        std::thread loop([&] {
            // The claim loop runs the same few transactions over and over: prepared once each.
            services.db.pinTransactionsOfThisThread();
            status = worker.run();
        });
        std::thread signals([&] {
            int sig = 0;
            sigwait(&stopSignals, &sig);
            fcgi::Log::info("stopping", {{"signal", std::to_string(sig)}});
            worker.stop();
            if (!worker.awaitStopped()) {
                // A generator call that does not notice (an HTTP request in flight): its task was
                // given back; leave without waiting for the call.
                fcgi::Log::warn("stopped_without_waiting", {{"worker", options.id}});
                std::_Exit(0);
            }
        });
        signals.detach();  // ends with the process
        loop.join();
        return status;
    } catch (const domain::ConfigError& e) {
        std::cerr << "mofang-worker: configuration error: " << e.what() << "\n";
        return 78;  // EX_CONFIG
    } catch (const domain::DomainError& e) {
        std::cerr << "mofang-worker: cannot start: " << e.code() << ": " << e.what() << "\n";
        return 69;  // EX_UNAVAILABLE
    } catch (const std::exception& e) {
        std::cerr << "mofang-worker: cannot start: " << e.what() << "\n";
        return 1;
    }
}
