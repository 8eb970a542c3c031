#pragma once

#include <string>

#include "domain/Generator.hpp"

namespace mofang::persistence {

// The `generator` URI of the built-in demo renderer: `demo` or `demo?stepMs=N&steps=N`.
struct DemoOptions {
    int stepMs = 150;  // simulated work per step (0 to 60000)
    int steps = 5;     // progress steps before rendering (0 to 1000)
};

// Parses `demo[?stepMs=N&steps=N]`; throws domain::ConfigError("generator", …) on bad values.
DemoOptions parseDemoGeneratorUri(const std::string& uri);

// The offline stand-in for an AI backend, so that the embedded default works without a network.
// It does not generate model photos: it renders PNG colour gradients at exactly the requested
// size, coloured from an FNV-1a hash of (taskId, prompt, image number) and labelled "Mofang demo"
// (when libvips can render text: without fonts the label is left out). Identical requests give
// byte-identical images. Safe to call from many threads at once; the constructor initialises
// libvips for the process (idempotent; see VipsRenderer) and throws std::runtime_error if it
// cannot.
class DemoGenerator final : public domain::Generator {
  public:
    static constexpr const char* kModelVersion = "mofang-demo-1 (built-in demo renderer, not AI)";

    explicit DemoGenerator(DemoOptions options = {});
    // Throws GeneratorError(false, "invalid_request") for sizes outside the image limits of
    // domain/ImageProbe.hpp or a count below 1.
    domain::GenerationResult generate(const domain::GenerationRequest& request,
                                      domain::GenerationControl& control) override;

  private:
    DemoOptions options_;
};

}  // namespace mofang::persistence
