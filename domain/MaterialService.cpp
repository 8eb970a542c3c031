#include "domain/MaterialService.hpp"

#include <map>
#include <set>
#include <unordered_set>

#include "domain/BlobPins.hpp"
#include "domain/Errors.hpp"
#include "domain/FileName.hpp"
#include "domain/ModelPhotoService.hpp"
#include "domain/ProductService.hpp"

namespace mofang::domain {
namespace {

constexpr Millis kDay = 24LL * 60 * 60 * 1000;

DomainError materialNotFound() {
    return notFound("material not found");
}

// "photo.png" → "photo.jpg": the name a rendition is saved under.
std::string jpegName(const std::string& filename, std::string_view suffix) {
    const auto dot = filename.rfind('.');
    return (dot == std::string::npos ? filename : filename.substr(0, dot)) + std::string(suffix) + ".jpg";
}

std::string idsJson(const std::vector<Material>& ms) {
    std::string out = "[";
    for (std::size_t i = 0; i < ms.size(); ++i) out += (i ? ",\"" : "\"") + std::to_string(ms[i].id) + "\"";
    return out + "]";
}

// A blob written and finished but not yet published.
struct Prepared {
    StagedUpload* upload = nullptr;
    std::string filename;
    std::unique_ptr<BlobWriter> thumbnail;
    std::unique_ptr<BlobWriter> preview;
    Rendition thumbnailImage;
    Rendition previewImage;
};

std::unique_ptr<BlobWriter> writeRendition(BlobStore& blobs, const Rendition& r) {
    auto w = blobs.create();
    w->write(r.bytes.data(), r.bytes.size());
    w->finish();
    return w;
}

StoredRendition stored(BlobWriter& w, const Rendition& r) {
    const auto& info = w.finish();
    return {info.key, info.size, info.crc32, r.width, r.height};
}

}  // namespace

Material MaterialService::requireLive(Repositories& r, MaterialId id) {
    auto m = r.materials().findById(id);
    if (!m || !r.modules().findById(m->moduleId) || !r.products().findById(m->productId)) throw materialNotFound();
    return *m;
}

void MaterialService::checkUpload(const Principal& who, ModuleId moduleId) {
    who.require(perm::kProductWrite);
    store_.read([&](Repositories& r) { requireLiveModule(r, moduleId); });
}

std::vector<Material> MaterialService::upload(const Principal& who, ModuleId moduleId,
                                              std::vector<StagedUpload>& files, const AuditContext& audit) {
    who.require(perm::kProductWrite);
    if (files.empty()) throw validationFailed({{"file", "at least one file part is required"}});

    // 1. Every file is valid, or none is stored.
    std::vector<Prepared> prepared(files.size());
    FieldErrors errors;
    for (std::size_t i = 0; i < files.size(); ++i) {
        auto& f = files[i];
        const std::string field = files.size() == 1 ? "file" : "file[" + std::to_string(i) + "]";
        prepared[i].upload = &f;
        if (const auto problem = checkImageDimensions(f.width, f.height); !problem.empty())
            errors.add(field, problem);
        try {
            prepared[i].filename =
                sanitizeMaterialFileName(f.clientFilename.value_or(""), extension(f.format), field);
        } catch (const DomainError& e) {
            for (const auto& d : e.details()) errors.add(d.field, d.message);
        }
    }
    errors.throwIfAny();

    // 2. Renditions, before anything is published: an image that cannot be decoded leaves nothing.
    for (auto& p : prepared) {
        p.upload->blob->finish();
        // The original is decoded once: the thumbnail is made from the preview (already
        // oriented, sRGB, and at most 1600 px), which costs a fraction of a second decode.
        p.previewImage = renderer_.render(p.upload->blob->stagedPath(), RenditionKind::Preview);
        p.preview = writeRendition(blobs_, p.previewImage);
        p.thumbnailImage = renderer_.render(p.preview->stagedPath(), RenditionKind::Thumbnail);
        p.thumbnail = writeRendition(blobs_, p.thumbnailImage);
    }

    // 3. Pin, publish, insert. Pins are committed before the blobs appear (see
    // BlobReferenceRepository) and go away in the transaction that inserts the rows.
    std::vector<BlobWriter*> writers;
    for (auto& p : prepared) {
        writers.push_back(p.upload->blob.get());
        writers.push_back(p.thumbnail.get());
        writers.push_back(p.preview.get());
    }
    std::vector<std::string> keys;
    for (auto* w : writers) keys.push_back(w->finish().key);
    const auto pins = pinBlobKeys(store_, keys, clock_.now());

    std::vector<Material> out;
    try {
        for (auto* w : writers) w->publish();
        store_.transact([&](Repositories& r) {
            out.clear();
            const auto module = requireLiveModule(r, moduleId);
            const Millis now = clock_.now();
            int order = r.materials().maxOrder(moduleId);
            for (auto& p : prepared) {
                const auto& info = p.upload->blob->finish();
                Material m;
                m.moduleId = moduleId;
                m.productId = module.productId;
                m.filename = p.filename;
                m.filesize = info.size;
                m.mimeType = std::string(mimeType(p.upload->format));
                m.width = static_cast<int>(p.upload->width);
                m.height = static_cast<int>(p.upload->height);
                m.order = ++order;
                m.storageKey = info.key;
                m.sha256 = info.sha256;
                m.crc32 = info.crc32;
                m.thumbnail = stored(*p.thumbnail, p.thumbnailImage);
                m.preview = stored(*p.preview, p.previewImage);
                m.createdBy = who.id();
                m.createdAt = now;
                m.updatedAt = now;
                m.id = r.materials().insert(m);
                r.operationLogs().append(makeLogEntry(audit, "material.upload", std::to_string(m.id), std::nullopt,
                                                      materialJson(m), now));
                out.push_back(std::move(m));
            }
            for (const auto& pin : pins) r.blobReferences().unpin(pin.first);
        });
    } catch (...) {
        release(pins);
        throw;
    }
    return out;
}

void MaterialService::release(const std::vector<std::pair<std::int64_t, std::string>>& pins) {
    releaseBlobPins(store_, blobs_, pins, clock_.now() - retainDays_ * kDay);
}

Material MaterialService::importModelImage(const Principal& who, ModuleId moduleId, ModelImageId imageId,
                                          const AuditContext& audit) {
    who.require(perm::kProductWrite);
    Material m;
    store_.transact([&](Repositories& r) {
        const auto module = requireLiveModule(r, moduleId);
        const auto image = requireVisibleImage(r, who, imageId);
        if (image.imageType != ModelImageType::Result)
            throw validationFailed({{"modelImageId", "must be a result image (not a preview or thumbnail)"}});
        std::optional<ModelImage> preview, thumbnail;
        for (auto& i : r.modelImages().listByPhoto(image.modelPhotoId)) {
            if (i.sortOrder != image.sortOrder) continue;
            if (i.imageType == ModelImageType::Preview) preview = i;
            if (i.imageType == ModelImageType::Thumbnail) thumbnail = i;
        }
        if (!preview || !thumbnail)
            throw DomainError(ErrorKind::Conflict, "invalid_state", "the model image has no renditions");
        const auto format = imageFormatForMimeType(image.contentType);
        if (format == ImageFormat::Unknown)
            throw unsupportedMediaType("a " + image.contentType + " image cannot be a material");
        if (const auto problem = checkImageDimensions(static_cast<std::uint32_t>(image.width),
                                                      static_cast<std::uint32_t>(image.height));
            !problem.empty())
            throw validationFailed({{"modelImageId", problem}});
        const Millis now = clock_.now();
        m.moduleId = moduleId;
        m.productId = module.productId;
        m.filename = sanitizeMaterialFileName(image.filename, extension(format), "modelImageId");
        m.filesize = image.size;
        m.mimeType = image.contentType;
        m.width = image.width;
        m.height = image.height;
        m.order = r.materials().maxOrder(moduleId) + 1;
        m.storageKey = image.storageKey;
        m.sha256 = image.sha256;
        m.crc32 = image.crc32;
        m.thumbnail = {thumbnail->storageKey, thumbnail->size, thumbnail->crc32, thumbnail->width, thumbnail->height};
        m.preview = {preview->storageKey, preview->size, preview->crc32, preview->width, preview->height};
        m.createdBy = who.id();
        m.createdAt = m.updatedAt = now;
        m.id = r.materials().insert(m);
        r.operationLogs().append(
            makeLogEntry(audit, "material.upload", std::to_string(m.id), std::nullopt, materialJson(m), now));
    });
    return m;
}

Material MaterialService::get(const Principal& who, MaterialId id) {
    who.require(perm::kProductRead);
    Material m;
    store_.read([&](Repositories& r) { m = requireLive(r, id); });
    return m;
}

Material MaterialService::update(const Principal& who, MaterialId id, const MaterialInput& input,
                                 const AuditContext& audit) {
    who.require(perm::kProductWrite);
    Material next;
    store_.transact([&](Repositories& r) {
        const auto current = requireLive(r, id);
        next = applyMaterialInput(input, current);
        next.updatedAt = clock_.now();
        r.materials().update(next);
        r.operationLogs().append(makeLogEntry(audit, "material.update", std::to_string(id), materialJson(current),
                                              materialJson(next), next.updatedAt));
    });
    return next;
}

void MaterialService::remove(const Principal& who, MaterialId id, const AuditContext& audit) {
    who.require(perm::kProductWrite);
    store_.transact([&](Repositories& r) {
        const auto current = requireLive(r, id);
        const Millis now = clock_.now();
        r.materials().markDeleted(id, now);
        r.operationLogs().append(
            makeLogEntry(audit, "material.delete", std::to_string(id), materialJson(current), std::nullopt, now));
    });
}

std::vector<Material> MaterialService::reorder(const Principal& who, ModuleId moduleId,
                                               const std::vector<MaterialId>& ids, const AuditContext& audit) {
    who.require(perm::kProductWrite);
    std::vector<Material> out;
    store_.transact([&](Repositories& r) {
        requireLiveModule(r, moduleId);
        auto current = r.materials().listByModule(moduleId);
        std::map<MaterialId, Material> byId;
        for (const auto& m : current) byId.emplace(m.id, m);
        std::set<MaterialId> seen;
        for (const auto id : ids) {
            if (!byId.count(id))
                throw validationFailed({{"materialIds", "material " + std::to_string(id) +
                                                            " is not a live material of this module"}});
            if (!seen.insert(id).second)
                throw validationFailed({{"materialIds", "material " + std::to_string(id) + " is listed twice"}});
        }
        if (ids.size() != byId.size())
            throw validationFailed({{"materialIds", "must list every live material of the module exactly once (" +
                                                        std::to_string(byId.size()) + ")"}});
        const Millis now = clock_.now();
        out.clear();
        for (std::size_t i = 0; i < ids.size(); ++i) {
            Material m = byId.at(ids[i]);
            if (m.order != static_cast<int>(i) + 1) {
                m.order = static_cast<int>(i) + 1;
                m.updatedAt = now;
                r.materials().update(m);
            }
            out.push_back(std::move(m));
        }
        r.operationLogs().append(
            makeLogEntry(audit, "material.reorder", std::to_string(moduleId),
                         R"({"moduleId":")" + std::to_string(moduleId) + R"(","materialIds":)" + idsJson(current) + "}",
                         R"({"moduleId":")" + std::to_string(moduleId) + R"(","materialIds":)" + idsJson(out) + "}",
                         now));
    });
    return out;
}

std::map<ModuleId, std::vector<Material>> MaterialService::forModules(const Principal& who,
                                                                    const std::vector<ModuleId>& ids) {
    who.require(perm::kProductRead);
    std::vector<Material> all;
    if (!ids.empty()) store_.read([&](Repositories& r) { all = r.materials().listByModules(ids); });
    std::map<ModuleId, std::vector<Material>> out;
    for (auto& m : all) out[m.moduleId].push_back(std::move(m));
    return out;
}

MaterialDelivery MaterialService::delivery(const Principal& who, MaterialId id, MaterialBytes which) {
    const auto m = get(who, id);
    switch (which) {
        case MaterialBytes::File:
            return {m, m.storageKey, m.mimeType, m.filename};
        case MaterialBytes::Thumbnail:
            return {m, m.thumbnail.key, "image/jpeg", jpegName(m.filename, "-thumbnail")};
        case MaterialBytes::Preview:
            break;
    }
    return {m, m.preview.key, "image/jpeg", jpegName(m.filename, "")};
}

GcReport MaterialService::collectGarbage(bool dryRun) {
    GcReport report;
    const Millis now = clock_.now();
    // Listing first, then the mark, then the references: a blob published after the listing is
    // not a candidate, and one whose pin the reference read missed is newer than the mark.
    std::vector<std::pair<std::string, BlobStat>> candidates;
    blobs_.list([&](const std::string& key, const BlobStat& st) { candidates.emplace_back(key, st); });
    report.blobsSeen = candidates.size();
    const std::int64_t mark = blobs_.mark();
    std::vector<std::string> referencedList;
    store_.read([&](Repositories& r) { referencedList = r.blobReferences().referencedKeys(now - retainDays_ * kDay); });
    const std::unordered_set<std::string> referenced(referencedList.begin(), referencedList.end());
    for (const auto& [key, st] : candidates) {
        if (referenced.count(key)) continue;
        if (dryRun || blobs_.removeIfStale(key, mark)) {
            report.removed.emplace_back(key, st.size);
            ++report.blobsRemoved;
            report.bytesFreed += st.size;
        }
    }
    if (!dryRun) {
        report.abandonedBytesFreed = blobs_.removeAbandoned(now - kDay);
        store_.transact([&](Repositories& r) { report.pinsExpired = r.blobReferences().removePinsBefore(now - kDay); });
    }
    return report;
}

}  // namespace mofang::domain
