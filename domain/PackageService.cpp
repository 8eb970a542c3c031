#include "domain/PackageService.hpp"

#include <map>

#include "domain/Errors.hpp"
#include "domain/SelectionService.hpp"

namespace mofang::domain {

PreparedPackage PackageService::prepare(const Principal& who, SelectionId id, DownloadType type) {
    who.require(type == DownloadType::Preview ? perm::kDownloadPreview : perm::kDownloadPackage);
    PreparedPackage out;
    out.type = type;
    PackageInput input;
    input.previews = type == DownloadType::Preview;
    store_.read([&](Repositories& r) {
        out.selection = requireReadableSelection(r, who, id);
        auto product = r.products().findById(out.selection.productId);
        if (!product) throw notFound("the selection's product no longer exists");
        out.product = *product;
        input.spuCode = product->spuCode;

        std::map<MaterialId, bool> picked;
        for (const auto& item : out.selection.items) picked[item.materialId] = true;
        const auto modules = r.modules().listByProduct(product->id);
        std::vector<ModuleId> moduleIds;
        for (const auto& m : modules) moduleIds.push_back(m.id);
        std::map<ModuleId, std::vector<Material>> byModule;
        for (auto& m : r.materials().listByModules(moduleIds)) byModule[m.moduleId].push_back(std::move(m));
        // Modules in display order; within each, the picked materials by their order.
        for (const auto& module : modules) {
            for (const auto& m : byModule[module.id]) {
                if (!picked.count(m.id)) continue;
                PackageEntryInput e;
                e.moduleType = module.type;
                e.subType = module.subType;
                e.filename = m.filename;
                e.mtimeMillis = m.createdAt;
                if (input.previews) {
                    e.size = m.preview.size;
                    e.crc32 = m.preview.crc32;
                    e.sha256 = m.preview.key;  // preview keys are their SHA-256
                    e.blobKey = m.preview.key;
                } else {
                    e.size = m.filesize;
                    e.crc32 = m.crc32;
                    e.sha256 = m.sha256;
                    e.blobKey = m.storageKey;
                }
                input.entries.push_back(std::move(e));
            }
        }
    });
    if (input.entries.empty())
        throw conflict("none of the selected materials exists any more");
    out.filename = input.spuCode + (input.previews ? "-preview.zip" : ".zip");
    out.plan = std::make_shared<const ZipPlan>(std::move(input), limits_);
    out.etag = "\"" + crypto_.sha256Hex(out.plan->manifest()) + "\"";
    return out;
}

DownloadRecord PackageService::recordDownload(const Principal& who, const PreparedPackage& p,
                                              const AuditContext& audit) {
    DownloadRecord d;
    d.userId = who.id();
    d.productId = p.product.id;
    d.selectionId = p.selection.id;
    d.downloadTime = clock_.now();
    d.type = p.type;
    d.etag = p.etag;
    d.size = p.plan->size();
    store_.transact([&](Repositories& r) {
        d.id = r.downloads().insert(d);
        r.operationLogs().append(makeLogEntry(audit, std::string("download.") + std::string(toString(p.type)),
                                              std::to_string(d.id), std::nullopt, downloadJson(d), d.downloadTime));
    });
    return d;
}

std::vector<DownloadRecord> PackageService::downloads(const Principal& who, DownloadQuery query) {
    if (!who.has(perm::kDownloadReadAll)) {
        if (query.userId && *query.userId != who.id())
            throw forbidden("reading others' downloads needs download.read_all");
        query.userId = who.id();
    }
    std::vector<DownloadRecord> out;
    store_.read([&](Repositories& r) { out = r.downloads().list(query); });
    return out;
}

}  // namespace mofang::domain
