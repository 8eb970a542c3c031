#include <atomic>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <latch>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "domain/Errors.hpp"
#include "fcgi/DownloadGate.hpp"

using mofang::domain::DomainError;
using mofang::domain::ErrorKind;
using mofang::fcgi::DownloadGate;
using Ticket = DownloadGate::Ticket;

namespace mofang::domain {
inline std::ostream& operator<<(std::ostream& os, ErrorKind kind) {
    return os << toString(kind);
}
}  // namespace mofang::domain

namespace {

// The DomainError that admit() throws; fails the test when it admits instead.
DomainError refusal(DownloadGate& gate, std::int64_t userId) {
    try {
        gate.admit(userId);
    } catch (const DomainError& e) {
        return e;
    }
    throw std::logic_error("expected a refusal, but the gate admitted user " + std::to_string(userId));
}

void checkRateLimited(const DomainError& e) {
    BOOST_TEST(e.kind() == ErrorKind::RateLimited);
    BOOST_TEST(e.code() == "too_many_downloads");
    BOOST_TEST(e.retryAfterSeconds() == 5);
}

void checkUnavailable(const DomainError& e) {
    BOOST_TEST(e.kind() == ErrorKind::Unavailable);
    BOOST_TEST(e.code() == "unavailable");
    BOOST_TEST(e.retryAfterSeconds() == 5);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(download_gate)

BOOST_AUTO_TEST_CASE(a_user_at_the_per_user_limit_is_rate_limited) {
    DownloadGate gate(2, 10);
    std::vector<Ticket> held;
    held.push_back(gate.admit(1));
    held.push_back(gate.admit(1));
    checkRateLimited(refusal(gate, 1));
    BOOST_TEST(gate.inUse() == 2);
    // Other users are not affected.
    held.push_back(gate.admit(2));
    held.push_back(gate.admit(2));
    checkRateLimited(refusal(gate, 2));
    BOOST_TEST(gate.inUse() == 4);
}

BOOST_AUTO_TEST_CASE(the_process_at_its_total_limit_is_unavailable) {
    DownloadGate gate(2, 3);
    std::vector<Ticket> held;
    held.push_back(gate.admit(1));
    held.push_back(gate.admit(2));
    held.push_back(gate.admit(3));
    checkUnavailable(refusal(gate, 4));
    checkUnavailable(refusal(gate, 1));  // under its own limit, but the process is full
    BOOST_TEST(gate.inUse() == 3);
    held.pop_back();
    BOOST_TEST(gate.inUse() == 2);
    held.push_back(gate.admit(4));
    BOOST_TEST(gate.inUse() == 3);
}

BOOST_AUTO_TEST_CASE(the_per_user_limit_is_reported_before_the_total) {
    DownloadGate gate(1, 2);
    auto a = gate.admit(1);
    auto b = gate.admit(2);
    checkRateLimited(refusal(gate, 1));
    checkUnavailable(refusal(gate, 3));
}

BOOST_AUTO_TEST_CASE(a_refusal_holds_no_place) {
    DownloadGate gate(1, 2);
    {
        auto a = gate.admit(1);
        auto b = gate.admit(2);
        for (int i = 0; i < 5; ++i) {
            refusal(gate, 1);
            refusal(gate, 3);
        }
        BOOST_TEST(gate.inUse() == 2);
    }
    BOOST_TEST(gate.inUse() == 0);
    auto c = gate.admit(3);
    auto d = gate.admit(1);
    BOOST_TEST(gate.inUse() == 2);
}

BOOST_AUTO_TEST_CASE(destroying_a_ticket_gives_its_place_back) {
    DownloadGate gate(1, 1);
    for (int i = 0; i < 3; ++i) {
        {
            auto t = gate.admit(7);
            BOOST_TEST(gate.inUse() == 1);
            checkRateLimited(refusal(gate, 7));
            checkUnavailable(refusal(gate, 8));
        }
        BOOST_TEST(gate.inUse() == 0);
    }
    auto other = gate.admit(8);
    BOOST_TEST(gate.inUse() == 1);
}

BOOST_AUTO_TEST_CASE(a_moved_ticket_releases_once) {
    DownloadGate gate(2, 10);
    std::optional<Ticket> kept;
    auto other = gate.admit(1);
    {
        auto t = gate.admit(1);
        Ticket middle(std::move(t));
        kept.emplace(std::move(middle));
    }  // t and middle, both moved from, give nothing back
    BOOST_TEST(gate.inUse() == 2);
    checkRateLimited(refusal(gate, 1));
    kept.reset();
    BOOST_TEST(gate.inUse() == 1);
    // Exactly one place came back: one more admission, not two.
    auto again = gate.admit(1);
    checkRateLimited(refusal(gate, 1));
    BOOST_TEST(gate.inUse() == 2);
}

BOOST_AUTO_TEST_CASE(a_shared_ticket_releases_when_the_last_owner_goes) {
    // As the package route holds it: a shared_ptr copied into the body stream.
    DownloadGate gate(1, 10);
    auto ticket = std::make_shared<Ticket>(gate.admit(5));
    auto copy = ticket;
    ticket.reset();
    BOOST_TEST(gate.inUse() == 1);
    checkRateLimited(refusal(gate, 5));
    copy.reset();
    BOOST_TEST(gate.inUse() == 0);
    auto again = gate.admit(5);
}

BOOST_AUTO_TEST_CASE(tickets_in_a_growing_vector_are_each_released_once) {
    DownloadGate gate(100, 100);
    std::vector<Ticket> held;
    for (int i = 0; i < 50; ++i) held.push_back(gate.admit(i % 3));
    BOOST_TEST(gate.inUse() == 50);
    for (int i = 0; i < 20; ++i) held.pop_back();
    BOOST_TEST(gate.inUse() == 30);
    held.clear();
    BOOST_TEST(gate.inUse() == 0);
}

BOOST_AUTO_TEST_CASE(concurrent_arrivals_for_one_user_admit_exactly_the_limit) {
    constexpr int kThreads = 16;
    constexpr int kPerUser = 3;
    DownloadGate gate(kPerUser, 100);
    std::latch tried(kThreads);
    std::atomic<int> admitted{0}, rateLimited{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
        threads.emplace_back([&] {
            std::optional<Ticket> t;
            try {
                t.emplace(gate.admit(42));
                ++admitted;
            } catch (const DomainError& e) {
                ++(e.kind() == ErrorKind::RateLimited ? rateLimited : other);
            }
            tried.arrive_and_wait();  // every ticket is held until all have tried
        });
    for (auto& t : threads) t.join();
    BOOST_TEST(admitted.load() == kPerUser);
    BOOST_TEST(rateLimited.load() == kThreads - kPerUser);
    BOOST_TEST(other.load() == 0);
    BOOST_TEST(gate.inUse() == 0);
}

BOOST_AUTO_TEST_CASE(concurrent_arrivals_of_many_users_admit_exactly_the_total) {
    constexpr int kThreads = 16;
    constexpr int kTotal = 5;
    DownloadGate gate(1, kTotal);
    std::latch tried(kThreads);
    std::atomic<int> admitted{0}, unavailable{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
        threads.emplace_back([&, i] {
            std::optional<Ticket> t;
            try {
                t.emplace(gate.admit(i));
                ++admitted;
            } catch (const DomainError& e) {
                ++(e.kind() == ErrorKind::Unavailable ? unavailable : other);
            }
            tried.arrive_and_wait();
        });
    for (auto& t : threads) t.join();
    BOOST_TEST(admitted.load() == kTotal);
    BOOST_TEST(unavailable.load() == kThreads - kTotal);
    BOOST_TEST(other.load() == 0);
    BOOST_TEST(gate.inUse() == 0);
}

BOOST_AUTO_TEST_CASE(churn_from_many_threads_never_exceeds_the_limits) {
    // Each thread admits and releases in a loop. A holder counts itself in after admit() and out
    // before its ticket goes, so the counts below never exceed what the gate holds: a count over
    // a limit means the gate let too many in.
    constexpr int kThreads = 8;
    constexpr int kUsers = 3;
    constexpr int kPerUser = 2;
    constexpr int kTotal = 4;
    constexpr int kRounds = 3000;
    DownloadGate gate(kPerUser, kTotal);
    std::atomic<int> perUser[kUsers] = {};
    std::atomic<int> total{0}, maxPerUser{0}, maxTotal{0}, admitted{0}, refused{0}, unexpected{0};
    const auto raiseTo = [](std::atomic<int>& max, int value) {
        int seen = max.load();
        while (value > seen && !max.compare_exchange_weak(seen, value)) {
        }
    };
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
        threads.emplace_back([&, i] {
            const int user = i % kUsers;
            start.arrive_and_wait();
            for (int round = 0; round < kRounds; ++round) {
                try {
                    auto ticket = gate.admit(user);
                    raiseTo(maxPerUser, ++perUser[user]);
                    raiseTo(maxTotal, ++total);
                    ++admitted;
                    std::this_thread::yield();
                    --total;
                    --perUser[user];
                } catch (const DomainError& e) {
                    const bool expected =
                        e.kind() == ErrorKind::RateLimited || e.kind() == ErrorKind::Unavailable;
                    ++(expected ? refused : unexpected);
                }
            }
        });
    for (auto& t : threads) t.join();
    BOOST_TEST(maxPerUser.load() <= kPerUser);
    BOOST_TEST(maxTotal.load() <= kTotal);
    BOOST_TEST(admitted.load() + refused.load() == kThreads * kRounds);
    BOOST_TEST(admitted.load() > 0);
    BOOST_TEST(unexpected.load() == 0);
    BOOST_TEST(gate.inUse() == 0);
    // Every place came back: each user can fill its quota again.
    std::vector<Ticket> held;
    held.push_back(gate.admit(0));
    held.push_back(gate.admit(0));
    held.push_back(gate.admit(1));
    held.push_back(gate.admit(1));
    checkUnavailable(refusal(gate, 2));
}

BOOST_AUTO_TEST_SUITE_END()
