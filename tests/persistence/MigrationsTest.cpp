#include <Poco/Data/Session.h>

#include <boost/test/unit_test.hpp>
#include <stdexcept>
#include <string>

#include "Fixtures.hpp"
#include "persistence/SqlQuery.hpp"

using namespace mofang;
using namespace mofang::test;

BOOST_AUTO_TEST_SUITE(migrations, *boost::unit_test::label("db"))

BOOST_FIXTURE_TEST_CASE(an_empty_database_is_at_version_zero, Base) {
    persistence::Database db(uri, 1);
    BOOST_TEST(persistence::currentSchemaVersion(db) == 0);
}

BOOST_FIXTURE_TEST_CASE(first_run_applies_every_migration_in_order, WithDatabase) {
    BOOST_TEST(firstMigration.fromVersion == 0);
    BOOST_TEST(firstMigration.toVersion == persistence::latestSchemaVersion());
    BOOST_TEST(static_cast<int>(firstMigration.applied.size()) == persistence::latestSchemaVersion());
    BOOST_REQUIRE(!firstMigration.applied.empty());
    BOOST_TEST(firstMigration.applied.front().rfind("0001 ", 0) == 0u, firstMigration.applied.front());
    BOOST_TEST(persistence::currentSchemaVersion(db) == persistence::latestSchemaVersion());
    // Every table of the schema exists and starts empty.
    for (const char* table : {"users", "sessions", "login_failures", "operation_logs", "model_photos",
                              "model_photo_style_tags", "model_images", "image_tasks"})
        BOOST_TEST(committedRows(table) == 0, table);
}

BOOST_FIXTURE_TEST_CASE(second_run_applies_nothing, WithDatabase) {
    const auto again = persistence::migrate(db);
    BOOST_TEST(again.applied.empty());
    BOOST_TEST(again.fromVersion == persistence::latestSchemaVersion());
    BOOST_TEST(again.toVersion == persistence::latestSchemaVersion());

    // Another process starting up against the same database: nothing to do either.
    persistence::Database other(uri, 1);
    const auto third = persistence::migrate(other);
    BOOST_TEST(third.applied.empty());
    BOOST_TEST(persistence::currentSchemaVersion(other) == persistence::latestSchemaVersion());
    BOOST_TEST(committedRows("schema_migrations") == persistence::latestSchemaVersion());
}

BOOST_FIXTURE_TEST_CASE(a_database_newer_than_the_build_is_refused, WithDatabase) {
    const int newer = persistence::latestSchemaVersion() + 1;
    db.run([&](Poco::Data::Session& s) {
        persistence::SqlQuery(
            s, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)")
            .arg(newer)
            .exec();
    });
    try {
        persistence::migrate(db);
        BOOST_ERROR("migrate accepted a database newer than the build");
    } catch (const std::runtime_error& e) {
        const std::string message = e.what();
        BOOST_TEST(message.find("version " + std::to_string(newer) + " is newer") != std::string::npos,
                   message);
    }
    BOOST_TEST(persistence::currentSchemaVersion(db) == newer);
}

BOOST_AUTO_TEST_SUITE_END()
