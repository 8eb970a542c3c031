#include <atomic>
#include <boost/test/unit_test.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "domain/VersionedCache.hpp"

using mofang::domain::VersionedCache;

namespace {

std::string keyOf(int i) {
    return "k" + std::to_string(i);
}

// The keys of 0 .. n-1 that `cache` still holds at `version`.
std::vector<int> keptOf(const VersionedCache<int>& cache, std::int64_t version, int n) {
    std::vector<int> kept;
    for (int i = 0; i < n; ++i)
        if (cache.find(version, keyOf(i))) kept.push_back(i);
    return kept;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(versioned_cache)

BOOST_AUTO_TEST_CASE(a_value_put_at_a_version_is_found_at_that_version) {
    VersionedCache<std::string> cache(8);
    BOOST_TEST(!cache.find(7, "a").has_value(), "an empty cache holds nothing");
    cache.put(7, "a", "alpha");
    cache.put(7, "b", "beta");
    BOOST_TEST(cache.find(7, "a").value_or("") == "alpha");
    BOOST_TEST(cache.find(7, "b").value_or("") == "beta");
    BOOST_TEST(!cache.find(7, "c").has_value());
    BOOST_TEST(!cache.find(7, "").has_value());
    BOOST_TEST(cache.size() == 2u);

    cache.put(7, "a", "alpha 2");  // the same key again: replaced, not added
    BOOST_TEST(cache.find(7, "a").value_or("") == "alpha 2");
    BOOST_TEST(cache.size() == 2u);
}

BOOST_AUTO_TEST_CASE(the_empty_key_and_version_zero_are_ordinary) {
    VersionedCache<std::string> cache(8);
    cache.put(0, "", "empty key at version 0");  // migration 6 starts the catalogue at 0
    BOOST_TEST(cache.find(0, "").value_or("-") == "empty key at version 0");
    BOOST_TEST(!cache.find(1, "").has_value());
}

BOOST_AUTO_TEST_CASE(another_version_misses_without_emptying) {
    VersionedCache<std::string> cache(8);
    cache.put(7, "a", "alpha");
    BOOST_TEST(!cache.find(8, "a").has_value());
    BOOST_TEST(!cache.find(6, "a").has_value());
    BOOST_TEST(!cache.find(-1, "a").has_value());
    // A find alone changes nothing: the value of version 7 is still there for version 7.
    BOOST_TEST(cache.find(7, "a").value_or("") == "alpha");
    BOOST_TEST(cache.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_put_at_another_version_empties_the_old_entries) {
    VersionedCache<std::string> cache(8);
    cache.put(7, "a", "alpha at 7");
    cache.put(7, "b", "beta at 7");
    cache.put(8, "a", "alpha at 8");
    BOOST_TEST(cache.size() == 1u);
    BOOST_TEST(cache.find(8, "a").value_or("") == "alpha at 8");
    BOOST_TEST(!cache.find(8, "b").has_value(), "beta of version 7 must not answer for version 8");
    BOOST_TEST(!cache.find(7, "a").has_value());
    BOOST_TEST(!cache.find(7, "b").has_value());

    // Back to an older version (a restored database, or a request that read the version before
    // the last change): that empties the cache as well.
    cache.put(7, "c", "gamma at 7");
    BOOST_TEST(cache.size() == 1u);
    BOOST_TEST(!cache.find(8, "a").has_value());
    BOOST_TEST(cache.find(7, "c").value_or("") == "gamma at 7");
}

BOOST_AUTO_TEST_CASE(when_full_the_oldest_half_goes_and_the_newest_stay) {
    constexpr int kCapacity = 8;
    VersionedCache<int> cache(kCapacity);
    for (int i = 0; i < kCapacity; ++i) cache.put(3, keyOf(i), i);
    BOOST_TEST(cache.size() == std::size_t{kCapacity});
    BOOST_TEST(keptOf(cache, 3, kCapacity).size() == std::size_t{kCapacity});

    cache.put(3, keyOf(kCapacity), kCapacity);  // the ninth: the four oldest go
    const std::vector<int> expected = {4, 5, 6, 7, 8};
    BOOST_TEST(keptOf(cache, 3, 20) == expected, boost::test_tools::per_element());
    BOOST_TEST(cache.find(3, keyOf(8)).value_or(-1) == 8);

    // Many more: never above capacity, and the newest is always there.
    for (int i = kCapacity + 1; i < 100; ++i) {
        cache.put(3, keyOf(i), i);
        BOOST_TEST_REQUIRE(cache.size() <= std::size_t{kCapacity});
        BOOST_TEST_REQUIRE(cache.find(3, keyOf(i)).value_or(-1) == i);
    }
    const auto kept = keptOf(cache, 3, 100);
    BOOST_TEST(kept.size() == cache.size());
    BOOST_TEST_REQUIRE(!kept.empty());
    // What is kept is a run of the newest keys, ending at the last one put.
    BOOST_TEST(kept.back() == 99);
    BOOST_TEST(kept.back() - kept.front() + 1 == static_cast<int>(kept.size()));
}

BOOST_AUTO_TEST_CASE(a_value_put_again_counts_as_new) {
    VersionedCache<int> cache(4);
    for (int i = 0; i < 4; ++i) cache.put(1, keyOf(i), i);
    cache.put(1, keyOf(0), 100);  // key 0 is now the newest
    cache.put(1, keyOf(4), 4);
    BOOST_TEST(cache.size() <= 4u);
    BOOST_TEST(cache.find(1, keyOf(4)).value_or(-1) == 4);
    BOOST_TEST(!cache.find(1, keyOf(1)).has_value(), "the oldest entry should have gone first");
}

BOOST_AUTO_TEST_CASE(capacity_one_keeps_the_last_value) {
    VersionedCache<int> cache(1);
    cache.put(1, "a", 1);
    cache.put(1, "b", 2);
    BOOST_TEST(cache.size() == 1u);
    BOOST_TEST(!cache.find(1, "a").has_value());
    BOOST_TEST(cache.find(1, "b").value_or(-1) == 2);
}

BOOST_AUTO_TEST_CASE(capacity_zero_keeps_nothing) {
    VersionedCache<int> cache(0);
    cache.put(1, "a", 1);
    cache.put(1, "a", 1);
    cache.put(2, "b", 2);
    BOOST_TEST(cache.size() == 0u);
    BOOST_TEST(!cache.find(1, "a").has_value());
    BOOST_TEST(!cache.find(2, "b").has_value());
}

// Four threads put and find on one cache, moving the version on from time to time. Whatever a
// find returns must be the value put for that key at that version; under TSan/ASan this is also
// the data race check.
BOOST_AUTO_TEST_CASE(concurrent_puts_and_finds_return_only_what_was_put_at_that_version) {
    VersionedCache<std::string> cache(16);
    std::atomic<int> wrong{0}, hits{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 4000; ++i) {
                const std::int64_t version = i / 500;  // a few versions, each used by every thread
                const std::string key = keyOf((i + t) % 8);
                const std::string value = std::to_string(version) + "/" + key;
                if (const auto found = cache.find(version, key)) {
                    ++hits;
                    if (*found != value) ++wrong;
                } else {
                    cache.put(version, key, value);
                }
                if (cache.size() > 16) ++wrong;
            }
        });
    }
    for (auto& th : threads) th.join();
    BOOST_TEST(wrong.load() == 0);
    // How often a thread found a value is up to the scheduler (threads at different versions
    // empty the cache for each other); only what was found is checked.
    BOOST_TEST_MESSAGE("hits: " << hits.load());
    BOOST_TEST(cache.size() <= 16u);
}

BOOST_AUTO_TEST_SUITE_END()
