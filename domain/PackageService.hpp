#pragma once

#include <memory>
#include <string>
#include <vector>

#include "domain/Ports.hpp"
#include "domain/Selection.hpp"
#include "domain/ZipPlan.hpp"

namespace mofang::domain {

// A selection's package as it stands now: the planned archive and what the response needs.
struct PreparedPackage {
    Selection selection;
    Product product;
    DownloadType type = DownloadType::Package;
    std::shared_ptr<const ZipPlan> plan;
    std::string etag;      // strong, quoted: changes iff the archive's bytes would
    std::string filename;  // "{spuCode}.zip" or "{spuCode}-preview.zip"
};

// Packages (SPEC §6) and download records. Reading a selection's package needs the selection to
// be readable (owner or selection.read_all) and download.package / download.preview.
class PackageService final {
  public:
    PackageService(Store& store, const Crypto& crypto, const Clock& clock, ZipLimits limits = {})
        : store_(store), crypto_(crypto), clock_(clock), limits_(limits) {}

    // Plans the archive from the selection's materials that are still live (a material deleted
    // since it was picked is left out; none left → 409).
    PreparedPackage prepare(const Principal& who, SelectionId id, DownloadType type);
    // One record (and its log entry) per download; the caller decides what is one (SPEC §6).
    DownloadRecord recordDownload(const Principal& who, const PreparedPackage& package, const AuditContext& audit);
    // Own records; with download.read_all anyone's (query.userId nullopt: everyone's). Another
    // user's id without it → 403.
    std::vector<DownloadRecord> downloads(const Principal& who, DownloadQuery query);

  private:
    Store& store_;
    const Crypto& crypto_;
    const Clock& clock_;
    ZipLimits limits_;
};

}  // namespace mofang::domain
