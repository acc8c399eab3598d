// Reading PostgreSQL URLs with libpq's own parser (in the PostgreSQL
// plugin, since libpq is loaded only with it).
#include <libpq-fe.h>

#include <cctype>
#include <memory>

#include <fmt/format.h>

#include "ecopt/core/error.hpp"
#include "postgres_plugin.hpp"

namespace ecopt {
namespace {

constexpr std::string_view kPercentEncodeHint =
    "percent-encode '@' as %40, '/' as %2F and '%' as %25 in the user name and password";

// libpq takes the user info up to the first '@' unless a '/' comes first;
// any '@' after that point means the URL does not say what it seems to
// (libpq would take the rest of a password for the host and print it).
bool reads_as_it_looks(std::string_view url) {
  const auto begin = url.find("://") + 3;
  const auto body = url.substr(begin, url.find('?', begin) - begin);
  const auto first = body.find_first_of("@/");
  const auto after_userinfo =
      first != std::string_view::npos && body[first] == '@' ? first + 1 : std::size_t{0};
  return body.find('@', after_userinfo) == std::string_view::npos;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (auto comma = text.find(','); comma != std::string::npos; comma = text.find(',', start)) {
    parts.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  parts.push_back(text.substr(start));
  return parts;
}

// "h1:5432,h2:5433" from host "h1,h2" and port "5432,5433".
std::string hosts_with_ports(const std::string& hosts, const std::string& ports) {
  const auto host_list = split_commas(hosts);
  const auto port_list = split_commas(ports);
  std::string shown;
  for (std::size_t i = 0; i < host_list.size(); ++i) {
    if (i > 0) shown += ',';
    shown += host_list[i];
    const std::string& port = port_list.size() == 1 ? port_list[0] : i < port_list.size() ? port_list[i] : "";
    if (!port.empty()) shown += ":" + port;
  }
  return shown;
}

// The URL rebuilt from what libpq read, so that what is shown is what is
// used, with the password (and the SSL key's) left out.
std::string shown_url(const std::vector<std::pair<std::string, std::string>>& keywords) {
  std::string user, host, port, dbname, query;
  bool has_password = false;
  for (const auto& [key, value] : keywords) {
    if (key == "password" || key == "sslpassword") {
      has_password = has_password || key == "password";
    } else if (key == "user") {
      user = value;
    } else if (key == "host" && value.find('/') == std::string::npos) {
      host = value;
    } else if (key == "port") {
      port = value;
    } else if (key == "dbname") {
      dbname = value;
    } else {
      query += fmt::format("{}{}={}", query.empty() ? "?" : "&", key, value);
    }
  }
  std::string userinfo = user + (has_password ? ":***" : "");
  if (!userinfo.empty()) userinfo += '@';
  return fmt::format("postgresql://{}{}/{}{}", userinfo, hosts_with_ports(host, port), dbname, query);
}

}  // namespace

PostgresTarget read_postgres_url(std::string_view url) {
  const std::string text(url);
  if (!reads_as_it_looks(text)) {
    throw StorageError(fmt::format("storage URL '{}' holds a raw '@' that libpq would not read as "
                                   "the end of the password; {}",
                                   redact_unparsed(text), kPercentEncodeHint));
  }
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(text.c_str(), &error), &PQconninfoFree);
  if (!options) {
    // libpq's message quotes the offending token, which may be the
    // password: only its description before the quote is kept.
    std::string reason = error ? error : "out of memory";
    if (error) PQfreemem(error);
    reason = reason.substr(0, reason.find(':'));
    while (!reason.empty() && std::isspace(static_cast<unsigned char>(reason.back()))) reason.pop_back();
    throw StorageError(fmt::format("storage URL '{}' is not a PostgreSQL URL libpq can read ({}); {}",
                                   redact_unparsed(text), reason, kPercentEncodeHint));
  }
  PostgresTarget target;
  for (const auto* option = options.get(); option->keyword; ++option) {
    if (option->val) target.keywords.emplace_back(option->keyword, option->val);
  }
  target.shown = shown_url(target.keywords);
  return target;
}

}  // namespace ecopt
