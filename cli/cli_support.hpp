// SPDX-License-Identifier: GPL-2.0-or-later
// What every verb does around its work: parse, run, and turn any failure into
// one line on stderr ("netraid: VERB: problem: what to do") and an exit code;
// with --json among the arguments, also a JSON error object on stdout
// (netraid-common's verb_error).
#pragma once
#include <cstdio>
#include <functional>
#include <span>
#include <string>

#include "args.hpp"
#include "netraid/mirror/lifecycle.hpp"
#include "verb.hpp"

namespace netraid::cli {

int run_verb(const char* verb, const std::function<int()>& body);
// For verbs with machine output: `args` tell whether --json was asked for.
int run_verb(const char* verb, std::span<const std::string> args, const std::function<int()>& body);

// Progress lines to stderr: for verbs whose stdout is a report or JSON.
void say_on_stderr(mirror::Context& ctx);

// True (after printing `usage`) when args ask for help.
bool wants_help(std::span<const std::string> args, const char* usage);

}  // namespace netraid::cli
