// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/remote_exec.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace netraid::mirror::remote {

Transport ssh_transport() {
  return {{"ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=5", "{host}", "--"},
          true};
}

std::string shell_quote(std::string_view word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::vector<std::string> build_argv(const Transport& transport, const std::string& host,
                                    const std::vector<std::string>& command) {
  std::vector<std::string> argv;
  for (const auto& part : transport.argv_template) {
    std::string expanded = part;
    for (auto pos = expanded.find("{host}"); pos != std::string::npos; pos = expanded.find("{host}", pos + host.size()))
      expanded.replace(pos, 6, host);
    argv.push_back(std::move(expanded));
  }
  for (const auto& word : command) argv.push_back(transport.remote_shell_joins_arguments ? shell_quote(word) : word);
  return argv;
}

Transport parse_transport(const std::string& json_text) {
  Transport t;
  try {
    auto j = nlohmann::json::parse(json_text);
    t.argv_template = j.at("argv").get<std::vector<std::string>>();
    t.remote_shell_joins_arguments = j.value("shell_quote", true);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("remote_exec: ") + e.what() +
                                ": expected {\"argv\": [\"ssh\", \"{host}\", \"--\"], \"shell_quote\": true}");
  }
  if (t.argv_template.empty()) throw std::invalid_argument("remote_exec: argv is empty: give at least the program");
  return t;
}

}  // namespace netraid::mirror::remote
