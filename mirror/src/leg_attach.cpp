// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/leg_attach.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>

namespace netraid::mirror {

std::vector<std::string> attach_args(const config::MirrorConfig& m, const config::System& t,
                                     const std::string& device, std::uint64_t min_bytes) {
  std::vector<std::string> args{"attach", t.address + ":" + std::to_string(t.port), m.tag};
  if (!device.empty()) args.insert(args.end(), {"--device", device});
  if (min_bytes > 0) args.insert(args.end(), {"--size", std::to_string(min_bytes)});
  if (m.grace_seconds > 0) args.insert(args.end(), {"--dead-conn-timeout", std::to_string(m.grace_seconds)});
  return args;
}

std::string nbd_device_in(const std::string& text) {
  static const std::regex nbd(R"((/dev/nbd[0-9]+))");
  std::string found;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), nbd); it != std::sregex_iterator(); ++it)
    found = (*it)[1];
  return found;
}

void start_link_watch(const Context& ctx, const config::MirrorConfig& m, const std::string& host,
                      const std::string& nbd) {
  if (m.grace_seconds == 0) return;
  const std::string log = "/var/log/netraid/" + m.tag + "-" + host + ".watch.log";
  ::mkdir("/var/log/netraid", 0755);
  // Double fork: the watcher outlives this command and is nobody's zombie.
  pid_t child = ::fork();
  if (child < 0) throw OpError("cannot start the link watcher for " + nbd + ": fork failed");
  if (child == 0) {
    if (::fork() != 0) ::_exit(0);
    ::setsid();
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (out < 0) out = ::open("/dev/null", O_WRONLY);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::execl(ctx.self_exe.c_str(), ctx.self_exe.c_str(), "nbd-watch", nbd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ctx.say("watching the link of " + nbd + " (" + host + "): I/O waits up to " + std::to_string(m.grace_seconds) +
          " s for a reconnect before md fails the leg");
}

}  // namespace netraid::mirror
