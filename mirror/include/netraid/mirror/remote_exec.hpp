// SPDX-License-Identifier: GPL-2.0-or-later
// Running `netraid ...` on another system of the mirror. One small adapter:
// ssh by default (BatchMode, keys), replaceable by configuration, e.g. with
// LifeKeeper's lcdremexec or the lab's hostfs channel. The argument vector is
// built so that no remote shell re-interprets user input.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace netraid::mirror::remote {

struct Transport {
  // Template of the program to run; "{host}" is replaced by the system name.
  std::vector<std::string> argv_template;
  // True when the transport hands the command to a remote shell as one
  // string (ssh does): then each argument is single-quoted for that shell.
  bool remote_shell_joins_arguments = true;
};

Transport ssh_transport();

// "it's" -> 'it'\''s' : safe for any POSIX shell.
std::string shell_quote(std::string_view word);

// The full local argument vector that runs `command` on `host`.
std::vector<std::string> build_argv(const Transport& transport, const std::string& host,
                                    const std::vector<std::string>& command);

// Transport from /etc/netraid/netraid.json's "remote_exec" object:
// {"argv": ["ssh", "-o", "BatchMode=yes", "{host}", "--"], "shell_quote": true}
// Throws std::invalid_argument (one line) when malformed.
Transport parse_transport(const std::string& json_text);

}  // namespace netraid::mirror::remote
