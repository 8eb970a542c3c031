#pragma once

#include "domain/Generator.hpp"

namespace mofang::persistence {

// `generator=null`: a generator that costs nothing, for measuring the queue and the worker
// (bench/queue). Every call returns the same 16×16 PNG at once, `count` times; nothing else a
// worker does (claims, leases, storing results and renditions, completion) is skipped. Never
// for users: its images are a flat colour.
class NullGenerator final : public domain::Generator {
  public:
    domain::GenerationResult generate(const domain::GenerationRequest& request,
                                      domain::GenerationControl& control) override;
};

}  // namespace mofang::persistence
