#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "Fixtures.hpp"
#include "domain/Text.hpp"

using namespace mofang;
using namespace mofang::test;
using domain::Product;
using domain::ProductFacets;
using domain::ProductFilter;
using domain::ProductId;
using domain::ProductQuery;
using domain::ProductSort;
using domain::Repositories;

namespace {

using Ids = std::vector<ProductId>;

constexpr domain::Millis kT0 = 1'700'000'000'000;
constexpr ProductSort kSorts[] = {ProductSort::CreatedDesc, ProductSort::NameAsc};
const char* const kFacetKinds[] = {"gender", "ageRange", "scenario", "style"};

const std::vector<std::string> kScenarios = {"commute", "sport", "party", "travel", "通勤"};
const std::vector<std::string> kStyles = {"casual", "street", "classic", "极简", "retro 😀"};
const std::vector<std::string> kDesigners = {"Ann", "ann", "Bo", "张三", "Zoë 🎨", ""};
// LIKE wildcards, the escape character, quotes, a backslash, mixed case and non-ASCII text.
const std::vector<std::string> kNames = {
    "Runner",      "Trail 100% Pro", "under_score", "Bang! Edition", "Kid's Tee", "Say \"hi\"",
    "back\\slash", "MiXeD Case",     "运动鞋",      "派对 🎉 Dress",  "plain",     "Runner",
};

Ids idsOf(const std::vector<Product>& rows) {
    Ids out;
    for (const auto& p : rows) out.push_back(p.id);
    return out;
}

Ids sorted(Ids ids) {
    std::sort(ids.begin(), ids.end());
    return ids;
}

// Strict order of a sort as the repository defines it. For names, only where both databases'
// collations agree with bytewise comparison (the tests that use it pick such names).
bool precedes(const Product& a, const Product& b, ProductSort sort) {
    if (sort == ProductSort::CreatedDesc)
        return a.createdAt > b.createdAt || (a.createdAt == b.createdAt && a.id > b.id);
    return a.name < b.name || (a.name == b.name && a.id < b.id);
}

std::string describe(const ProductFilter& f) {
    std::string out;
    const auto add = [&](const char* kind, const std::string& v) {
        out += (out.empty() ? "" : " ") + std::string(kind) + "=[" + v + "]";
    };
    if (f.gender) add("gender", *f.gender);
    if (f.ageRange) add("ageRange", *f.ageRange);
    for (const auto& v : f.scenarios) add("scenario", v);
    for (const auto& v : f.styles) add("style", v);
    if (f.designer) add("designer", *f.designer);
    if (f.q) add("q", *f.q);
    return out.empty() ? "(no filter)" : out;
}

// The C++ model of the filter contract (SPEC §5 GET /products): kinds AND, values of one
// kind OR; designer exact on either field; q an ASCII-case-insensitive name substring or SPU
// prefix with no wildcards.
bool matches(const Product& p, const ProductFilter& f) {
    const auto anyOf = [](const std::vector<std::string>& have, const std::vector<std::string>& wanted) {
        return wanted.empty() || std::any_of(wanted.begin(), wanted.end(), [&](const std::string& v) {
                   return std::find(have.begin(), have.end(), v) != have.end();
               });
    };
    if (p.deleted) return false;
    if (f.gender && p.gender != *f.gender) return false;
    if (f.ageRange && p.ageRange != *f.ageRange) return false;
    if (!anyOf(p.scenarios, f.scenarios) || !anyOf(p.styles, f.styles)) return false;
    if (f.designer && p.threeDDesigner != *f.designer && p.graphicDesigner != *f.designer) return false;
    if (f.q) {
        const auto q = domain::text::asciiLower(*f.q);
        if (domain::text::asciiLower(p.name).find(q) == std::string::npos &&
            domain::text::asciiLower(p.spuCode).rfind(q, 0) != 0)
            return false;
    }
    return true;
}

// `f` with the filter of facet kind `kind` replaced by the one value `v`.
ProductFilter withKind(ProductFilter f, const std::string& kind, const std::string& v) {
    if (kind == "gender")
        f.gender = v;
    else if (kind == "ageRange")
        f.ageRange = v;
    else if (kind == "scenario")
        f.scenarios = {v};
    else
        f.styles = {v};
    return f;
}

std::vector<Product> listPage(domain::Store& store, const ProductQuery& q) {
    std::vector<Product> page;
    store.read([&](Repositories& r) { page = r.products().list(q); });
    return page;
}

// Every page of `q` in turn, each next `after` from domain::cursorAfter; `between` runs
// after each non-empty page (with its last row) before the next one is read.
std::vector<Product> walk(domain::Store& store, ProductQuery q,
                          const std::function<void(const Product&)>& between = {}) {
    std::vector<Product> out;
    for (int pages = 0;; ++pages) {
        BOOST_REQUIRE_MESSAGE(pages < 2000, "the walk does not end");
        const auto page = listPage(store, q);
        BOOST_TEST(page.size() <= static_cast<std::size_t>(q.limit));
        if (page.empty()) return out;
        out.insert(out.end(), page.begin(), page.end());
        q.after = domain::cursorAfter(page.back(), q.sort);
        if (between) between(page.back());
    }
}

ProductFacets facetsOf(domain::Store& store, const ProductFilter& f) {
    ProductFacets out;
    store.read([&](Repositories& r) { out = r.products().facets(f); });
    return out;
}

std::int64_t facetCount(const ProductFacets& facets, const std::string& kind, const std::string& value) {
    const auto k = facets.counts.find(kind);
    if (k == facets.counts.end()) return 0;
    const auto v = k->second.find(value);
    return v == k->second.end() ? 0 : v->second;
}

Ids walkIds(domain::Store& store, const ProductFilter& f, ProductSort sort = ProductSort::CreatedDesc) {
    ProductQuery q;
    q.filter = f;
    q.sort = sort;
    q.limit = 7;
    return idsOf(walk(store, q));
}

ProductFilter byQ(const std::string& q) {
    ProductFilter f;
    f.q = q;
    return f;
}

// Sixty products with seeded-random attributes over small value pools (so that filters and
// their combinations select a bit of everything), names and SPU codes chosen for the q rules,
// many equal createdAt values; every eleventh product (from the eighth) soft-deleted.
struct WithCatalogue : WithSeedData {
    static constexpr int kSize = 60;
    static constexpr domain::Millis kDeletedAt = kT0 + 99'000;

    WithCatalogue() {
        std::mt19937 rng(20'240'601);
        const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
        const auto someOf = [&](const std::vector<std::string>& pool) {
            std::vector<std::string> out;
            const std::size_t n = 1 + pick(3);
            while (out.size() < n) {
                const auto& v = pool[pick(pool.size())];
                if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
            }
            return out;
        };
        // AB_ / ABX / ab. prefixes: an unescaped '_' in q "ab_0" would match all three.
        const char* const kSpuPrefixes[] = {"AB_", "ABX", "ab.", "Z-"};
        for (int i = 0; i < kSize; ++i) {
            const std::string name = kNames[i % kNames.size()] + (i % 5 == 0 ? "" : " #" + std::to_string(i));
            char spu[16];
            std::snprintf(spu, sizeof spu, "%s%02d", kSpuPrefixes[i % 4], i);
            Product p = makeProduct(name, spu, alice.id, kT0 + (i % 13) * 1000);
            p.gender = domain::genderValues()[i % 3];
            p.ageRange = domain::ageRangeValues()[(i / 3) % 3];
            p.scenarios = someOf(kScenarios);
            p.styles = someOf(kStyles);
            p.threeDDesigner = kDesigners[pick(kDesigners.size())];
            p.graphicDesigner = kDesigners[pick(kDesigners.size())];
            products.push_back(p);
        }
        store.transact([&](Repositories& r) {
            for (auto& p : products) p.id = r.products().insert(p);
        });
        store.transact([&](Repositories& r) {
            for (int i = 7; i < kSize; i += 11) {
                r.products().markDeleted(products[i].id, kDeletedAt);
                products[i].deleted = true;
            }
        });
    }

    const Product& byId(ProductId id) const {
        const auto it =
            std::find_if(products.begin(), products.end(), [&](const Product& p) { return p.id == id; });
        BOOST_REQUIRE(it != products.end());
        return *it;
    }

    // What the model selects, in createdAt-desc order.
    std::vector<Product> expected(const ProductFilter& f) const {
        std::vector<Product> out;
        for (const auto& p : products)
            if (matches(p, f)) out.push_back(p);
        std::sort(out.begin(), out.end(), [](const Product& a, const Product& b) {
            return precedes(a, b, ProductSort::CreatedDesc);
        });
        return out;
    }

    // Both sorts, paged by 7: the model's products (in order for createdAt; name order is the
    // database's collation, so: the same as one big page), every field as inserted.
    void checkList(const ProductFilter& f) {
        BOOST_TEST_CONTEXT(describe(f)) {
            const auto want = idsOf(expected(f));
            for (const auto sort : kSorts) {
                BOOST_TEST_CONTEXT(sort) {
                    ProductQuery q;
                    q.filter = f;
                    q.sort = sort;
                    q.limit = 7;
                    const auto walked = walk(store, q);
                    q.limit = 1000;
                    BOOST_TEST(idsOf(walked) == idsOf(listPage(store, q)), boost::test_tools::per_element());
                    if (sort == ProductSort::CreatedDesc)
                        BOOST_TEST(idsOf(walked) == want, boost::test_tools::per_element());
                    else
                        BOOST_TEST(sorted(idsOf(walked)) == sorted(want), boost::test_tools::per_element());
                    for (const auto& p : walked) checkSameProduct(p, byId(p.id));
                }
            }
        }
    }

    // facets(f) against the lists: each value's count is the size of list(f with its own
    // kind's filter replaced by that value); a value may be missing only when that is 0.
    void checkFacets(const ProductFilter& f) {
        BOOST_TEST_CONTEXT(describe(f)) {
            const auto facets = facetsOf(store, f);
            for (const auto& [kind, values] : facets.counts)
                BOOST_TEST((kind == "gender" || kind == "ageRange" || kind == "scenario" || kind == "style"),
                           "unknown facet " << kind);
            for (const std::string kind : kFacetKinds) {
                std::set<std::string> values;
                const auto& universe = kind == "gender"     ? domain::genderValues()
                                       : kind == "ageRange" ? domain::ageRangeValues()
                                       : kind == "scenario" ? kScenarios
                                                            : kStyles;
                values.insert(universe.begin(), universe.end());
                if (const auto k = facets.counts.find(kind); k != facets.counts.end())
                    for (const auto& [v, n] : k->second) values.insert(v);
                for (const auto& v : values) {
                    BOOST_TEST_CONTEXT(kind << "=" << v) {
                        const auto g = withKind(f, kind, v);
                        ProductQuery q;
                        q.filter = g;
                        q.limit = 100;
                        const auto listed = static_cast<std::int64_t>(walk(store, q).size());
                        BOOST_TEST(listed == static_cast<std::int64_t>(expected(g).size()));
                        BOOST_TEST(facetCount(facets, kind, v) == listed);
                    }
                }
            }
        }
    }

    std::vector<Product> products;  // as inserted, ids set; `deleted` for the soft-deleted ones
};

// Two values per filter kind; index 0 of a kind's choice leaves that kind unfiltered.
using Setter = std::function<void(ProductFilter&)>;
const std::vector<std::vector<Setter>>& combinationChoices() {
    static const std::vector<std::vector<Setter>> choices = {
        {[](ProductFilter& f) { f.gender = "female"; }, [](ProductFilter& f) { f.gender = "unisex"; }},
        {[](ProductFilter& f) { f.ageRange = "adult"; }, [](ProductFilter& f) { f.ageRange = "kids"; }},
        {[](ProductFilter& f) { f.scenarios = {"sport"}; },
         [](ProductFilter& f) {
             f.scenarios = {"party", "通勤"};
         }},
        {[](ProductFilter& f) { f.styles = {"casual"}; },
         [](ProductFilter& f) {
             f.styles = {"street", "极简"};
         }},
        {[](ProductFilter& f) { f.designer = "Bo"; }, [](ProductFilter& f) { f.designer = "张三"; }},
        {[](ProductFilter& f) { f.q = "run"; }, [](ProductFilter& f) { f.q = "AB"; }},
    };
    return choices;
}

// Every combination: each of the six kinds unfiltered or set to one of its two values (3^6).
std::vector<ProductFilter> allCombinations() {
    const auto& choices = combinationChoices();
    std::vector<ProductFilter> out = {ProductFilter{}};
    for (const auto& kind : choices) {
        std::vector<ProductFilter> next;
        for (const auto& f : out) {
            next.push_back(f);
            for (const auto& set : kind) {
                next.push_back(f);
                set(next.back());
            }
        }
        out = std::move(next);
    }
    return out;
}

// A code point as UTF-8 (for the length limits, in four-byte characters).
std::string utf8(char32_t c) {
    std::string out;
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
    return out;
}

std::string repeated(char32_t c, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += utf8(c);
    return out;
}

void checkConflictOn(const std::optional<domain::DomainError>& e, const std::string& field) {
    BOOST_REQUIRE(e);
    BOOST_TEST(e->kind() == domain::ErrorKind::Conflict);
    BOOST_TEST(e->code() == "conflict");
    BOOST_REQUIRE_EQUAL(e->details().size(), 1u);
    BOOST_TEST(e->details()[0].field == field);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(product_repository, *boost::unit_test::label("db"))

BOOST_FIXTURE_TEST_CASE(insert_and_find_read_every_field, WithCatalogue) {
    store.read([&](Repositories& r) {
        for (const auto& p : products) {
            BOOST_TEST_CONTEXT(p.spuCode) {
                BOOST_TEST(p.id > 0);
                const auto byId = r.products().findById(p.id);
                const auto bySpu = r.products().findBySpu(p.spuCode);
                BOOST_TEST(byId.has_value() == !p.deleted);
                BOOST_TEST(bySpu.has_value() == !p.deleted);
                if (byId) checkSameProduct(*byId, p);
                if (bySpu) checkSameProduct(*bySpu, p);
            }
        }
        BOOST_TEST(!r.products().findById(products.back().id + 1000));
        BOOST_TEST(!r.products().findBySpu("NO-SUCH-SPU"));
    });
}

BOOST_FIXTURE_TEST_CASE(each_single_filter_selects_what_the_model_selects, WithCatalogue) {
    checkList({});
    for (const auto& g : domain::genderValues()) {
        ProductFilter f;
        f.gender = g;
        checkList(f);
    }
    for (const auto& a : domain::ageRangeValues()) {
        ProductFilter f;
        f.ageRange = a;
        checkList(f);
    }
    // Any of several values; exact values (another case is another tag).
    std::vector<std::vector<std::string>> scenarioSets, styleSets;
    for (const auto& v : kScenarios) scenarioSets.push_back({v});
    for (const auto& v : kStyles) styleSets.push_back({v});
    scenarioSets.insert(
        scenarioSets.end(),
        {{"commute", "party"}, {"sport", "通勤"}, kScenarios, {"nope"}, {"Commute"}, {"nope", "travel"}});
    styleSets.insert(styleSets.end(),
                     {{"casual", "classic"}, {"极简", "retro 😀"}, kStyles, {"retro"}, {"CASUAL"}});
    for (const auto& values : scenarioSets) {
        ProductFilter f;
        f.scenarios = values;
        checkList(f);
    }
    for (const auto& values : styleSets) {
        ProductFilter f;
        f.styles = values;
        checkList(f);
    }
    // Either designer field, exactly (case, accents and all).
    for (const std::string d : {"Ann", "ann", "ANN", "Bo", "张三", "Zoë 🎨", "Zoe 🎨", "Nobody"}) {
        ProductFilter f;
        f.designer = d;
        checkList(f);
    }
    for (const std::string q :
         {"run",    "RUNNER",      "mixed case", "MIXED",      "100%",  "%",    "%%",          "_",
          "under_", "der_s",       "r_s",        "!",          "bang!", "g! e", "!e",          "'",
          "kid's",  "KID'S TEE",   "\"",         "say \"hi\"", "\\",    "k\\s", "back\\slash", "运动",
          "运动鞋", "🎉",           "派对 🎉",     "#1",         " #2",   "AB",   "ab_",         "ab_0",
          "Ab_01",  "abx",         "ab.",        "ab.0",       "z-",    "Z-1",  "b_",          "nothing-here",
          "",       "%' OR '1'='1"})
        checkList(byQ(q));
}

BOOST_FIXTURE_TEST_CASE(every_combination_of_kinds_ands_them, WithCatalogue) {
    const auto filters = allCombinations();
    BOOST_TEST(filters.size() == 729u);
    std::size_t nonEmpty = 0;
    for (const auto& f : filters) {
        checkList(f);
        if (!expected(f).empty()) ++nonEmpty;
    }
    BOOST_TEST_MESSAGE(nonEmpty << " of " << filters.size() << " combinations select something");
    // The seed is rich enough for the combinations to mean something.
    BOOST_TEST(nonEmpty > 100u);
}

BOOST_FIXTURE_TEST_CASE(facets_count_the_lists_each_kind_ignoring_its_own_filter, WithCatalogue) {
    const auto& choices = combinationChoices();
    std::vector<ProductFilter> filters = {ProductFilter{}, byQ("nothing-here")};
    for (std::size_t k = 0; k < choices.size(); ++k)
        for (const auto& set : choices[k]) {
            filters.emplace_back();
            set(filters.back());
        }
    for (std::size_t a = 0; a < choices.size(); ++a)
        for (std::size_t b = a + 1; b < choices.size(); ++b) {
            filters.emplace_back();
            choices[a][0](filters.back());
            choices[b][1](filters.back());
        }
    for (std::size_t v = 0; v < 2; ++v) {
        filters.emplace_back();
        for (const auto& kind : choices) kind[v](filters.back());
    }
    for (const auto& f : filters) checkFacets(f);

    // Spot check against the model alone: without filters, the genders count every live product.
    const auto all = facetsOf(store, {});
    std::int64_t live = 0;
    for (const auto& g : domain::genderValues()) live += facetCount(all, "gender", g);
    BOOST_TEST(live == static_cast<std::int64_t>(expected({}).size()));
    BOOST_TEST(live == kSize - 5);
}

BOOST_FIXTURE_TEST_CASE(soft_deleted_products_vanish_but_keep_their_spu_code, WithSeedData) {
    auto keep1 = makeProduct("Alpha shoe", "SPU-A1", alice.id, kT0 + 1000);
    keep1.gender = "female";
    keep1.scenarios = {"sport"};
    keep1.threeDDesigner = "Ann";
    auto gone = makeProduct("Alpha boot", "SPU-Gone", alice.id, kT0 + 2000);
    gone.gender = "female";
    gone.ageRange = "kids";
    gone.scenarios = {"sport", "only-gone"};
    gone.styles = {"gone-style"};
    gone.graphicDesigner = "Gone Designer";
    auto keep2 = makeProduct("Beta", "SPU-B1", alice.id, kT0 + 3000);
    keep2.gender = "male";
    store.transact([&](Repositories& r) {
        for (auto* p : {&keep1, &gone, &keep2}) p->id = r.products().insert(*p);
    });
    ProductFilter onlyGone;
    onlyGone.scenarios = {"only-gone"};
    BOOST_TEST(walkIds(store, onlyGone) == Ids{gone.id}, boost::test_tools::per_element());
    BOOST_TEST(facetCount(facetsOf(store, {}), "scenario", "only-gone") == 1);

    store.transact([&](Repositories& r) { r.products().markDeleted(gone.id, kT0 + 9000); });

    store.read([&](Repositories& r) {
        BOOST_TEST(!r.products().findById(gone.id));
        BOOST_TEST(!r.products().findBySpu("SPU-Gone"));
        checkSameProduct(r.products().findById(keep1.id).value(), keep1);
        checkSameProduct(r.products().findBySpu("SPU-B1").value(), keep2);
    });
    BOOST_TEST(walkIds(store, {}) == (Ids{keep2.id, keep1.id}), boost::test_tools::per_element());
    BOOST_TEST(walkIds(store, {}, ProductSort::NameAsc) == (Ids{keep1.id, keep2.id}),
               boost::test_tools::per_element());
    std::vector<ProductFilter> goneOnly(5);
    goneOnly[0].scenarios = {"only-gone"};
    goneOnly[1].styles = {"gone-style"};
    goneOnly[2].designer = "Gone Designer";
    goneOnly[3].q = "boot";
    goneOnly[4].q = "spu-g";
    for (const auto& f : goneOnly) BOOST_TEST(walkIds(store, f).empty(), describe(f));
    BOOST_TEST(walkIds(store, byQ("alpha")) == Ids{keep1.id}, boost::test_tools::per_element());

    const auto facets = facetsOf(store, {});
    BOOST_TEST(facetCount(facets, "gender", "female") == 1);
    BOOST_TEST(facetCount(facets, "gender", "male") == 1);
    BOOST_TEST(facetCount(facets, "ageRange", "kids") == 0);
    BOOST_TEST(facetCount(facets, "ageRange", "adult") == 2);
    BOOST_TEST(facetCount(facets, "scenario", "sport") == 1);
    BOOST_TEST(facetCount(facets, "scenario", "only-gone") == 0);
    BOOST_TEST(facetCount(facets, "style", "gone-style") == 0);
    BOOST_TEST(facetCount(facets, "style", "casual") == 2);

    // The code stays reserved, in any case; only the product itself does not collide with it.
    store.read([&](Repositories& r) {
        for (const std::string code : {"SPU-Gone", "spu-gone", "SPU-GONE"}) {
            BOOST_TEST(r.products().spuTaken(code, 0), code);
            BOOST_TEST(r.products().spuTaken(code, keep1.id), code);
        }
        BOOST_TEST(!r.products().spuTaken("SPU-Gone", gone.id));
        BOOST_TEST(r.products().spuTaken("spu-a1", 0));
        BOOST_TEST(!r.products().spuTaken("spu-a1", keep1.id));
        BOOST_TEST(!r.products().spuTaken("SPU-A", 0));  // whole codes, not prefixes
        BOOST_TEST(!r.products().spuTaken("SPU-None", 0));
    });
    const auto e = catchDomainError([&] {
        store.transact(
            [&](Repositories& r) { r.products().insert(makeProduct("Again", "spu-GONE", alice.id)); });
    });
    checkConflictOn(e, "spuCode");
}

BOOST_FIXTURE_TEST_CASE(duplicate_spu_code_is_a_conflict_on_spu_code_in_any_case, WithSeedData) {
    auto first = makeProduct("First", "SPU-1", alice.id);
    auto second = makeProduct("Second", "SPU-2", alice.id);
    store.transact([&](Repositories& r) {
        first.id = r.products().insert(first);
        second.id = r.products().insert(second);
    });
    for (const std::string code : {"SPU-1", "spu-1", "Spu-1"}) {
        BOOST_TEST_CONTEXT(code) {
            const auto e = catchDomainError([&] {
                store.transact(
                    [&](Repositories& r) { r.products().insert(makeProduct("Dup", code, alice.id)); });
            });
            checkConflictOn(e, "spuCode");
        }
    }
    // An update onto another product's code, and an insert outside a transaction.
    auto renamed = second;
    renamed.spuCode = "sPU-1";
    checkConflictOn(
        catchDomainError([&] { store.transact([&](Repositories& r) { r.products().update(renamed); }); }),
        "spuCode");
    checkConflictOn(
        catchDomainError([&] {
            store.read([&](Repositories& r) { r.products().insert(makeProduct("Dup", "SPU-2", alice.id)); });
        }),
        "spuCode");
    BOOST_TEST(db.sessionsInUse() == 0);

    // The earlier writes of the transaction (row and tags) are rolled back with it.
    const auto inTx = catchDomainError([&] {
        store.transact([&](Repositories& r) {
            auto ok = makeProduct("Fine", "SPU-3", alice.id);
            ok.scenarios = {"rolled-back"};
            r.products().insert(ok);
            r.products().insert(makeProduct("Dup", "SPU-2", alice.id));
        });
    });
    checkConflictOn(inTx, "spuCode");
    BOOST_TEST(committedRows("products") == 2);
    BOOST_TEST(committedRows("product_tags") == 4);
    store.read([&](Repositories& r) {
        BOOST_TEST(!r.products().findBySpu("SPU-3"));
        BOOST_TEST(!r.products().spuTaken("SPU-3", 0));
        checkSameProduct(r.products().findById(second.id).value(), second);
    });
    ProductFilter rolledBack;
    rolledBack.scenarios = {"rolled-back"};
    BOOST_TEST(walkIds(store, rolledBack).empty());
}

BOOST_FIXTURE_TEST_CASE(update_replaces_every_field_and_the_tags, WithSeedData) {
    auto p = makeProduct("Old name", "UPD-1", alice.id, kT0 + 1000);
    p.scenarios = {"sport", "travel"};
    p.styles = {"casual"};
    p.threeDDesigner = "Ann";
    p.graphicDesigner = "Bo";
    auto other = makeProduct("Other", "UPD-2", bob.id, kT0 + 2000);
    other.gender = "male";
    other.scenarios = {"sport"};
    other.styles = {"classic"};
    store.transact([&](Repositories& r) {
        p.id = r.products().insert(p);
        other.id = r.products().insert(other);
    });

    auto changed = p;
    changed.name = "New name 新品";
    changed.spuCode = "UPD-1b";
    changed.gender = "female";
    changed.ageRange = "kids";
    changed.scenarios = {"party", "travel"};
    changed.styles = {"street", "极简"};
    changed.threeDDesigner = "Cy";
    changed.graphicDesigner = "";
    changed.updatedAt = kT0 + 5000;
    store.transact([&](Repositories& r) { r.products().update(changed); });

    store.read([&](Repositories& r) {
        checkSameProduct(r.products().findById(p.id).value(), changed);
        checkSameProduct(r.products().findBySpu("UPD-1b").value(), changed);
        BOOST_TEST(!r.products().findBySpu("UPD-1"));
        BOOST_TEST(!r.products().spuTaken("UPD-1", 0));  // the old code is free again
        checkSameProduct(r.products().findById(other.id).value(), other);
    });
    const auto only = [&](const ProductFilter& f, const Ids& want) {
        BOOST_TEST_CONTEXT(describe(f)) {
            BOOST_TEST(walkIds(store, f) == want, boost::test_tools::per_element());
        }
    };
    ProductFilter f;
    f.scenarios = {"sport"};
    only(f, {other.id});  // the old tag no longer matches
    f.scenarios = {"party"};
    only(f, {p.id});
    f.scenarios = {"travel"};
    only(f, {p.id});
    f = {};
    f.styles = {"casual"};
    only(f, {});
    f.styles = {"极简"};
    only(f, {p.id});
    f = {};
    f.designer = "Ann";
    only(f, {});
    f.designer = "Bo";
    only(f, {});
    f.designer = "Cy";
    only(f, {p.id});
    only(byQ("old"), {});
    only(byQ("新品"), {p.id});
    only(byQ("upd-1b"), {p.id});
    only(byQ("upd-1"), {p.id});
    only(byQ("upd-"), {other.id, p.id});
    f = {};
    f.gender = "female";
    f.ageRange = "kids";
    only(f, {p.id});

    auto facets = facetsOf(store, {});
    BOOST_TEST(facetCount(facets, "scenario", "sport") == 1);
    BOOST_TEST(facetCount(facets, "scenario", "party") == 1);
    BOOST_TEST(facetCount(facets, "scenario", "travel") == 1);
    BOOST_TEST(facetCount(facets, "style", "casual") == 0);
    BOOST_TEST(facetCount(facets, "style", "classic") == 1);
    BOOST_TEST(facetCount(facets, "style", "极简") == 1);
    BOOST_TEST(facetCount(facets, "gender", "unisex") == 0);

    // Back to fewer tags, one shared with the other product.
    changed.scenarios = {"sport"};
    changed.styles = {"classic"};
    changed.updatedAt += 1;
    store.transact([&](Repositories& r) { r.products().update(changed); });
    store.read([&](Repositories& r) { checkSameProduct(r.products().findById(p.id).value(), changed); });
    facets = facetsOf(store, {});
    BOOST_TEST(facetCount(facets, "scenario", "sport") == 2);
    BOOST_TEST(facetCount(facets, "scenario", "party") == 0);
    BOOST_TEST(facetCount(facets, "scenario", "travel") == 0);
    BOOST_TEST(facetCount(facets, "style", "classic") == 2);
    BOOST_TEST(facetCount(facets, "style", "street") == 0);
    f = {};
    f.scenarios = {"travel", "party"};
    only(f, {});
}

BOOST_FIXTURE_TEST_CASE(chinese_and_emoji_text_round_trips_through_insert_update_and_list, WithSeedData) {
    auto p = makeProduct("秋季 运动鞋 👟 Pro", "CN-1", alice.id, kT0);
    p.gender = "female";
    p.scenarios = {"通勤", "派对🎉", "😀😀"};
    p.styles = {"极简", "🔥 hot"};
    p.threeDDesigner = "张三";
    p.graphicDesigner = "Zoë 🎨";
    store.transact([&](Repositories& r) { p.id = r.products().insert(p); });
    const auto checkEverywhere = [&](const Product& want) {
        store.read([&](Repositories& r) {
            checkSameProduct(r.products().findById(want.id).value(), want);
            checkSameProduct(r.products().findBySpu(want.spuCode).value(), want);
        });
        for (const auto sort : kSorts) {
            ProductQuery q;
            q.sort = sort;
            const auto listed = walk(store, q);
            BOOST_REQUIRE_EQUAL(listed.size(), 1u);
            checkSameProduct(listed[0], want);
        }
        const auto facets = facetsOf(store, {});
        for (const auto& v : want.scenarios) BOOST_TEST(facetCount(facets, "scenario", v) == 1, v);
        for (const auto& v : want.styles) BOOST_TEST(facetCount(facets, "style", v) == 1, v);
    };
    checkEverywhere(p);

    const auto finds = [&](const ProductFilter& f) { return walkIds(store, f) == Ids{p.id}; };
    ProductFilter f;
    f.scenarios = {"派对🎉"};
    BOOST_TEST(finds(f));
    f.scenarios = {"派对"};  // tags are exact
    BOOST_TEST(!finds(f));
    f = {};
    f.styles = {"🔥 hot"};
    BOOST_TEST(finds(f));
    f = {};
    f.designer = "张三";
    BOOST_TEST(finds(f));
    f.designer = "Zoë 🎨";
    BOOST_TEST(finds(f));
    BOOST_TEST(finds(byQ("运动鞋")));
    BOOST_TEST(finds(byQ("👟 pro")));
    BOOST_TEST(!finds(byQ("🎉")));  // only in a tag, not in the name

    auto changed = p;
    changed.name = "冬季 靴子 ❄️🥾";
    changed.scenarios = {"户外", "🏔️"};
    changed.styles = {"复古 retro", "💎"};
    changed.threeDDesigner = "李四 🧑‍🎨";
    changed.graphicDesigner = "王五";
    changed.updatedAt = kT0 + 1;
    store.transact([&](Repositories& r) { r.products().update(changed); });
    checkEverywhere(changed);
    BOOST_TEST(finds(byQ("靴子")));
    BOOST_TEST(!finds(byQ("运动鞋")));
    f = {};
    f.scenarios = {"通勤"};
    BOOST_TEST(!finds(f));
    f.scenarios = {"🏔️"};
    BOOST_TEST(finds(f));
}

BOOST_FIXTURE_TEST_CASE(the_longest_valid_values_fit_in_four_byte_characters, WithSeedData) {
    // Built by the domain, so these are the limits it lets through: 100-character names,
    // 20 tags of 32 characters, 64-character designers; all four-byte UTF-8 here.
    domain::ProductInput in;
    in.name = repeated(U'👟', 50) + repeated(U'鞋', 50);
    in.spuCode = "L" + std::string(63, 'x');
    in.gender = "unisex";
    in.ageRange = "youth";
    in.scenarios.emplace();
    in.styles.emplace();
    for (int i = 0; i < 20; ++i) {
        in.scenarios->push_back(repeated(U'\U0001F300' + i, 32));
        in.styles->push_back(repeated(U'\U0001F600' + i, 32));
    }
    in.threeDDesigner = repeated(U'🎨', 64);
    in.graphicDesigner = repeated(U'\U00020000', 64);  // CJK extension B
    auto p = domain::buildProduct(in, std::nullopt);
    p.createdBy = alice.id;
    p.createdAt = p.updatedAt = kT0;
    store.transact([&](Repositories& r) { p.id = r.products().insert(p); });
    store.read([&](Repositories& r) { checkSameProduct(r.products().findById(p.id).value(), p); });
    ProductQuery q;
    const auto listed = walk(store, q);
    BOOST_REQUIRE_EQUAL(listed.size(), 1u);
    checkSameProduct(listed[0], p);
    const auto facets = facetsOf(store, {});
    for (const auto& v : p.scenarios) BOOST_TEST(facetCount(facets, "scenario", v) == 1);
    for (const auto& v : p.styles) BOOST_TEST(facetCount(facets, "style", v) == 1);
    ProductFilter f;
    f.scenarios = {p.scenarios.back()};
    f.designer = p.graphicDesigner;
    BOOST_TEST(walkIds(store, f) == Ids{p.id}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// A thousand live products: createdAt in 50 groups of 20 equal values, names p000–p299 (three or
// four products each; lowercase ASCII letters and digits, which both databases order bytewise).
struct WithThousandProducts : WithSeedData {
    WithThousandProducts() {
        store.transact([&](Repositories& r) {
            for (int i = 0; i < 1000; ++i) {
                char name[8];
                std::snprintf(name, sizeof name, "p%03d", i % 300);
                auto p = makeProduct(name, "K-" + std::to_string(i), alice.id, kT0 + (i % 50) * 1000);
                p.gender = domain::genderValues()[i % 3];
                p.id = r.products().insert(p);
                existing.push_back(p);
            }
        });
    }

    std::vector<Product> inOrder(ProductSort sort, const ProductFilter& f = {}) const {
        std::vector<Product> out;
        for (const auto& p : existing)
            if (matches(p, f)) out.push_back(p);
        std::sort(out.begin(), out.end(),
                  [&](const Product& a, const Product& b) { return precedes(a, b, sort); });
        return out;
    }

    std::vector<Product> existing;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(product_paging, *boost::unit_test::label("db"))

BOOST_FIXTURE_TEST_CASE(a_thousand_products_page_by_seven_each_exactly_once_in_both_sorts,
                        WithThousandProducts) {
    for (const auto sort : kSorts) {
        BOOST_TEST_CONTEXT(sort) {
            ProductQuery q;
            q.sort = sort;
            q.limit = 7;
            const auto walked = idsOf(walk(store, q));
            BOOST_TEST(walked == idsOf(inOrder(sort)), boost::test_tools::per_element());
            BOOST_TEST(std::set<ProductId>(walked.begin(), walked.end()).size() == 1000u);
            // Paging composes with a filter.
            ProductFilter female;
            female.gender = "female";
            q.filter = female;
            BOOST_TEST(idsOf(walk(store, q)) == idsOf(inOrder(sort, female)),
                       boost::test_tools::per_element());
        }
    }
    // Page sizes: full pages, then the rest, then an empty page.
    ProductQuery q;
    q.limit = 7;
    std::vector<std::size_t> sizes;
    for (int i = 0; i < 144; ++i) {
        const auto page = listPage(store, q);
        sizes.push_back(page.size());
        if (!page.empty()) q.after = domain::cursorAfter(page.back(), q.sort);
    }
    std::vector<std::size_t> want(142, 7);
    want.push_back(6);
    want.push_back(0);
    BOOST_TEST(sizes == want, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(products_inserted_during_a_walk_neither_repeat_nor_hide_others,
                        WithThousandProducts) {
    int serial = 0;
    for (const auto sort : kSorts) {
        BOOST_TEST_CONTEXT(sort) {
            std::vector<Product> ahead, behind;  // of the cursor when inserted
            int pages = 0;
            ProductQuery q;
            q.sort = sort;
            q.limit = 7;
            const auto walked = walk(store, q, [&](const Product& last) {
                if (++pages % 15 != 0) return;
                std::vector<std::pair<Product, bool>> batch;  // the product, whether ahead
                const auto fresh = [&](const std::string& name, domain::Millis at, bool isAhead) {
                    ++serial;
                    batch.emplace_back(makeProduct(name, "NEW-" + std::to_string(serial), bob.id, at),
                                       isAhead);
                };
                const auto tag = std::to_string(serial);
                if (sort == ProductSort::CreatedDesc) {
                    fresh("n" + tag, last.createdAt + 500, false);  // newer
                    fresh("n" + tag, last.createdAt, false);        // same time, larger id
                    fresh("n" + tag, last.createdAt - 1, true);     // older
                    fresh("n" + tag, kT0 - 1, true);                // oldest of all
                } else {
                    fresh("a" + tag, last.createdAt, false);
                    fresh(last.name.substr(0, 3), last.createdAt, false);  // "p12" < "p123"
                    fresh(last.name, last.createdAt, true);                // same name, larger id
                    fresh(last.name + "a", last.createdAt, true);
                    fresh("z" + tag, last.createdAt, true);
                }
                store.transact([&](Repositories& r) {
                    for (auto& [p, isAhead] : batch) {
                        p.id = r.products().insert(p);
                        (isAhead ? ahead : behind).push_back(p);
                    }
                });
            });
            BOOST_TEST(pages > 100);
            BOOST_TEST(!ahead.empty());

            std::map<ProductId, int> seen;
            for (const auto& p : walked) ++seen[p.id];
            for (const auto& [id, n] : seen)
                BOOST_TEST(n == 1, "product " << id << " seen " << n << " times");
            for (const auto& p : existing)
                BOOST_TEST(seen.count(p.id) == 1u, "missed " << p.name << " " << p.id);
            for (const auto& p : ahead)
                BOOST_TEST(seen.count(p.id) == 1u, "missed new " << p.name << " " << p.id);
            for (const auto& p : behind)
                BOOST_TEST(seen.count(p.id) == 0u, "saw new " << p.name << " " << p.id);
            BOOST_TEST(walked.size() == existing.size() + ahead.size());
            for (std::size_t i = 1; i < walked.size(); ++i)
                BOOST_TEST(precedes(walked[i - 1], walked[i], sort), "out of order at " << i);
            existing.insert(existing.end(), ahead.begin(), ahead.end());
            existing.insert(existing.end(), behind.begin(), behind.end());
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
