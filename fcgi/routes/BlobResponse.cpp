#include "domain/Errors.hpp"
#include "fcgi/routes/MaterialRoutes.hpp"

namespace mofang::fcgi {

Response blobResponse(domain::BlobStore& blobs, const std::string& key, const std::string& contentType,
                      const std::string& contentDisposition) {
    if (const auto path = blobs.localRelativePath(key)) {
        // nginx serves the file itself (sendfile, Range, its own ETag and Last-Modified); the
        // headers below travel with the redirect.
        Response r;
        r.status = 200;
        r.header("X-Accel-Redirect", std::string(kBlobLocation) + *path)
            .header("Content-Type", contentType)
            .header("Content-Disposition", contentDisposition)
            .header("Cache-Control", "private, max-age=3600");
        return r;
    }
    if (const auto url = blobs.presignedUrl(key, contentType, contentDisposition)) {
        Response r;
        r.status = 302;
        r.header("Location", *url).header("Cache-Control", "private, no-store");
        return r;
    }
    throw domain::unavailable("storage cannot hand out " + key);
}

}  // namespace mofang::fcgi
