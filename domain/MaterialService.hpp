#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/ImageProbe.hpp"
#include "domain/Material.hpp"
#include "domain/Ports.hpp"
#include "domain/Renditions.hpp"
#include "domain/Storage.hpp"

namespace mofang::domain {

// One uploaded file as the transport streamed it into the store: its bytes (finished, not yet
// published), what the image header said, and the name the client gave.
struct StagedUpload {
    std::unique_ptr<BlobWriter> blob;
    ImageFormat format = ImageFormat::Unknown;
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    std::optional<std::string> clientFilename;
};

// Which bytes of a material a client asked for.
enum class MaterialBytes { File, Thumbnail, Preview };

// Where and how to hand out a material's bytes.
struct MaterialDelivery {
    Material material;
    std::string key;
    std::string contentType;
    std::string filename;  // the name to save as
};

struct GcReport {
    std::vector<std::pair<std::string, std::uint64_t>> removed;  // key, size
    std::uint64_t blobsSeen = 0;
    std::uint64_t blobsRemoved = 0;
    std::uint64_t bytesFreed = 0;
    std::uint64_t abandonedBytesFreed = 0;
    std::size_t pinsExpired = 0;
};

// Materials (SPEC §4, §5): uploads with renditions, metadata, ordering and deletion, and the
// garbage collection of blobs no row needs. Reads need product.read, changes product.write.
class MaterialService final {
  public:
    MaterialService(Store& store, BlobStore& blobs, const ImageRenderer& renderer, const Clock& clock,
                    int retainDays)
        : store_(store), blobs_(blobs), renderer_(renderer), clock_(clock), retainDays_(retainDays) {}

    // The checks an upload passes before its body is read: permission and a live module.
    void checkUpload(const Principal& who, ModuleId moduleId);
    // All or nothing: validates every file, renders its thumbnail and preview, publishes the
    // blobs and inserts the rows (and their log entries) in one transaction. On any failure the
    // blobs this request published and nothing else needs are removed again.
    std::vector<Material> upload(const Principal& who, ModuleId moduleId, std::vector<StagedUpload>& files,
                                 const AuditContext& audit);

    // POST /modules/{id}/materials/from-model-image: a material made of a generated result image
    // and its renditions (the same blobs, nothing copied). Needs product.write and a model image
    // whose photo `who` may see (else 404).
    Material importModelImage(const Principal& who, ModuleId moduleId, ModelImageId imageId,
                              const AuditContext& audit);

    Material get(const Principal& who, MaterialId id);
    Material update(const Principal& who, MaterialId id, const MaterialInput& input, const AuditContext& audit);
    void remove(const Principal& who, MaterialId id, const AuditContext& audit);
    // `ids` must be exactly the module's live materials; they get orders 1..n in that sequence.
    std::vector<Material> reorder(const Principal& who, ModuleId moduleId, const std::vector<MaterialId>& ids,
                                  const AuditContext& audit);
    // Live materials of the given modules, grouped by module, each in display order (for module JSON).
    std::map<ModuleId, std::vector<Material>> forModules(const Principal& who, const std::vector<ModuleId>& ids);
    MaterialDelivery delivery(const Principal& who, MaterialId id, MaterialBytes which);

    // Removes blobs that no row references (rows soft-deleted within retainDays still do) and
    // writers' leftovers older than a day. `dryRun` only counts.
    GcReport collectGarbage(bool dryRun);

  private:
    Material requireLive(Repositories& r, MaterialId id);
    // Unpins and removes the keys that nothing else holds.
    void release(const std::vector<std::pair<std::int64_t, std::string>>& pins);

    Store& store_;
    BlobStore& blobs_;
    const ImageRenderer& renderer_;
    const Clock& clock_;
    int retainDays_;
};

}  // namespace mofang::domain
