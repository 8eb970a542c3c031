#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mofang::domain {

// What a generator is asked for (built by the worker from the model photo).
struct GenerationRequest {
    std::string taskId;  // stable across attempts; a deterministic backend may seed from it
    std::string prompt;  // buildGenerationPrompt()
    int width = 1024;
    int height = 1024;
    int count = 1;  // images wanted (the photo's imageCount)
};

struct GeneratedImage {
    std::string bytes;  // an encoded image (PNG, JPEG or WebP)
};

struct GenerationResult {
    std::vector<GeneratedImage> images;
    std::string modelVersion;    // what produced them, as the backend names it
    std::string providerTaskId;  // the backend's request id, when it gives one
};

// The worker's side of a running generation: progress reports (which also renew the task's
// lease) and whether the generator should stop (task cancelled, lease lost, worker shutting down).
class GenerationControl {
  public:
    virtual ~GenerationControl() = default;
    virtual void progress(int percent) = 0;
    virtual bool stopRequested() const = 0;
};

// A failure of the backend. Transient ones (timeouts, 429, 5xx, connection errors) are retried
// with backoff until the task's max_attempts; permanent ones (other 4xx, content policy) fail the
// task at once with the backend's code and message.
class GeneratorError : public std::runtime_error {
  public:
    GeneratorError(bool transient, std::string code, const std::string& message)
        : std::runtime_error(message), transient_(transient), code_(std::move(code)) {}
    bool transient() const noexcept { return transient_; }
    const std::string& code() const noexcept { return code_; }

  private:
    bool transient_;
    std::string code_;
};

// Thrown by a generator that stopped because control.stopRequested() became true.
class GenerationStopped : public std::runtime_error {
  public:
    GenerationStopped() : std::runtime_error("generation stopped") {}
};

// An image-generation backend (a port: persistence/ implements `openai` and `demo`).
class Generator {
  public:
    virtual ~Generator() = default;
    // Blocks until the images are made. Throws GeneratorError or GenerationStopped.
    virtual GenerationResult generate(const GenerationRequest& request, GenerationControl& control) = 0;
};

}  // namespace mofang::domain
