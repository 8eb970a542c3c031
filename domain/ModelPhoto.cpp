#include "domain/ModelPhoto.hpp"

#include <cstdio>
#include <set>

#include "domain/Json.hpp"
#include "domain/Text.hpp"

namespace mofang::domain {
namespace {

// A free-text field: valid UTF-8, trimmed, at most `maxChars` code points; `allowNewlines` keeps
// tabs and line breaks (prompts are paragraphs), other control characters are refused.
std::string checkText(const std::optional<std::string>& raw, const std::string& field, std::size_t maxChars,
                      bool allowNewlines, FieldErrors& errors) {
    if (!raw) return {};
    if (!text::isValidUtf8(*raw)) {
        errors.add(field, "must be valid UTF-8");
        return {};
    }
    auto v = text::trim(*raw);
    std::string probe = v;
    if (allowNewlines)
        for (auto& c : probe)
            if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (text::hasControlCharacters(probe)) {
        errors.add(field, "must not contain control characters");
        return {};
    }
    if (text::codePointCount(v) > maxChars) {
        errors.add(field, "must be at most " + std::to_string(maxChars) + " characters");
        return {};
    }
    return v;
}

bool validAgeRange(const std::string& s) {
    const auto dash = s.find('-');
    if (dash == std::string::npos) return false;
    const auto low = text::parseInteger(s.substr(0, dash), 0, 120);
    const auto high = text::parseInteger(s.substr(dash + 1), 0, 120);
    return low && high && *low <= *high && s.find_first_not_of("0123456789-") == std::string::npos;
}

bool validReference(const std::string& s) {
    if (s.rfind("material:", 0) == 0) return text::parseInteger(s.substr(9), 1, INT64_MAX).has_value();
    const auto lower = text::asciiLower(s);
    std::size_t rest = 0;
    if (lower.rfind("https://", 0) == 0)
        rest = 8;
    else if (lower.rfind("http://", 0) == 0)
        rest = 7;
    else
        return false;
    if (s.size() <= rest || s.size() > 2048) return false;
    for (const char c : s)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
    return s[rest] != '/';
}

void optTime(JsonWriter& w, std::string_view key, const std::optional<Millis>& t) {
    w.key(key);
    if (t)
        w.value(formatRfc3339(*t));
    else
        w.null();
}

}  // namespace

std::string_view toString(PhotoStatus s) {
    switch (s) {
        case PhotoStatus::Queued:
            return "queued";
        case PhotoStatus::Processing:
            return "processing";
        case PhotoStatus::Completed:
            return "completed";
        case PhotoStatus::Failed:
            return "failed";
    }
    return "queued";
}

std::optional<PhotoStatus> parsePhotoStatus(std::string_view s) {
    for (const auto st : {PhotoStatus::Queued, PhotoStatus::Processing, PhotoStatus::Completed, PhotoStatus::Failed})
        if (toString(st) == s) return st;
    return std::nullopt;
}

std::string_view toString(PhotoEvent e) {
    switch (e) {
        case PhotoEvent::Claim:
            return "claim";
        case PhotoEvent::Reclaim:
            return "reclaim";
        case PhotoEvent::Requeue:
            return "requeue";
        case PhotoEvent::Complete:
            return "complete";
        case PhotoEvent::Fail:
            return "fail";
        case PhotoEvent::Cancel:
            return "cancel";
        case PhotoEvent::Retry:
            return "retry";
    }
    return "?";
}

std::optional<PhotoStatus> transition(PhotoStatus from, PhotoEvent event) {
    using S = PhotoStatus;
    using E = PhotoEvent;
    switch (from) {
        case S::Queued:
            if (event == E::Claim) return S::Processing;
            if (event == E::Cancel) return S::Failed;
            return std::nullopt;
        case S::Processing:
            if (event == E::Reclaim) return S::Processing;
            if (event == E::Requeue) return S::Queued;
            if (event == E::Complete) return S::Completed;
            if (event == E::Fail || event == E::Cancel) return S::Failed;
            return std::nullopt;
        case S::Failed:
            if (event == E::Retry) return S::Queued;
            return std::nullopt;
        case S::Completed:
            return std::nullopt;
    }
    return std::nullopt;
}

PhotoStatus requireTransition(PhotoStatus from, PhotoEvent event) {
    const auto to = transition(from, event);
    if (!to)
        throw DomainError(ErrorKind::Conflict, "invalid_state",
                          "a " + std::string(toString(from)) + " model photo cannot " + std::string(toString(event)));
    return *to;
}

std::string_view toString(ModelImageType t) {
    switch (t) {
        case ModelImageType::Result:
            return "result";
        case ModelImageType::Preview:
            return "preview";
        case ModelImageType::Thumbnail:
            return "thumbnail";
    }
    return "result";
}

std::optional<ModelImageType> parseModelImageType(std::string_view s) {
    for (const auto t : {ModelImageType::Result, ModelImageType::Preview, ModelImageType::Thumbnail})
        if (toString(t) == s) return t;
    return std::nullopt;
}

std::string modelImageJson(const ModelImage& i) {
    JsonWriter w;
    w.beginObject()
        .field("id", std::to_string(i.id))
        .field("modelPhotoId", std::to_string(i.modelPhotoId))
        .field("userId", std::to_string(i.userId))
        .field("imageType", toString(i.imageType))
        .field("isPrimary", i.isPrimary)
        .field("sortOrder", i.sortOrder)
        .field("filename", i.filename)
        .field("width", i.width)
        .field("height", i.height)
        .field("size", static_cast<std::int64_t>(i.size))
        .field("contentType", i.contentType)
        .field("extension", i.extension)
        .field("sha256", i.sha256)
        .field("ossObjectName", i.ossObjectName)
        .field("ossUrl", i.ossUrl)
        .field("ossCdnUrl", i.ossCdnUrl)
        .field("ossFolder", i.ossFolder)
        .field("localPath", i.localPath)
        .field("isUploaded", i.isUploaded);
    optTime(w, "uploadedAt", i.uploadedAt);
    w.field("url", "/api/v1/model-images/" + std::to_string(i.id) + "/file")
        .field("createdAt", formatRfc3339(i.createdAt))
        .endObject();
    return w.take();
}

std::string modelPhotoJson(const ModelPhoto& p, const std::vector<ModelImage>* images) {
    JsonWriter w;
    w.beginObject()
        .field("id", std::to_string(p.id))
        .field("userId", std::to_string(p.userId))
        .field("taskId", p.taskId);
    w.key("batchId");
    if (p.batchId.empty())
        w.null();
    else
        w.value(p.batchId);
    w.field("name", p.name)
        .field("description", p.description)
        .field("gender", p.gender)
        .field("ageRange", p.ageRange)
        .field("ethnicity", p.ethnicity);
    w.key("styleTags").stringArray(p.styleTags);
    w.field("prompt", p.prompt).field("negativePrompt", p.negativePrompt);
    w.key("referenceImages").stringArray(p.referenceImages);
    w.field("aspectRatio", p.aspectRatio)
        .field("resolution", p.resolution)
        .field("modelVersion", p.modelVersion)
        .field("status", toString(p.status))
        .field("progress", p.progress);
    w.key("errorCode");
    if (p.errorCode.empty())
        w.null();
    else
        w.value(p.errorCode);
    w.key("errorMessage");
    if (p.errorMessage.empty())
        w.null();
    else
        w.value(p.errorMessage);
    optTime(w, "startedAt", p.startedAt);
    optTime(w, "finishedAt", p.finishedAt);
    w.key("generationTime");
    if (p.generationTime) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3f", *p.generationTime);  // seconds, to the millisecond
        w.raw(buf);
    }
    else
        w.null();
    w.field("imageCount", p.imageCount)
        .field("totalSize", static_cast<std::int64_t>(p.totalSize))
        .field("createdAt", formatRfc3339(p.createdAt))
        .field("updatedAt", formatRfc3339(p.updatedAt));
    if (images) {
        w.key("images").beginArray();
        for (const auto& i : *images) w.raw(modelImageJson(i));
        w.endArray();
    }
    w.endObject();
    return w.take();
}

ModelPhoto validateModelPhotoInput(const ModelPhotoInput& in, FieldErrors& errors, const std::string& prefix) {
    ModelPhoto p;
    p.name = checkText(in.name, prefix + "name", 100, false, errors);
    p.description = checkText(in.description, prefix + "description", 2000, true, errors);
    p.ethnicity = checkText(in.ethnicity, prefix + "ethnicity", 50, false, errors);
    p.negativePrompt = checkText(in.negativePrompt, prefix + "negativePrompt", 4000, true, errors);

    if (!in.prompt) {
        errors.add(prefix + "prompt", "is required");
    } else {
        FieldErrors local;
        p.prompt = checkText(in.prompt, prefix + "prompt", 4000, true, local);
        for (const auto& e : local.items()) errors.add(e.field, e.message);
        if (local.empty() && p.prompt.empty()) errors.add(prefix + "prompt", "must be 1 to 4000 characters");
    }

    if (in.gender) {
        if (*in.gender == "male" || *in.gender == "female" || *in.gender == "other")
            p.gender = *in.gender;
        else
            errors.add(prefix + "gender", "must be one of male, female, other");
    }
    if (in.ageRange) {
        // Stored in its canonical form: "025-030" is "25-30".
        if (validAgeRange(*in.ageRange)) {
            const auto dash = in.ageRange->find('-');
            p.ageRange = std::to_string(*text::parseInteger(in.ageRange->substr(0, dash), 0, 120)) + "-" +
                         std::to_string(*text::parseInteger(in.ageRange->substr(dash + 1), 0, 120));
        } else {
            errors.add(prefix + "ageRange", "must be LOW-HIGH with whole years 0 to 120 and LOW <= HIGH, e.g. 25-30");
        }
    }
    if (in.aspectRatio) {
        if (*in.aspectRatio == "1:1" || *in.aspectRatio == "3:4" || *in.aspectRatio == "9:16")
            p.aspectRatio = *in.aspectRatio;
        else
            errors.add(prefix + "aspectRatio", "must be one of 1:1, 3:4, 9:16");
    }
    if (in.resolution) {
        if (*in.resolution == "1K" || *in.resolution == "2K" || *in.resolution == "4K")
            p.resolution = *in.resolution;
        else
            errors.add(prefix + "resolution", "must be one of 1K, 2K, 4K");
    }
    if (in.imageCount) {
        if (*in.imageCount >= 1 && *in.imageCount <= kMaxImageCount)
            p.imageCount = static_cast<int>(*in.imageCount);
        else
            errors.add(prefix + "imageCount", "must be 1 to " + std::to_string(kMaxImageCount));
    }
    if (in.styleTags) {
        const auto& tags = *in.styleTags;
        if (tags.size() > 20) errors.add(prefix + "styleTags", "must hold at most 20 tags");
        std::set<std::string> seen;
        for (std::size_t i = 0; i < tags.size() && i < 20; ++i) {
            const std::string field = prefix + "styleTags[" + std::to_string(i) + "]";
            FieldErrors local;
            auto v = checkText(tags[i], field, 32, false, local);
            for (const auto& e : local.items()) errors.add(e.field, e.message);
            if (!local.empty()) continue;
            if (v.empty())
                errors.add(field, "must not be empty");
            else if (!seen.insert(v).second)
                errors.add(field, "is a duplicate");
            else
                p.styleTags.push_back(std::move(v));
        }
    }
    if (in.referenceImages) {
        const auto& refs = *in.referenceImages;
        if (refs.size() > 8) errors.add(prefix + "referenceImages", "must hold at most 8 images");
        for (std::size_t i = 0; i < refs.size() && i < 8; ++i) {
            const std::string field = prefix + "referenceImages[" + std::to_string(i) + "]";
            if (!text::isValidUtf8(refs[i]) || !validReference(refs[i]))
                errors.add(field, "must be an http:// or https:// URL, or material:<id>");
            else
                p.referenceImages.push_back(refs[i]);
        }
    }
    return p;
}

std::optional<ImageSize> imageSizeFor(std::string_view aspectRatio, std::string_view resolution) {
    int longSide = 0;
    if (resolution == "1K")
        longSide = 1024;
    else if (resolution == "2K")
        longSide = 2048;
    else if (resolution == "4K")
        longSide = 4096;
    else
        return std::nullopt;
    int num = 0, den = 0;
    if (aspectRatio == "1:1")
        num = 1, den = 1;
    else if (aspectRatio == "3:4")
        num = 3, den = 4;
    else if (aspectRatio == "9:16")
        num = 9, den = 16;
    else
        return std::nullopt;
    // Short side = long × num / den, to the nearest multiple of 64.
    const int shortSide = (longSide * num / den + 32) / 64 * 64;
    return ImageSize{shortSide, longSide};
}

std::string sizeParameter(ImageSize s) {
    return std::to_string(s.width) + "x" + std::to_string(s.height);
}

std::string buildGenerationPrompt(const ModelPhoto& p) {
    std::string out = p.prompt;
    std::string model;
    if (p.gender == "male")
        model = "a man";
    else if (p.gender == "female")
        model = "a woman";
    else if (p.gender == "other" || !p.ageRange.empty() || !p.ethnicity.empty())
        model = "a person";
    if (!model.empty()) {
        if (!p.ageRange.empty()) {
            const auto dash = p.ageRange.find('-');
            const auto low = p.ageRange.substr(0, dash), high = p.ageRange.substr(dash + 1);
            model += low == high ? ", aged " + low : ", aged " + low + " to " + high;
        }
        if (!p.ethnicity.empty()) model += ", " + p.ethnicity;
        out += "\nModel: " + model + ".";
    }
    if (!p.styleTags.empty()) {
        out += "\nStyle: ";
        for (std::size_t i = 0; i < p.styleTags.size(); ++i) out += (i ? ", " : "") + p.styleTags[i];
        out += ".";
    }
    if (!p.negativePrompt.empty()) out += "\nAvoid: " + p.negativePrompt + ".";
    return out;
}

bool isUuid(std::string_view s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

}  // namespace mofang::domain
