#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "Support.hpp"
#include "domain/Errors.hpp"
#include "domain/ModelPhoto.hpp"

namespace bdata = boost::unit_test::data;
using namespace mofang::domain;
using mofang::test::escaped;
using mofang::test::thrownBy;

namespace {

using Strings = std::vector<std::string>;

constexpr PhotoStatus kStatuses[] = {PhotoStatus::Queued, PhotoStatus::Processing, PhotoStatus::Completed,
                                     PhotoStatus::Failed};
constexpr PhotoEvent kEvents[] = {PhotoEvent::Claim,    PhotoEvent::Reclaim, PhotoEvent::Requeue,
                                  PhotoEvent::Complete, PhotoEvent::Fail,    PhotoEvent::Cancel,
                                  PhotoEvent::Retry};

// ---- the state machine ---------------------------------------------------------------------

// The documented transitions (ModelPhoto.hpp); every pair not listed here is forbidden.
std::optional<PhotoStatus> documented(PhotoStatus from, PhotoEvent event) {
    using S = PhotoStatus;
    using E = PhotoEvent;
    const std::vector<std::tuple<S, E, S>> allowed = {
        {S::Queued, E::Claim, S::Processing},   {S::Processing, E::Reclaim, S::Processing},
        {S::Processing, E::Requeue, S::Queued}, {S::Processing, E::Complete, S::Completed},
        {S::Processing, E::Fail, S::Failed},    {S::Queued, E::Cancel, S::Failed},
        {S::Processing, E::Cancel, S::Failed},  {S::Failed, E::Retry, S::Queued},
    };
    for (const auto& [f, e, to] : allowed)
        if (f == from && e == event) return to;
    return std::nullopt;
}

struct Pair {
    PhotoStatus from;
    PhotoEvent event;
};
std::ostream& operator<<(std::ostream& os, const Pair& p) {
    return os << toString(p.from) << " --" << toString(p.event) << "-->";
}

std::vector<Pair> everyPair() {
    std::vector<Pair> out;
    for (const auto s : kStatuses)
        for (const auto e : kEvents) out.push_back({s, e});
    return out;
}

BOOST_AUTO_TEST_SUITE(model_photo_state_machine)

BOOST_DATA_TEST_CASE(every_status_and_event, bdata::make(everyPair()), pair) {
    const auto expected = documented(pair.from, pair.event);
    const auto actual = transition(pair.from, pair.event);
    BOOST_TEST(actual.has_value() == expected.has_value());
    if (expected) {
        BOOST_TEST(*actual == *expected);
        BOOST_TEST(requireTransition(pair.from, pair.event) == *expected);
    } else {
        const auto e = thrownBy([&] { requireTransition(pair.from, pair.event); });
        BOOST_TEST(e.kind() == ErrorKind::Conflict);
        BOOST_TEST(e.code() == "invalid_state");
        // The message names both the state and the event.
        BOOST_TEST(std::string(e.what()).find(std::string(toString(pair.from))) != std::string::npos);
        BOOST_TEST(std::string(e.what()).find(std::string(toString(pair.event))) != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(the_table_has_eight_allowed_pairs_and_nothing_leaves_completed) {
    int allowed = 0;
    for (const auto& p : everyPair()) allowed += transition(p.from, p.event) ? 1 : 0;
    BOOST_TEST(allowed == 8);
    for (const auto e : kEvents) BOOST_TEST(!transition(PhotoStatus::Completed, e).has_value());
}

BOOST_AUTO_TEST_CASE(status_and_image_type_names_round_trip) {
    for (const auto s : kStatuses) BOOST_TEST((parsePhotoStatus(toString(s)) == s));
    BOOST_TEST(toString(PhotoStatus::Queued) == "queued");
    BOOST_TEST(toString(PhotoStatus::Processing) == "processing");
    BOOST_TEST(toString(PhotoStatus::Completed) == "completed");
    BOOST_TEST(toString(PhotoStatus::Failed) == "failed");
    BOOST_TEST(!parsePhotoStatus("Queued").has_value());
    BOOST_TEST(!parsePhotoStatus("").has_value());
    BOOST_TEST(!parsePhotoStatus("cancelled").has_value());
    for (const auto t : {ModelImageType::Result, ModelImageType::Preview, ModelImageType::Thumbnail})
        BOOST_TEST((parseModelImageType(toString(t)) == t));
    BOOST_TEST(toString(ModelImageType::Result) == "result");
    BOOST_TEST(toString(ModelImageType::Preview) == "preview");
    BOOST_TEST(toString(ModelImageType::Thumbnail) == "thumbnail");
    BOOST_TEST(!parseModelImageType("original").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

// ---- validation (SPEC §4) ------------------------------------------------------------------

ModelPhotoInput validInput() {
    ModelPhotoInput in;
    in.prompt = "a model in a red wool coat, studio light";
    return in;
}

// n copies of 中 (3 bytes, 1 code point).
std::string cjk(std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += "\xE4\xB8\xAD";
    return out;
}

Strings tags(std::size_t n) {
    Strings out;
    for (std::size_t i = 0; i < n; ++i) out.push_back("tag" + std::to_string(i));
    return out;
}

Strings urls(std::size_t n) {
    Strings out;
    for (std::size_t i = 0; i < n; ++i)
        out.push_back("https://example.com/ref/" + std::to_string(i) + ".jpg");
    return out;
}

struct ValidationCase {
    std::string name;
    std::function<void(ModelPhotoInput&)> change;
    Strings fields;  // the fields reported, in order; empty: valid
};
std::ostream& operator<<(std::ostream& os, const ValidationCase& c) {
    return os << escaped(c.name);
}

const std::vector<ValidationCase> kValidation = {
    {"the minimal request", [](ModelPhotoInput&) {}, {}},

    // gender ∈ male/female/other
    {"gender male", [](ModelPhotoInput& in) { in.gender = "male"; }, {}},
    {"gender female", [](ModelPhotoInput& in) { in.gender = "female"; }, {}},
    {"gender other", [](ModelPhotoInput& in) { in.gender = "other"; }, {}},
    {"gender unisex (a product value, not a model's)",
     [](ModelPhotoInput& in) { in.gender = "unisex"; },
     {"gender"}},
    {"gender Male (case matters)", [](ModelPhotoInput& in) { in.gender = "Male"; }, {"gender"}},
    {"gender empty", [](ModelPhotoInput& in) { in.gender = ""; }, {"gender"}},

    // ageRange LOW-HIGH, 0–120, low ≤ high
    {"ageRange 25-30", [](ModelPhotoInput& in) { in.ageRange = "25-30"; }, {}},
    {"ageRange 0-120", [](ModelPhotoInput& in) { in.ageRange = "0-120"; }, {}},
    {"ageRange 30-30", [](ModelPhotoInput& in) { in.ageRange = "30-30"; }, {}},
    {"ageRange 30-25 (low above high)", [](ModelPhotoInput& in) { in.ageRange = "30-25"; }, {"ageRange"}},
    {"ageRange 0-121", [](ModelPhotoInput& in) { in.ageRange = "0-121"; }, {"ageRange"}},
    {"ageRange 121-121", [](ModelPhotoInput& in) { in.ageRange = "121-121"; }, {"ageRange"}},
    {"ageRange -1-5", [](ModelPhotoInput& in) { in.ageRange = "-1-5"; }, {"ageRange"}},
    {"ageRange a-b", [](ModelPhotoInput& in) { in.ageRange = "a-b"; }, {"ageRange"}},
    {"ageRange 25", [](ModelPhotoInput& in) { in.ageRange = "25"; }, {"ageRange"}},
    {"ageRange 25-30-35", [](ModelPhotoInput& in) { in.ageRange = "25-30-35"; }, {"ageRange"}},
    {"ageRange 25-", [](ModelPhotoInput& in) { in.ageRange = "25-"; }, {"ageRange"}},
    {"ageRange -30", [](ModelPhotoInput& in) { in.ageRange = "-30"; }, {"ageRange"}},
    {"ageRange with spaces", [](ModelPhotoInput& in) { in.ageRange = "25 - 30"; }, {"ageRange"}},
    {"ageRange +25-30", [](ModelPhotoInput& in) { in.ageRange = "+25-30"; }, {"ageRange"}},
    {"ageRange 25.5-30", [](ModelPhotoInput& in) { in.ageRange = "25.5-30"; }, {"ageRange"}},
    {"ageRange empty", [](ModelPhotoInput& in) { in.ageRange = ""; }, {"ageRange"}},

    // aspectRatio ∈ 1:1, 3:4, 9:16; resolution ∈ 1K, 2K, 4K
    {"aspectRatio 1:1", [](ModelPhotoInput& in) { in.aspectRatio = "1:1"; }, {}},
    {"aspectRatio 3:4", [](ModelPhotoInput& in) { in.aspectRatio = "3:4"; }, {}},
    {"aspectRatio 9:16", [](ModelPhotoInput& in) { in.aspectRatio = "9:16"; }, {}},
    {"aspectRatio 4:3", [](ModelPhotoInput& in) { in.aspectRatio = "4:3"; }, {"aspectRatio"}},
    {"aspectRatio 16:9", [](ModelPhotoInput& in) { in.aspectRatio = "16:9"; }, {"aspectRatio"}},
    {"aspectRatio 1:1 with a space", [](ModelPhotoInput& in) { in.aspectRatio = "1:1 "; }, {"aspectRatio"}},
    {"resolution 1K", [](ModelPhotoInput& in) { in.resolution = "1K"; }, {}},
    {"resolution 2K", [](ModelPhotoInput& in) { in.resolution = "2K"; }, {}},
    {"resolution 4K", [](ModelPhotoInput& in) { in.resolution = "4K"; }, {}},
    {"resolution 1k (case matters)", [](ModelPhotoInput& in) { in.resolution = "1k"; }, {"resolution"}},
    {"resolution 8K", [](ModelPhotoInput& in) { in.resolution = "8K"; }, {"resolution"}},
    {"resolution 1024", [](ModelPhotoInput& in) { in.resolution = "1024"; }, {"resolution"}},

    // prompt: required, 1–4000 characters after trimming
    {"prompt absent", [](ModelPhotoInput& in) { in.prompt.reset(); }, {"prompt"}},
    {"prompt empty", [](ModelPhotoInput& in) { in.prompt = ""; }, {"prompt"}},
    {"prompt whitespace only", [](ModelPhotoInput& in) { in.prompt = " \t\n  "; }, {"prompt"}},
    {"prompt of 1 character", [](ModelPhotoInput& in) { in.prompt = "x"; }, {}},
    {"prompt of 4000 ASCII characters", [](ModelPhotoInput& in) { in.prompt = std::string(4000, 'a'); }, {}},
    {"prompt of 4001 ASCII characters",
     [](ModelPhotoInput& in) { in.prompt = std::string(4001, 'a'); },
     {"prompt"}},
    {"prompt of 4000 CJK characters (12000 bytes)", [](ModelPhotoInput& in) { in.prompt = cjk(4000); }, {}},
    {"prompt of 4001 CJK characters", [](ModelPhotoInput& in) { in.prompt = cjk(4001); }, {"prompt"}},
    {"prompt of 4000 characters once trimmed",
     [](ModelPhotoInput& in) { in.prompt = "  " + cjk(4000) + "\n"; },
     {}},
    {"prompt with line breaks and tabs",
     [](ModelPhotoInput& in) { in.prompt = "line 1\nline 2\r\n\tend"; },
     {}},
    {"prompt with a control character",
     [](ModelPhotoInput& in) { in.prompt = std::string("a\x01b"); },
     {"prompt"}},
    {"prompt not UTF-8", [](ModelPhotoInput& in) { in.prompt = "caf\xE9"; }, {"prompt"}},

    // imageCount 1–8
    {"imageCount 1", [](ModelPhotoInput& in) { in.imageCount = 1; }, {}},
    {"imageCount 8", [](ModelPhotoInput& in) { in.imageCount = 8; }, {}},
    {"imageCount 0", [](ModelPhotoInput& in) { in.imageCount = 0; }, {"imageCount"}},
    {"imageCount 9", [](ModelPhotoInput& in) { in.imageCount = 9; }, {"imageCount"}},
    {"imageCount -1", [](ModelPhotoInput& in) { in.imageCount = -1; }, {"imageCount"}},
    {"imageCount 2^32 + 1", [](ModelPhotoInput& in) { in.imageCount = 4294967297LL; }, {"imageCount"}},

    // referenceImages ≤ 8 of http/https/material:<id>
    {"no reference images", [](ModelPhotoInput& in) { in.referenceImages = Strings{}; }, {}},
    {"8 reference images", [](ModelPhotoInput& in) { in.referenceImages = urls(8); }, {}},
    {"9 reference images", [](ModelPhotoInput& in) { in.referenceImages = urls(9); }, {"referenceImages"}},
    {"http and https and material",
     [](ModelPhotoInput& in) {
         in.referenceImages = Strings{"http://example.com/a.jpg", "https://cdn.example.com/b.png?x=1",
                                      "material:42", "HTTPS://EXAMPLE.COM/C.JPG"};
     },
     {}},
    {"ftp URL",
     [](ModelPhotoInput& in) { in.referenceImages = Strings{"ftp://example.com/a.jpg"}; },
     {"referenceImages[0]"}},
    {"javascript URL",
     [](ModelPhotoInput& in) { in.referenceImages = Strings{"javascript:alert(1)"}; },
     {"referenceImages[0]"}},
    {"data URL",
     [](ModelPhotoInput& in) { in.referenceImages = Strings{"data:image/png;base64,AAAA"}; },
     {"referenceImages[0]"}},
    {"scheme only",
     [](ModelPhotoInput& in) { in.referenceImages = Strings{"https://"}; },
     {"referenceImages[0]"}},
    {"no host",
     [](ModelPhotoInput& in) { in.referenceImages = Strings{"https:///etc/passwd"}; },
     {"referenceImages[0]"}},
    {"a space in the URL",
     [](ModelPhotoInput& in) { in.referenceImages = Strings{"https://example.com/a b.jpg"}; },
     {"referenceImages[0]"}},
    {"a relative path",
     [](ModelPhotoInput& in) { in.referenceImages = Strings{"/uploads/a.jpg"}; },
     {"referenceImages[0]"}},
    {"material:0",
     [](ModelPhotoInput& in) { in.referenceImages = Strings{"material:0"}; },
     {"referenceImages[0]"}},
    {"material:-1",
     [](ModelPhotoInput& in) { in.referenceImages = Strings{"material:-1"}; },
     {"referenceImages[0]"}},
    {"material:abc",
     [](ModelPhotoInput& in) { in.referenceImages = Strings{"material:abc"}; },
     {"referenceImages[0]"}},
    {"material: without id",
     [](ModelPhotoInput& in) { in.referenceImages = Strings{"material:"}; },
     {"referenceImages[0]"}},
    {"the second of two is bad",
     [](ModelPhotoInput& in) {
         in.referenceImages = Strings{"https://example.com/a.jpg", "file:///a.jpg"};
     },
     {"referenceImages[1]"}},

    // styleTags: ≤ 20 distinct non-empty strings of ≤ 32 characters
    {"20 style tags", [](ModelPhotoInput& in) { in.styleTags = tags(20); }, {}},
    {"21 style tags", [](ModelPhotoInput& in) { in.styleTags = tags(21); }, {"styleTags"}},
    {"a duplicate tag",
     [](ModelPhotoInput& in) {
         in.styleTags = Strings{"street", "minimal", "street"};
     },
     {"styleTags[2]"}},
    {"a duplicate once trimmed",
     [](ModelPhotoInput& in) {
         in.styleTags = Strings{"street", " street "};
     },
     {"styleTags[1]"}},
    {"an empty tag",
     [](ModelPhotoInput& in) {
         in.styleTags = Strings{"street", ""};
     },
     {"styleTags[1]"}},
    {"a blank tag", [](ModelPhotoInput& in) { in.styleTags = Strings{"  "}; }, {"styleTags[0]"}},
    {"a tag of 32 CJK characters", [](ModelPhotoInput& in) { in.styleTags = Strings{cjk(32)}; }, {}},
    {"a tag of 33 characters",
     [](ModelPhotoInput& in) { in.styleTags = Strings{std::string(33, 't')}; },
     {"styleTags[0]"}},

    // every broken rule at once, in field order
    {"everything wrong",
     [](ModelPhotoInput& in) {
         in.prompt = " ";
         in.gender = "x";
         in.ageRange = "9-1";
         in.aspectRatio = "2:1";
         in.resolution = "3K";
         in.imageCount = 0;
         in.styleTags = Strings{"a", "a"};
         in.referenceImages = Strings{"nope"};
     },
     {"prompt", "gender", "ageRange", "aspectRatio", "resolution", "imageCount", "styleTags[1]",
      "referenceImages[0]"}},
};

BOOST_AUTO_TEST_SUITE(model_photo_validation)

BOOST_DATA_TEST_CASE(each_rule_at_and_beyond_its_limits, bdata::make(kValidation), c) {
    auto in = validInput();
    c.change(in);
    FieldErrors errors;
    validateModelPhotoInput(in, errors);
    Strings fields;
    for (const auto& e : errors.items()) fields.push_back(e.field);
    BOOST_TEST(fields == c.fields, boost::test_tools::per_element());
    for (const auto& e : errors.items()) BOOST_TEST(!e.message.empty());
}

BOOST_DATA_TEST_CASE(batch_items_name_their_index, bdata::make(kValidation), c) {
    auto in = validInput();
    c.change(in);
    FieldErrors errors;
    validateModelPhotoInput(in, errors, "items[3].");
    Strings fields;
    for (const auto& e : errors.items()) fields.push_back(e.field);
    Strings expected;
    for (const auto& f : c.fields) expected.push_back("items[3]." + f);
    BOOST_TEST(fields == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(defaults_when_absent) {
    FieldErrors errors;
    const auto p = validateModelPhotoInput(validInput(), errors);
    BOOST_TEST(errors.empty());
    BOOST_TEST(p.aspectRatio == "1:1");
    BOOST_TEST(p.resolution == "1K");
    BOOST_TEST(p.imageCount == 1);
    BOOST_TEST(p.gender == "");
    BOOST_TEST(p.ageRange == "");
    BOOST_TEST(p.styleTags.empty());
    BOOST_TEST(p.referenceImages.empty());
    BOOST_TEST(p.id == 0);
    BOOST_TEST(p.userId == 0);
    BOOST_TEST(p.taskId == "");
    BOOST_TEST(p.batchId == "");
    BOOST_TEST((p.status == PhotoStatus::Queued));
}

BOOST_AUTO_TEST_CASE(values_are_kept_trimmed) {
    ModelPhotoInput in;
    in.name = "  Autumn look ";
    in.description = " two lines\nof text ";
    in.gender = "female";
    in.ageRange = "25-30";
    in.ethnicity = " East Asian ";
    in.styleTags = Strings{" street ", "minimal"};
    in.prompt = "  a model in a red coat\n";
    in.negativePrompt = " blur ";
    in.referenceImages = Strings{"https://example.com/a.jpg", "material:7"};
    in.aspectRatio = "3:4";
    in.resolution = "2K";
    in.imageCount = 4;
    FieldErrors errors;
    const auto p = validateModelPhotoInput(in, errors);
    BOOST_TEST(errors.empty());
    BOOST_TEST(p.name == "Autumn look");
    BOOST_TEST(p.description == "two lines\nof text");
    BOOST_TEST(p.gender == "female");
    BOOST_TEST(p.ageRange == "25-30");
    BOOST_TEST(p.ethnicity == "East Asian");
    BOOST_TEST(p.styleTags == (Strings{"street", "minimal"}), boost::test_tools::per_element());
    BOOST_TEST(p.prompt == "a model in a red coat");
    BOOST_TEST(p.negativePrompt == "blur");
    BOOST_TEST(p.referenceImages == (Strings{"https://example.com/a.jpg", "material:7"}),
               boost::test_tools::per_element());
    BOOST_TEST(p.aspectRatio == "3:4");
    BOOST_TEST(p.resolution == "2K");
    BOOST_TEST(p.imageCount == 4);
}

BOOST_AUTO_TEST_CASE(an_earlier_error_list_is_appended_to) {
    FieldErrors errors;
    errors.add("items[0].prompt", "is required");
    auto in = validInput();
    in.imageCount = 9;
    validateModelPhotoInput(in, errors, "items[1].");
    BOOST_TEST_REQUIRE(errors.items().size() == 2U);
    BOOST_TEST(errors.items()[0].field == "items[0].prompt");
    BOOST_TEST(errors.items()[1].field == "items[1].imageCount");
}

BOOST_AUTO_TEST_SUITE_END()

// ---- sizes ---------------------------------------------------------------------------------

struct SizeCase {
    std::string ratio;
    std::string resolution;
    int width;
    int height;
};
std::ostream& operator<<(std::ostream& os, const SizeCase& c) {
    return os << c.ratio << " " << c.resolution;
}

// The table of the comment in ModelPhoto.hpp, entry by entry.
const std::vector<SizeCase> kSizes = {
    {"1:1", "1K", 1024, 1024}, {"1:1", "2K", 2048, 2048},  {"1:1", "4K", 4096, 4096},
    {"3:4", "1K", 768, 1024},  {"3:4", "2K", 1536, 2048},  {"3:4", "4K", 3072, 4096},
    {"9:16", "1K", 576, 1024}, {"9:16", "2K", 1152, 2048}, {"9:16", "4K", 2304, 4096},
};

BOOST_AUTO_TEST_SUITE(model_photo_sizes)

BOOST_DATA_TEST_CASE(the_documented_table, bdata::make(kSizes), c) {
    const auto size = imageSizeFor(c.ratio, c.resolution);
    BOOST_TEST_REQUIRE(size.has_value());
    BOOST_TEST(size->width == c.width);
    BOOST_TEST(size->height == c.height);
    BOOST_TEST(size->width % 64 == 0);
    BOOST_TEST(sizeParameter(*size) == std::to_string(c.width) + "x" + std::to_string(c.height));
}

BOOST_AUTO_TEST_CASE(unknown_ratios_and_resolutions_have_no_size) {
    BOOST_TEST(!imageSizeFor("16:9", "1K").has_value());
    BOOST_TEST(!imageSizeFor("1:1", "8K").has_value());
    BOOST_TEST(!imageSizeFor("", "").has_value());
    BOOST_TEST(!imageSizeFor("1K", "1:1").has_value());
}

BOOST_AUTO_TEST_CASE(size_parameter_is_width_x_height) {
    BOOST_TEST(sizeParameter(ImageSize{1024, 1024}) == "1024x1024");
    BOOST_TEST(sizeParameter(ImageSize{768, 1024}) == "768x1024");
}

BOOST_AUTO_TEST_SUITE_END()

// ---- the generator's prompt -----------------------------------------------------------------

struct PromptCase {
    std::string name;
    std::function<void(ModelPhoto&)> change;
    std::string expected;
};
std::ostream& operator<<(std::ostream& os, const PromptCase& c) {
    return os << c.name;
}

const std::vector<PromptCase> kPrompts = {
    {"the prompt alone", [](ModelPhoto&) {}, "red coat"},
    {"a woman", [](ModelPhoto& p) { p.gender = "female"; }, "red coat\nModel: a woman."},
    {"a man", [](ModelPhoto& p) { p.gender = "male"; }, "red coat\nModel: a man."},
    {"other gender", [](ModelPhoto& p) { p.gender = "other"; }, "red coat\nModel: a person."},
    {"a woman of an age and ethnicity",
     [](ModelPhoto& p) {
         p.gender = "female";
         p.ageRange = "25-30";
         p.ethnicity = "East Asian";
     },
     "red coat\nModel: a woman, aged 25 to 30, East Asian."},
    {"age without gender", [](ModelPhoto& p) { p.ageRange = "18-25"; },
     "red coat\nModel: a person, aged 18 to 25."},
    {"ethnicity without gender", [](ModelPhoto& p) { p.ethnicity = "Nordic"; },
     "red coat\nModel: a person, Nordic."},
    {"one style tag", [](ModelPhoto& p) { p.styleTags = {"street"}; }, "red coat\nStyle: street."},
    {"style tags",
     [](ModelPhoto& p) {
         p.styleTags = {"street", "minimal", "街头"};
     },
     "red coat\nStyle: street, minimal, 街头."},
    {"a negative prompt", [](ModelPhoto& p) { p.negativePrompt = "blur, text"; },
     "red coat\nAvoid: blur, text."},
    {"every part",
     [](ModelPhoto& p) {
         p.gender = "male";
         p.ageRange = "40-50";
         p.ethnicity = "South Asian";
         p.styleTags = {"formal", "office"};
         p.negativePrompt = "logos";
     },
     "red coat\nModel: a man, aged 40 to 50, South Asian.\nStyle: formal, office.\nAvoid: logos."},
    {"style and avoid without a model line",
     [](ModelPhoto& p) {
         p.styleTags = {"retro"};
         p.negativePrompt = "hats";
     },
     "red coat\nStyle: retro.\nAvoid: hats."},
    {"a multi-line prompt is kept", [](ModelPhoto& p) { p.prompt = "line one\nline two"; },
     "line one\nline two"},
};

BOOST_AUTO_TEST_SUITE(model_photo_prompt)

BOOST_DATA_TEST_CASE(the_documented_layout, bdata::make(kPrompts), c) {
    ModelPhoto p;
    p.prompt = "red coat";
    c.change(p);
    BOOST_TEST(buildGenerationPrompt(p) == c.expected);
}

// Not in the comment's layout: a range of one year reads "aged 30", not "aged 30 to 30".
BOOST_AUTO_TEST_CASE(a_one_year_range_is_one_age) {
    ModelPhoto p;
    p.prompt = "red coat";
    p.gender = "female";
    p.ageRange = "30-30";
    BOOST_TEST(buildGenerationPrompt(p) == "red coat\nModel: a woman, aged 30.");
}

BOOST_AUTO_TEST_SUITE_END()

// ---- UUIDs ---------------------------------------------------------------------------------

struct UuidCase {
    std::string text;
    bool valid;
};
std::ostream& operator<<(std::ostream& os, const UuidCase& c) {
    return os << "'" << escaped(c.text) << "' -> " << (c.valid ? "uuid" : "not a uuid");
}

const std::vector<UuidCase> kUuids = {
    {"00000000-0000-4000-8000-000000000001", true},
    {"3f2504e0-4f89-41d3-9a0c-0305e82c3301", true},
    {"ffffffff-ffff-ffff-ffff-ffffffffffff", true},
    {"3F2504E0-4F89-41D3-9A0C-0305E82C3301", false},   // upper case is not canonical
    {"3f2504e0-4f89-41d3-9a0c-0305e82c330", false},    // 35 characters
    {"3f2504e0-4f89-41d3-9a0c-0305e82c33011", false},  // 37
    {"3f2504e04f8941d39a0c0305e82c3301", false},       // no dashes
    {"3f2504e0-4f8941d3-9a0c-0305e82c3301-", false},   // a dash moved
    {"3f2504e0_4f89_41d3_9a0c_0305e82c3301", false},
    {"3f2504e0-4f89-41d3-9a0c-0305e82c330g", false},
    {"{3f2504e0-4f89-41d3-9a0c-0305e82c330}", false},
    {"", false},
    {std::string("3f2504e0-4f89-41d3-9a0c-0305e82c330\0", 36), false},
};

BOOST_AUTO_TEST_SUITE(model_photo_uuid)

BOOST_DATA_TEST_CASE(canonical_lower_case_only, bdata::make(kUuids), c) {
    BOOST_TEST(isUuid(c.text) == c.valid);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- JSON ----------------------------------------------------------------------------------

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

ModelPhoto samplePhoto() {
    ModelPhoto p;
    p.id = 12;
    p.userId = 3;
    p.taskId = "00000000-0000-4000-8000-000000000001";
    p.name = "Autumn";
    p.gender = "female";
    p.ageRange = "25-30";
    p.styleTags = {"street", "minimal"};
    p.prompt = "red coat";
    p.referenceImages = {"material:7"};
    p.aspectRatio = "3:4";
    p.resolution = "2K";
    p.createdAt = 1795325050123;  // 2026-11-22T05:24:10.123Z
    p.updatedAt = 1795325050123;
    return p;
}

BOOST_AUTO_TEST_SUITE(model_photo_json)

BOOST_AUTO_TEST_CASE(a_queued_photo) {
    const auto json = modelPhotoJson(samplePhoto());
    BOOST_TEST(json.front() == '{');
    BOOST_TEST(json.back() == '}');
    for (const std::string field : {R"("id":"12")",
                                    R"("userId":"3")",
                                    R"("taskId":"00000000-0000-4000-8000-000000000001")",
                                    R"("batchId":null)",
                                    R"("name":"Autumn")",
                                    R"("gender":"female")",
                                    R"("ageRange":"25-30")",
                                    R"("styleTags":["street","minimal"])",
                                    R"("prompt":"red coat")",
                                    R"("referenceImages":["material:7"])",
                                    R"("aspectRatio":"3:4")",
                                    R"("resolution":"2K")",
                                    R"("status":"queued")",
                                    R"("progress":0)",
                                    R"("errorCode":null)",
                                    R"("errorMessage":null)",
                                    R"("startedAt":null)",
                                    R"("finishedAt":null)",
                                    R"("generationTime":null)",
                                    R"("imageCount":1)",
                                    R"("totalSize":0)",
                                    R"("createdAt":"2026-11-22T05:24:10.123Z")",
                                    R"("updatedAt":"2026-11-22T05:24:10.123Z")",
                                    R"("description":"")",
                                    R"("ethnicity":"")",
                                    R"("negativePrompt":"")",
                                    R"("modelVersion":"")"})
        BOOST_TEST(contains(json, field), field << " in " << json);
    BOOST_TEST(!contains(json, R"("images")"));
}

BOOST_AUTO_TEST_CASE(a_finished_photo_of_a_batch) {
    auto p = samplePhoto();
    p.batchId = "00000000-0000-4000-8000-000000000009";
    p.status = PhotoStatus::Failed;
    p.errorCode = "cancelled";
    p.errorMessage = "cancelled by the user";
    p.startedAt = p.createdAt + 1000;
    p.finishedAt = p.createdAt + 13345;
    p.generationTime = 12.345;
    p.imageCount = 2;
    p.totalSize = 5000000000ULL;  // above 2^32
    const auto json = modelPhotoJson(p);
    for (const std::string field :
         {R"("batchId":"00000000-0000-4000-8000-000000000009")", R"("status":"failed")",
          R"("errorCode":"cancelled")", R"("errorMessage":"cancelled by the user")",
          R"("startedAt":"2026-11-22T05:24:11.123Z")", R"("finishedAt":"2026-11-22T05:24:23.468Z")",
          R"("generationTime":12.345)", R"("imageCount":2)", R"("totalSize":5000000000)"})
        BOOST_TEST(contains(json, field), field << " in " << json);
}

BOOST_AUTO_TEST_CASE(generation_time_has_three_decimals) {
    auto p = samplePhoto();
    for (const auto& [seconds, text] : std::vector<std::pair<double, std::string>>{
             {0.0, "0.000"}, {1.5, "1.500"}, {12.0, "12.000"}, {0.0004, "0.000"}, {61.2346, "61.235"}}) {
        p.generationTime = seconds;
        const auto json = modelPhotoJson(p);
        BOOST_TEST(contains(json, R"("generationTime":)" + text + ","), text << " in " << json);
    }
}

BOOST_AUTO_TEST_CASE(the_detail_embeds_its_images) {
    ModelImage i;
    i.id = 5;
    i.modelPhotoId = 12;
    i.userId = 3;
    i.imageType = ModelImageType::Preview;
    i.sortOrder = 1;
    i.filename = "model-12-1-preview.jpg";
    i.width = 1200;
    i.height = 1600;
    i.size = 1234;
    i.contentType = "image/jpeg";
    i.extension = ".jpg";
    i.createdAt = 1795325050123;
    const std::vector<ModelImage> images{i};
    const auto json = modelPhotoJson(samplePhoto(), &images);
    BOOST_TEST(
        contains(json, R"("images":[{"id":"5","modelPhotoId":"12","userId":"3","imageType":"preview",)"),
        json);
    BOOST_TEST(contains(json, R"("isPrimary":false,"sortOrder":1,)"), json);
    BOOST_TEST(contains(json, R"("url":"/api/v1/model-images/5/file")"), json);
    BOOST_TEST(contains(json, R"("uploadedAt":null)"), json);
    const std::vector<ModelImage> none;
    BOOST_TEST(contains(modelPhotoJson(samplePhoto(), &none), R"("images":[])"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
