// mofang-queue-bench: the claim loop of a worker with a generator that costs nothing and makes
// nothing to store, so that what is measured is the queue alone: the claim transaction
// (SELECT ... FOR UPDATE SKIP LOCKED, the lease) and the completion transaction, both through the
// same GenerationService a mofang-worker uses. bench/queue runs several of these processes at
// once; each prints one line per claim: "<task id> <claim ms> <complete ms>".
//
//   mofang-queue-bench --config FILE --id WORKER_ID
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include "domain/Errors.hpp"
#include "fcgi/ConfigLoader.hpp"
#include "fcgi/Services.hpp"

int main(int argc, char** argv) {
    using namespace mofang;
    using Clock = std::chrono::steady_clock;
    std::optional<std::string> configPath;
    std::string id = "bench";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string arg = argv[i];
        if (arg == "--config")
            configPath = argv[i + 1];
        else if (arg == "--id")
            id = argv[i + 1];
    }
    try {
        const auto config = fcgi::loadConfig(configPath, std::nullopt);
        fcgi::Services services(config);
        services.db.pinTransactionsOfThisThread();  // as mofang-worker's claim loop
        const domain::GenerationResult nothing{{}, "zero-cost", ""};
        for (;;) {
            const auto t0 = Clock::now();
            const auto claimed = services.generation.claim(id);
            const auto t1 = Clock::now();
            if (!claimed) break;
            const auto outcome = services.generation.complete(*claimed, id, nothing);
            const auto t2 = Clock::now();
            std::printf("%s %.3f %.3f %s\n", claimed->task.id.c_str(),
                        std::chrono::duration<double, std::milli>(t1 - t0).count(),
                        std::chrono::duration<double, std::milli>(t2 - t1).count(),
                        std::string(domain::toString(outcome)).c_str());
        }
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "mofang-queue-bench: " << e.what() << "\n";
        return 1;
    }
}
