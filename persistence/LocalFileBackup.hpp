#pragma once

#include <string>

#include "domain/Storage.hpp"

namespace mofang::persistence {

// domain::FileBackup on a local directory (`storage.local_backup`). save() copies into a temp
// file next to the target, fsyncs it, renames it into place and fsyncs the directory: a reader
// sees the old copy or the new one, never half a file. Safe to call from many threads at once.
class LocalFileBackup final : public domain::FileBackup {
  public:
    // Touches nothing: every process builds its services, and only mofang-worker writes here
    // (mofang-fcgi's unit may not even see the directory). std::invalid_argument for an empty
    // root.
    explicit LocalFileBackup(std::string root);

    // Creates the root directory (and its parents) when missing; throws Unavailable when it
    // cannot. mofang-worker calls it at start; save() does the same when needed.
    void prepare() const;

    // relativeName is '/'-separated, without empty, "." or ".." parts and not absolute
    // (std::invalid_argument otherwise).
    std::string save(const std::string& sourcePath, const std::string& relativeName) override;

    const std::string& root() const { return root_; }  // absolute, without a trailing '/'

  private:
    std::string root_;
};

}  // namespace mofang::persistence
