#pragma once

#include <string>
#include <vector>

#include "persistence/Database.hpp"

namespace mofang::persistence {

struct MigrationReport {
    int fromVersion = 0;
    int toVersion = 0;
    std::vector<std::string> applied;  // "0001 accounts"
};

// The newest schema version this build knows.
int latestSchemaVersion();
// The schema version of the database (0 when empty).
int currentSchemaVersion(Database& db);
// Applies every pending migration in order, each recorded in schema_migrations. Safe to run from
// several processes at once (MySQL: a named lock; SQLite: one write transaction). Refuses to run
// against a database newer than this build.
MigrationReport migrate(Database& db);

}  // namespace mofang::persistence
