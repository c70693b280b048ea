#include <checkpoint/storage/postgres_connection.hpp>

#include <cctype>
#include <map>

#include <libpq-fe.h>
#include <pqxx/pqxx>

#include <checkpoint/messages/error.hpp>

namespace checkpoint {

namespace {

// PostgreSQL limits channel names to 63 bytes.
constexpr const char* channel_suffix = ".checkpoints";

constexpr size_t max_schema_bytes
  = 63 - std::char_traits<char>::length(channel_suffix);

using conninfo_ptr
  = std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)>;

} // namespace

caf::expected<postgres_target>
postgres_target::parse(const std::string& dsn, const std::string& schema) {
  if (schema.empty() || schema.size() > max_schema_bytes
      || schema.find('\0') != std::string::npos)
    return make_error(ec::bad_input, "schema name must have 1 to "
                                       + std::to_string(max_schema_bytes)
                                       + " bytes and no NUL byte");
  char* parse_error = nullptr;
  conninfo_ptr options{PQconninfoParse(dsn.c_str(), &parse_error),
                       PQconninfoFree};
  if (!options) {
    // libpq's message may quote the password.
    PQfreemem(parse_error);
    return make_error(ec::bad_input, "the PostgreSQL connection string is "
                                     "malformed (details withheld: they may "
                                     "quote the password)");
  }
  std::map<std::string, std::string> given;
  for (auto* opt = options.get(); opt->keyword != nullptr; ++opt)
    if (opt->val != nullptr && *opt->val != '\0')
      given[opt->keyword] = opt->val;
  auto value = [&](const char* key) {
    auto i = given.find(key);
    return i != given.end() ? i->second : std::string{"default"};
  };
  postgres_target result;
  result.dsn_ = dsn;
  result.description_
    = "host " + (given.count("host") ? value("host") : value("hostaddr"))
      + ", port " + value("port") + ", database " + value("dbname");
  if (auto i = given.find("password"); i != given.end())
    result.password_ = i->second;
  result.channel_ = schema + channel_suffix;
  return result;
}

caf::expected<std::unique_ptr<pqxx::connection>>
postgres_target::connect(const std::string& context) const {
  try {
    auto result = std::make_unique<pqxx::connection>(dsn_);
    result->set_client_encoding("UTF8");
    return result;
  } catch (const std::exception& e) {
    return make_error(ec::store_unavailable,
                      context + ": cannot connect to PostgreSQL ("
                        + description_ + "): " + scrub(e.what()));
  }
}

std::string postgres_target::scrub(std::string text) const {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.pop_back();
  if (password_.empty())
    return text;
  static const std::string mask = "********";
  for (auto at = text.find(password_); at != std::string::npos;
       at = text.find(password_, at + mask.size()))
    text.replace(at, password_.size(), mask);
  return text;
}

} // namespace checkpoint
