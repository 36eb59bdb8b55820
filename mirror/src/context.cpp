// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/context.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <nlohmann/json.hpp>

#include "netraid/common/first_line.hpp"

namespace netraid::mirror {

namespace fs = std::filesystem;
using common::first_line;

namespace {

std::string joined(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

}  // namespace

Context::Context(settings::Settings s) : Context(s, real_system(s)) {}

Context::Context(settings::Settings s, std::shared_ptr<System> sys)
    : settings(std::move(s)), store(settings.conf_dir), system(std::move(sys)) {
  say = [](const std::string& line) { std::printf("netraid: %s\n", line.c_str()); std::fflush(stdout); };
}

ProgramResult Context::run(const std::vector<std::string>& argv) const { return system->run(argv); }

ProgramResult Context::run_checked(const std::vector<std::string>& argv) const {
  auto r = run(argv);
  if (r.exit_code != 0) {
    auto reason = first_line(r.err).empty() ? first_line(r.out) : first_line(r.err);
    throw OpError(joined(argv) + " failed (exit " + std::to_string(r.exit_code) + "): " + reason);
  }
  return r;
}

void fail_and_remove(const Context& ctx, const std::string& md, const std::string& leg) {
  ctx.mdadm(mdadm::fail_argv(md, leg));
  const auto remove = mdadm::remove_argv(md, leg);
  // Up to 10 s: the recovery thread stops at its next checkpoint.
  for (int attempt = 0; attempt < 50; ++attempt) {
    const auto r = ctx.mdadm(remove);
    if (r.exit_code == 0) return;
    if (r.err.find("busy") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ctx.mdadm_checked(remove);
}

namespace {
std::vector<std::string> mdadm_command(const mdadm::Argv& args) {
  std::vector<std::string> argv{"mdadm"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}
}  // namespace

ProgramResult Context::mdadm(const mdadm::Argv& args) const { return run(mdadm_command(args)); }
ProgramResult Context::mdadm_checked(const mdadm::Argv& args) const { return run_checked(mdadm_command(args)); }

ProgramResult Context::run_remote(const std::string& host, const std::vector<std::string>& args) const {
  // NETRAID_TRACE_REMOTE=1: each round trip to a peer and what it cost (the
  // fixed costs of extend/resume are mostly these).
  static const bool trace = [] {
    const char* v = std::getenv("NETRAID_TRACE_REMOTE");
    return v && *v && std::string(v) != "0";
  }();
  if (!trace) return system->run_on(host, args);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = system->run_on(host, args);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  std::string line = "netraid: remote " + host + ":";
  for (const auto& a : args) line += " " + a;
  std::fprintf(stderr, "%s (exit %d, %lld ms)\n", line.c_str(), r.exit_code, static_cast<long long>(ms));
  return r;
}

tunables::Tunables mirror_tunables(const Context& ctx, const config::MirrorConfig& m) {
  return tunables::for_mirror(ctx.settings.tunables, m.tunables, m.tag);
}

std::string md_name(const std::string& md_device) { return fs::path(md_device).filename().string(); }

std::string md_attribute(const Context& ctx, const std::string& md_device, const std::string& attribute) {
  return ctx.system->md_read(md_name(md_device), attribute).value_or("");
}

std::string free_md_device(const Context& ctx) {
  for (int n = 0; n < 128; ++n) {
    const std::string name = "md" + std::to_string(n);
    if (!ctx.system->md_read(name, "array_state")) return "/dev/" + name;
  }
  throw OpError("no free md device (md0..md127 are all in use): stop an unused array first");
}

bool md_active(const Context& ctx, const std::string& md_device) {
  auto state = md_attribute(ctx, md_device, "array_state");
  return !state.empty() && state != "clear" && state != "inactive";
}

bool mirror_active(const Context& ctx, const config::MirrorConfig& m, const std::string& node) {
  if (!md_active(ctx, m.md_device)) return false;
  const config::System* self = m.find(node);
  if (!self) return false;
  std::error_code ec;
  const auto real = fs::canonical(self->device, ec);
  const std::string leaf = (ec ? fs::path(self->device) : real).filename().string();
  return ctx.system->md_read(md_name(m.md_device), "dev-" + leaf + "/state").has_value();
}

std::string md_device_for(const Context& ctx, const config::MirrorConfig& m, const std::string& node) {
  if (!md_active(ctx, m.md_device) || mirror_active(ctx, m, node)) return m.md_device;
  return free_md_device(ctx);
}

std::string first_global_ipv4() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return {};
  std::string found;
  for (auto* a = list; a && found.empty(); a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
    auto* sin = reinterpret_cast<sockaddr_in*>(a->ifa_addr);
    if ((ntohl(sin->sin_addr.s_addr) >> 24) == 127) continue;
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
    found = buf;
  }
  freeifaddrs(list);
  return found;
}

Legs load_legs(const Context& ctx, const std::string& tag) {
  Legs legs;
  auto text = config::read_file(ctx.settings.run_dir + "/" + tag + ".legs.json");
  if (!text) return legs;
  try {
    legs = nlohmann::json::parse(*text).get<Legs>();
  } catch (const nlohmann::json::exception&) {
    throw OpError(ctx.settings.run_dir + "/" + tag + ".legs.json is damaged: remove it and run 'netraid resync " + tag +
                  "'");
  }
  return legs;
}

void save_legs(const Context& ctx, const std::string& tag, const Legs& legs) {
  config::write_file_atomically(ctx.settings.run_dir + "/" + tag + ".legs.json", nlohmann::json(legs).dump() + "\n");
}

std::vector<std::string> load_paused(const Context& ctx, const std::string& tag) {
  auto text = config::read_file(ctx.settings.run_dir + "/" + tag + ".paused.json");
  if (!text) return {};
  try {
    return nlohmann::json::parse(*text).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    throw OpError(ctx.settings.run_dir + "/" + tag + ".paused.json is damaged: remove it and run 'netraid resume " + tag + "'");
  }
}

void save_paused(const Context& ctx, const std::string& tag, const std::vector<std::string>& hosts) {
  config::write_file_atomically(ctx.settings.run_dir + "/" + tag + ".paused.json", nlohmann::json(hosts).dump() + "\n");
}

void mark_chunks_needed(const Context& ctx, const std::string& md_device, const std::vector<mdadm::ChunkRange>& ranges) {
  if (ranges.empty()) return;
  const auto md = md_name(md_device);
  auto warn = [&](const std::exception& e) {
    // Only costs a resync of those chunks.
    ctx.say(md_device + ": warning: md's resync checkpoint stays moved back (" + std::string(e.what()) + ")");
  };
  // md takes resync_start only with its sync actions frozen; freezing
  // interrupts a running sync, so only an idle array with nothing to resync.
  bool settle = md_attribute(ctx, md_device, "resync_start") == "none" &&
                md_attribute(ctx, md_device, "sync_action") == "idle";
  if (settle) {
    try {
      ctx.system->md_write(md, "sync_action", "frozen");
    } catch (const std::exception& e) {
      warn(e);
      settle = false;
    }
  }
  bool bits_written = false;
  try {
    for (const auto& piece : mdadm::format_bitmap_set_bits(ranges)) ctx.system->md_write(md, "bitmap_set_bits", piece);
    bits_written = true;
    if (settle) ctx.system->md_write(md, "resync_start", "none");
  } catch (const std::exception& e) {
    if (settle) {
      try {
        ctx.system->md_write(md, "sync_action", "idle");
      } catch (const std::exception&) {
      }
    }
    if (!bits_written) throw;  // the bits are what matters: the caller's failure
    warn(e);
    return;
  }
  if (settle) {
    try {
      ctx.system->md_write(md, "sync_action", "idle");
    } catch (const std::exception& e) {
      ctx.say(md_device + ": warning: md's sync actions stay frozen (" + std::string(e.what()) +
              "): write 'idle' to /sys/block/" + md + "/md/sync_action");
    }
  }
}

}  // namespace netraid::mirror
