#include <boost/test/unit_test.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "Fixtures.hpp"

using namespace mofang;
using namespace mofang::test;
using domain::Repositories;

BOOST_AUTO_TEST_SUITE(user_repository, *boost::unit_test::label("db"))

BOOST_FIXTURE_TEST_CASE(insert_gives_distinct_ids_and_find_by_id_reads_every_field, WithSeedData) {
    BOOST_TEST(alice.id > 0);
    BOOST_TEST(bob.id > alice.id);
    BOOST_TEST(carol.id > bob.id);
    store.read([&](Repositories& r) {
        for (const auto* expected : {&alice, &bob, &carol}) {
            const auto found = r.users().findById(expected->id);
            BOOST_REQUIRE(found);
            checkSameUser(*found, *expected);
        }
        BOOST_TEST(!r.users().findById(carol.id + 1000));
    });
}

BOOST_FIXTURE_TEST_CASE(find_by_login_matches_username_or_email_in_any_case, WithSeedData) {
    store.read([&](Repositories& r) {
        for (const std::string login :
             {"alice", "ALICE", "Alice", "alice@example.com", "ALICE@Example.COM"}) {
            const auto found = r.users().findByLogin(login);
            BOOST_REQUIRE_MESSAGE(found, login);
            BOOST_TEST(found->id == alice.id, login);
        }
        const auto byEmail = r.users().findByLogin("Carol@Example.Org");
        BOOST_REQUIRE(byEmail);
        checkSameUser(*byEmail, carol);
        for (const std::string login : {"nobody", "alic", "alice@example", "", "bob@example.org"})
            BOOST_TEST(!r.users().findByLogin(login), "'" << login << "' found someone");
    });
}

BOOST_FIXTURE_TEST_CASE(username_and_email_taken_ignore_case, WithSeedData) {
    store.read([&](Repositories& r) {
        BOOST_TEST(r.users().usernameTaken("alice"));
        BOOST_TEST(r.users().usernameTaken("ALICE"));
        BOOST_TEST(r.users().usernameTaken("Bob"));
        BOOST_TEST(!r.users().usernameTaken("dave"));
        BOOST_TEST(!r.users().usernameTaken("alice@example.com"));  // usernames only

        BOOST_TEST(r.users().emailTaken("alice@example.com", 0));
        BOOST_TEST(r.users().emailTaken("ALICE@EXAMPLE.COM", 0));
        BOOST_TEST(r.users().emailTaken("ALICE@EXAMPLE.COM", bob.id));
        // A user keeping (or re-casing) their own address does not collide with themselves.
        BOOST_TEST(!r.users().emailTaken("alice@example.com", alice.id));
        BOOST_TEST(!r.users().emailTaken("Alice@Example.com", alice.id));
        BOOST_TEST(!r.users().emailTaken("dave@example.com", 0));
        BOOST_TEST(!r.users().emailTaken("alice", 0));  // emails only
    });
}

BOOST_FIXTURE_TEST_CASE(update_round_trips_every_mutable_field, WithSeedData) {
    domain::User changed = bob;
    changed.email = "robert@example.net";
    changed.passwordHash = "$argon2id$new";
    changed.role = domain::Role::Uploader;
    changed.permissions = {"download.package", "model.generate", "product.write"};
    changed.status = domain::UserStatus::Inactive;
    changed.lastLogin = 1'700'000'900'123;  // null -> value
    changed.updatedAt = 1'700'000'900'456;
    store.transact([&](Repositories& r) { r.users().update(changed); });
    store.read([&](Repositories& r) {
        const auto found = r.users().findById(bob.id);
        BOOST_REQUIRE(found);
        checkSameUser(*found, changed);
        BOOST_TEST(r.users().findByLogin("robert@example.net")->id == bob.id);
        BOOST_TEST(!r.users().findByLogin("bob@example.com"));
        // Only bob changed.
        checkSameUser(*r.users().findById(alice.id), alice);
        checkSameUser(*r.users().findById(carol.id), carol);
    });

    changed.lastLogin.reset();  // value -> null
    changed.permissions.clear();
    changed.updatedAt += 1;
    store.transact([&](Repositories& r) { r.users().update(changed); });
    store.read([&](Repositories& r) { checkSameUser(*r.users().findById(bob.id), changed); });
}

BOOST_FIXTURE_TEST_CASE(list_pages_walk_every_user_exactly_once_in_id_order, WithSeedData) {
    std::vector<domain::UserId> inserted = {alice.id, bob.id, carol.id};
    store.transact([&](Repositories& r) {
        for (int i = 0; i < 5; ++i) {
            const auto name = "user" + std::to_string(i);
            inserted.push_back(r.users().insert(makeUser(name, name + "@example.com")));
        }
    });

    std::vector<domain::UserId> walked;
    std::vector<std::size_t> pageSizes;
    std::optional<domain::UserId> after;
    for (int guard = 0; guard < 10; ++guard) {
        std::vector<domain::User> page;
        store.read([&](Repositories& r) { page = r.users().list(after, 3); });
        pageSizes.push_back(page.size());
        if (page.empty()) break;
        for (const auto& u : page) walked.push_back(u.id);
        after = page.back().id;
    }
    BOOST_TEST(walked == inserted, boost::test_tools::per_element());
    BOOST_TEST(pageSizes == (std::vector<std::size_t>{3, 3, 2, 0}), boost::test_tools::per_element());

    store.read([&](Repositories& r) {
        const auto all = r.users().list(std::nullopt, 100);
        BOOST_REQUIRE_EQUAL(all.size(), inserted.size());
        checkSameUser(all[0], alice);  // list reads full rows, like findById
        BOOST_TEST(r.users().list(inserted.back(), 10).empty());
        BOOST_TEST(r.users().list(alice.id, 1).front().id == bob.id);
    });
}

BOOST_FIXTURE_TEST_CASE(count_active_admins_counts_only_active_admins, WithSeedData) {
    auto count = [&] {
        int n = -1;
        store.read([&](Repositories& r) { n = r.users().countActiveAdmins(); });
        return n;
    };
    BOOST_TEST(count() == 1);
    store.transact([&](Repositories& r) {
        r.users().insert(
            makeUser("idle-admin", "idle@example.com", domain::Role::Admin, domain::UserStatus::Inactive));
        r.users().insert(
            makeUser("gone-admin", "gone@example.com", domain::Role::Admin, domain::UserStatus::Blocked));
    });
    BOOST_TEST(count() == 1);
    store.transact([&](Repositories& r) {
        r.users().insert(makeUser("second-admin", "second@example.com", domain::Role::Admin));
    });
    BOOST_TEST(count() == 2);
    domain::User blocked = alice;
    blocked.status = domain::UserStatus::Blocked;
    store.transact([&](Repositories& r) { r.users().update(blocked); });
    BOOST_TEST(count() == 1);
}

BOOST_FIXTURE_TEST_CASE(duplicate_username_or_email_is_a_conflict_not_a_driver_error, WithSeedData) {
    const std::vector<domain::User> duplicates = {
        makeUser("alice", "other@example.com"),  // same username
        makeUser("ALICE", "other@example.com"),  // same username, other case
        makeUser("dave", "bob@example.com"),     // same email
        makeUser("dave", "Bob@EXAMPLE.com"),     // same email, other case
    };
    for (const auto& dup : duplicates) {
        BOOST_TEST_CONTEXT(dup.username << " / " << dup.email) {
            const auto e =
                catchDomainError([&] { store.transact([&](Repositories& r) { r.users().insert(dup); }); });
            BOOST_REQUIRE(e);
            BOOST_TEST(e->kind() == domain::ErrorKind::Conflict);
            BOOST_TEST(e->code() == "conflict");
        }
    }
    // Also outside a transaction, and the session that failed goes back to the pool usable.
    const auto e =
        catchDomainError([&] { store.read([&](Repositories& r) { r.users().insert(duplicates[0]); }); });
    BOOST_REQUIRE(e);
    BOOST_TEST(e->kind() == domain::ErrorKind::Conflict);
    BOOST_TEST(db.sessionsInUse() == 0);
    BOOST_TEST(committedRows("users") == 3);

    // The earlier writes of a transaction that hits the duplicate are rolled back with it.
    const auto inTx = catchDomainError([&] {
        store.transact([&](Repositories& r) {
            r.users().insert(makeUser("dave", "dave@example.com"));
            r.users().insert(makeUser("Carol", "carol2@example.org"));
        });
    });
    BOOST_REQUIRE(inTx);
    BOOST_TEST(inTx->kind() == domain::ErrorKind::Conflict);
    store.read([&](Repositories& r) { BOOST_TEST(!r.users().findByLogin("dave")); });
    BOOST_TEST(committedRows("users") == 3);
}

BOOST_AUTO_TEST_SUITE_END()
