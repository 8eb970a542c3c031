#pragma once

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>

#include <cstdint>
#include <optional>
#include <string>

namespace mofang::persistence {

// One parameterised statement: text with `?` placeholders, then arguments in order.
// Values are copied into the statement, so temporaries are fine.
class SqlQuery final {
  public:
    SqlQuery(Poco::Data::Session& session, const std::string& text);

    SqlQuery& arg(std::int64_t value);
    SqlQuery& arg(int value) { return arg(static_cast<std::int64_t>(value)); }
    SqlQuery& arg(const std::string& value);
    SqlQuery& arg(const char* value) { return arg(std::string(value)); }
    SqlQuery& arg(const std::optional<std::int64_t>& value);
    SqlQuery& arg(const std::optional<double>& value);

    // Executes a statement that returns rows.
    Poco::Data::RecordSet rows();
    // Executes a statement that changes rows; returns the number of affected rows.
    std::size_t exec();

  private:
    Poco::Data::Statement stmt_;
};

// Typed access to a RecordSet cell: NULL-aware and independent of how the driver typed it.
std::int64_t cellInt(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row);
std::optional<std::int64_t> cellOptInt(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row);
std::string cellText(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row);
std::optional<double> cellOptDouble(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row);

// The id of the row the session inserted last.
std::int64_t lastInsertId(Poco::Data::Session& session, bool sqlite);

}  // namespace mofang::persistence
