#pragma once

#include <string>
#include <string_view>

namespace mofang::domain {

// SPEC §4 material file name: invalid UTF-8 → throws validation (422, field `field`); otherwise
// it is sanitised, never rejected: only the last path component is kept (both '/' and '\'
// separate), control characters (C0, DEL and C1) and <>:"|?* become '_',
// leading/trailing spaces and dots are trimmed, an empty result or "."/".." becomes "file", the
// extension is set to `extension` (e.g. ".jpg") when it is missing or wrong, and the name is cut
// to ≤ 255 bytes at a character boundary keeping the extension.
// "Wrong" means another image extension (.jpg .jpeg .jfif .png .gif .webp), which is replaced:
// "photo.png" holding a JPEG → "photo.jpg". Any other extension is part of the name and
// `extension` is appended: "report.txt" → "report.txt.jpg". Compared case-insensitively; ".jpeg"
// counts as right for ".jpg" (".jfif" does not), and a right extension keeps the client's spelling
// ("A.JPEG" stays). An empty `extension` leaves the extension alone.
std::string sanitizeMaterialFileName(std::string_view name, std::string_view extension,
                                     std::string_view field = "filename");

}  // namespace mofang::domain
