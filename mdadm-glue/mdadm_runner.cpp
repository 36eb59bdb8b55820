// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mdadm/mdadm_runner.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/process.hpp>
#include <csignal>
#include <future>
#include <string_view>

#include "netraid/common/first_line.hpp"

namespace netraid::mdadm {

namespace bp = boost::process;
using common::first_line;

namespace {

boost::filesystem::path locate(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  auto found = bp::search_path(program);
  if (found.empty()) found = bp::search_path(program, {"/usr/sbin", "/sbin", "/usr/bin", "/bin"});
  return found;
}

}  // namespace

std::string describe_failure(const std::string& program, const Argv& argv, const RunResult& result) {
  std::string message = program;
  for (const auto& a : argv) message += " " + a;
  message += ": exit " + std::to_string(result.exit_code);
  auto reason = first_line(result.err);
  if (reason.empty()) reason = first_line(result.out);
  if (!reason.empty()) message += ": " + reason;
  return message;
}

MdadmRunner::MdadmRunner(std::string program) : program_(std::move(program)) {}

RunResult MdadmRunner::run(const Argv& argv) const { return run(argv, {}); }

RunResult MdadmRunner::run(const Argv& argv, const std::string& input) const {
  const auto exe = locate(program_);
  if (exe.empty())
    throw MdadmError(program_ + ": not found in PATH, /usr/sbin or /sbin: install it (Debian: apt-get install mdadm)",
                     {});
  boost::asio::io_context io;
  std::future<std::string> out;
  std::future<std::string> err;
  RunResult result;
  try {
    // Both pipes are drained by the io_context, so a chatty stderr cannot
    // block mdadm while we wait on stdout.
    // stdin is a pipe fed from `input` (empty: closed at once), never the caller's.
    bp::async_pipe in(io);
    bp::child child(exe, bp::args(argv), bp::std_in < in, bp::std_out > out, bp::std_err > err, io);
    // A program that exits without reading its input must not kill us with
    // SIGPIPE; ignored only now, so the child did not inherit the ignore.
    struct sigaction ignore {}, saved {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &saved);
    boost::asio::async_write(in, boost::asio::buffer(input),
                             [&in](const boost::system::error_code&, std::size_t) { in.close(); });
    io.run();
    ::sigaction(SIGPIPE, &saved, nullptr);
    child.wait();
    result.exit_code = child.exit_code();
  } catch (const bp::process_error& e) {
    throw MdadmError(program_ + ": could not run " + exe.string() + ": " + e.what(), {});
  }
  result.out = out.get();
  result.err = err.get();
  return result;
}

RunResult MdadmRunner::run_checked(const Argv& argv) const {
  auto result = run(argv);
  if (result.exit_code != 0) throw MdadmError(describe_failure(program_, argv, result), result);
  return result;
}

}  // namespace netraid::mdadm
