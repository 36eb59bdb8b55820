// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/mirror_ops.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>
#include <nlohmann/json.hpp>

#include "netraid/mirror/failover_ops.hpp"  // issue 7: failover flags hooks
#include "netraid/mirror/leg_attach.hpp"
#include "netraid/mirror/local_device.hpp"
#include "netraid/common/quote.hpp"
#include "netraid/mdadm/mdadm_argv.hpp"
#include "netraid/mdadm/mdadm_runner.hpp"
#include "netraid/mdadm/sysfs_attributes.hpp"
#include "netraid/mirror/remote_exec.hpp"

namespace netraid::mirror {

namespace fs = std::filesystem;
using config::MirrorConfig;
using config::System;

namespace {

// md needs room for its superblock and bitmap; anything smaller is a mistake.
constexpr std::uint64_t kMinDeviceBytes = 16ull << 20;

std::string first_line(const std::string& text) {
  auto start = text.find_first_not_of("\n ");
  if (start == std::string::npos) return {};
  return text.substr(start, text.find('\n', start) - start);
}

std::string joined(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

std::string read_attr(const std::string& md_device, const std::string& attribute) {
  try {
    return mdadm::MdSysfs(md_name(md_device)).read(attribute);
  } catch (const std::exception&) {
    return {};
  }
}

std::string free_md_device() {
  for (int n = 0; n < 128; ++n) {
    const std::string name = "md" + std::to_string(n);
    if (!fs::exists("/sys/block/" + name + "/md")) return "/dev/" + name;
  }
  throw OpError("no free md device (md0..md127 are all in use): stop an unused array first");
}

}  // namespace

Context::Context(settings::Settings s) : settings(std::move(s)), store(settings.conf_dir) {
  std::error_code ec;
  self_exe = fs::read_symlink("/proc/self/exe", ec).string();
  if (self_exe.empty()) self_exe = "netraid";
  say = [](const std::string& line) { std::printf("netraid: %s\n", line.c_str()); std::fflush(stdout); };
}

ProgramResult Context::run(const std::vector<std::string>& argv) const {
  mdadm::MdadmRunner runner(argv.at(0));
  try {
    auto r = runner.run({argv.begin() + 1, argv.end()});
    return {r.exit_code, r.out, r.err};
  } catch (const mdadm::MdadmError& e) {
    throw OpError(argv.at(0) + ": cannot run it: " + first_line(e.what()) + ": install it or fix PATH");
  }
}

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

ProgramResult Context::run_self(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{self_exe};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

ProgramResult Context::run_remote(const std::string& host, const std::vector<std::string>& args) const {
  std::vector<std::string> command{settings.remote_netraid};
  command.insert(command.end(), args.begin(), args.end());
  return run(remote::build_argv(settings.transport, host, command));
}

std::string md_name(const std::string& md_device) { return fs::path(md_device).filename().string(); }

bool md_active(const std::string& md_device) {
  auto state = read_attr(md_device, "array_state");
  return !state.empty() && state != "clear" && state != "inactive";
}

bool mirror_active(const config::MirrorConfig& m, const std::string& node) {
  if (!md_active(m.md_device)) return false;
  const System* self = m.find(node);
  if (!self) return false;
  std::error_code ec;
  const auto real = fs::canonical(self->device, ec);
  const std::string leaf = (ec ? fs::path(self->device) : real).filename().string();
  return fs::exists("/sys/block/" + md_name(m.md_device) + "/md/dev-" + leaf, ec);
}

std::string md_device_for(const config::MirrorConfig& m, const std::string& node) {
  if (!md_active(m.md_device) || mirror_active(m, node)) return m.md_device;
  return free_md_device();
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

void create(Context& ctx, const CreateRequest& req) {
  if (auto e = config::validate_tag(req.tag); !e.empty()) throw UsageError(e);
  if (auto e = config::validate_device_path(req.local_device); !e.empty()) throw UsageError(e);
  if (!req.mount_dir.empty() && req.mount_dir[0] != '/')
    throw UsageError("mount point " + common::quoted(req.mount_dir) + " is not an absolute path: give e.g. /data");
  MirrorConfig m;
  m.tag = req.tag;
  m.bitmap_chunk_kib = req.chunk_kib;
  m.grace_seconds = req.grace_seconds;
  m.mount_dir = req.mount_dir;
  m.fstype = req.mount_dir.empty() ? "" : req.fstype;
  const std::string address = req.address.empty() ? first_global_ipv4() : req.address;
  auto others = ctx.store.list();
  // Each mirror a system may serve needs its own port.
  m.systems.push_back({ctx.settings.node_name, address, req.local_device,
                       config::free_port(ctx.settings.node_name, others), 1, config::ReplicationMode::kSync});
  if (auto e = config::validate(m); !e.empty()) throw UsageError(e);
  if (auto e = config::find_conflict(m, others); !e.empty()) throw UsageError(e);
  if (auto e = device::leg_refusal(device::inspect_for_leg(req.local_device), kMinDeviceBytes); !e.empty())
    throw UsageError(e);
  if (!req.mount_dir.empty() && !fs::is_directory(req.mount_dir))
    throw UsageError("mount point " + req.mount_dir + " is not a directory: create it first");

  m.md_device = free_md_device();
  for (const auto& o : others)
    if (o.md_device == m.md_device) throw OpError("md device " + m.md_device + " is reserved by mirror " + o.tag);

  ctx.say("creating mirror " + m.tag + " on " + m.md_device + " with local leg " + req.local_device +
          " (degraded until a target is added; bitmap chunk " + std::to_string(m.bitmap_chunk_kib) + " KiB)");
  mdadm::CreateRaid1 spec;
  spec.md_device = m.md_device;
  spec.local_device = req.local_device;
  spec.raid_devices = 2;
  spec.bitmap_chunk_kb = m.bitmap_chunk_kib;
  spec.name = m.tag;
  ctx.mdadm_checked(mdadm::create_degraded_raid1_argv(spec));
  ctx.store.save(m);
  save_legs(ctx, m.tag, {});
  // issue 7: this system is the source of a new mirror (last_owner, source, first generation).
  failover::on_created(ctx, m.tag);

  if (!m.mount_dir.empty()) {
    ctx.say("making an " + m.fstype + " file system on " + m.md_device + " and mounting it on " + m.mount_dir);
    if (m.fstype == "xfs")
      ctx.run_checked({"mkfs.xfs", "-q", "-f", m.md_device});
    else
      // Inode tables and journal zeroed now, while the mirror is local only:
      // lazily they would be zeroed by the kernel after mount, replicated to
      // every target and dirtying bitmap chunks for minutes.
      ctx.run_checked({"mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", m.md_device});
    ctx.run_checked({"mount", "-t", m.fstype, m.md_device, m.mount_dir});
  }
  ctx.say("mirror " + m.tag + " is in service on " + ctx.settings.node_name + ": next, 'netraid extend " + m.tag +
          " --target HOST'");
}

namespace {

struct RemoteNode {
  std::string name;
  std::string address;
  std::vector<MirrorConfig> mirrors;  // the mirrors it knows (its /etc/netraid)
};

RemoteNode ask_node_info(const Context& ctx, const std::string& target) {
  auto r = ctx.run_remote(target, {"node-info", "--json"});
  if (r.exit_code != 0)
    throw OpError("cannot run netraid on " + target + " (exit " + std::to_string(r.exit_code) + ": " +
                  first_line(r.err) + "): check that it is reachable and has netraid installed");
  try {
    auto j = nlohmann::json::parse(r.out);
    RemoteNode node{j.at("node").get<std::string>(), j.value("address", ""), {}};
    if (j.contains("mirrors"))
      for (const auto& mirror : j.at("mirrors")) node.mirrors.push_back(config::parse(mirror.dump()));
    return node;
  } catch (const std::exception&) {
    throw OpError("netraid on " + target + " answered node-info with something this version cannot read: '" +
                  first_line(r.out) + "': check its version");
  }
}

// Pushes M's configuration to every other system of the mirror: whichever
// takes over later must know all the targets it is to reconnect.
void share_config(Context& ctx, const MirrorConfig& m) {
  const std::string json = config::render(m);
  for (const auto& s : m.systems) {
    if (s.host == ctx.settings.node_name) continue;
    auto r = ctx.run_remote(s.host, {"config-import", json});
    if (r.exit_code != 0)
      ctx.say("warning: " + s.host + " keeps an older configuration of " + m.tag + ": " + first_line(r.err) +
              " (when it is reachable, give it this system's /etc/netraid/" + m.tag +
              ".json with 'netraid config-import')");
  }
}

}  // namespace

void extend(Context& ctx, const ExtendRequest& req) {
  MirrorConfig m = ctx.store.load(req.tag);
  const System* self = m.find(ctx.settings.node_name);
  if (!self) throw UsageError("this system (" + ctx.settings.node_name + ") is not part of mirror " + m.tag);
  if (!mirror_active(m, ctx.settings.node_name))
    throw OpError("mirror " + m.tag + " is not in service here (" + m.md_device +
                  " is not active): extend it on its source system");
  if (static_cast<int>(m.systems.size()) - 1 >= config::kMaxTargets)
    throw UsageError("mirror " + m.tag + " already has " + std::to_string(config::kMaxTargets) +
                     " targets, the most it can have: unextend one first");
  if (req.priority < 1) throw UsageError("priority " + std::to_string(req.priority) + " is invalid: use 1 or more");

  ctx.say("asking " + req.target + " who it is");
  const RemoteNode node = ask_node_info(ctx, req.target);
  if (node.name == ctx.settings.node_name)
    throw UsageError(req.target + " is this system (" + node.name + "): a target must be another system");
  if (m.find(node.name)) throw UsageError(node.name + " is already part of mirror " + m.tag + ": nothing to do");

  System target;
  target.host = node.name;
  target.address = req.target_address.empty() ? (node.address.empty() ? req.target : node.address) : req.target_address;
  target.device = req.target_device.empty() ? self->device : req.target_device;
  // Mirrors known here or on the target (whose other sources this system may
  // not know: N+1) hold ports and disks there. Their md devices do not
  // conflict: each system picks its own when it runs an array.
  auto others = ctx.store.list();
  for (auto known : node.mirrors) {
    if (known.tag == m.tag && !known.find(ctx.settings.node_name))
      throw UsageError(node.name + " already holds another mirror named " + m.tag +
                       " (of other systems): give this mirror another tag, or delete that one there");
    const bool seen = std::any_of(others.begin(), others.end(), [&](const MirrorConfig& o) { return o.tag == known.tag; });
    known.md_device.clear();
    if (!seen) others.push_back(known);
  }
  others.erase(std::remove_if(others.begin(), others.end(), [&](const MirrorConfig& o) { return o.tag == m.tag; }),
               others.end());
  target.port = req.port ? req.port : config::free_port(node.name, others);
  target.priority = req.priority;
  target.mode = req.mode;
  MirrorConfig grown = m;
  grown.systems.push_back(target);
  if (auto e = config::validate(grown); !e.empty()) throw UsageError(e);
  if (auto e = config::find_conflict(grown, others); !e.empty()) throw UsageError(e);
  // The target's disk must be at least as large as the local leg.
  const std::uint64_t needed = device::inspect(self->device).size_bytes;

  ctx.say("starting the NBD server for " + m.tag + " on " + node.name + " (" + target.device + ", port " +
          std::to_string(target.port) + ", only " + self->address + " may connect)");
  std::vector<std::string> serve{"serve", m.tag, "--device", target.device, "--listen", target.address,
                                 "--port", std::to_string(target.port), "--allow", self->address,
                                 // O_DIRECT: an acknowledged write must not sit in the target's page
                                 // cache, or a target crash loses it behind md's back (README).
                                 "--direct"};
  if (needed > 0) serve.insert(serve.end(), {"--size", std::to_string(needed)});
  auto served = ctx.run_remote(req.target, serve);
  if (served.exit_code != 0)
    throw OpError("the target " + node.name + " refused to serve " + m.tag + ": " +
                  (first_line(served.err).empty() ? first_line(served.out) : first_line(served.err)));

  auto stop_remote = [&] { ctx.run_remote(req.target, {"serve", "--stop", m.tag}); };
  ctx.say("attaching " + target.address + ":" + std::to_string(target.port) + " as a kernel NBD device");
  auto attached = ctx.run_self(attach_args(grown, target, "", needed));
  const std::string nbd = nbd_device_in(attached.out);
  if (attached.exit_code != 0 || nbd.empty()) {
    stop_remote();
    throw OpError("cannot attach the target " + node.name + ": " +
                  (first_line(attached.err).empty() ? first_line(attached.out) : first_line(attached.err)));
  }
  auto detach = [&] { ctx.run_self({"detach", nbd}); };
  try {
    // A new target always gets a full initial sync: wipe any old md
    // superblock on it so md cannot take stale data for a bitmap re-add.
    ctx.mdadm(mdadm::zero_superblock_argv(nbd));
    const unsigned legs_needed = static_cast<unsigned>(grown.systems.size());
    const auto raid_disks = read_attr(m.md_device, "raid_disks");
    if (!raid_disks.empty() && static_cast<unsigned>(std::stoul(raid_disks)) < legs_needed) {
      ctx.say("growing " + m.md_device + " to " + std::to_string(legs_needed) + " legs");
      // --force: the new slot stays empty (degraded) until the --add below
      // fills it; without it mdadm wants a spare already in the array.
      ctx.mdadm_checked(mdadm::grow_raid_devices_argv(m.md_device, legs_needed, /*force=*/true));
    }
    ctx.say("adding " + nbd + " to " + m.md_device + ": full initial sync of " + node.name + " starts");
    // Plain --add, then write-mostly through sysfs: mdadm 4.2's
    // --add --write-mostly into a degraded RAID1 leaves the leg faulty.
    ctx.mdadm_checked(mdadm::add_argv(m.md_device, nbd));
    mdadm::MdSysfs(md_name(m.md_device)).write("dev-" + fs::path(nbd).filename().string() + "/state", "writemostly");
  } catch (...) {
    try {
      fail_and_remove(ctx, m.md_device, nbd);
    } catch (const OpError&) {  // rolling back: the leg may never have been added
    }
    detach();
    stop_remote();
    throw;
  }
  start_link_watch(ctx, grown, node.name, nbd);
  auto legs = load_legs(ctx, m.tag);
  legs[node.name] = nbd;
  save_legs(ctx, m.tag, legs);
  ctx.store.save(grown);
  // Every system keeps the same configuration, for the day it takes over.
  share_config(ctx, grown);
  // issue 7: record the new target as resyncing, here and on the target.
  failover::on_extended(ctx, grown, node.name);
  ctx.say("mirror " + m.tag + " extended to " + node.name + " (" + nbd + "); follow the sync with 'netraid wait " +
          m.tag + "'");
}

void unextend(Context& ctx, const std::string& tag, const std::string& target) {
  MirrorConfig m = ctx.store.load(tag);
  auto it = std::find_if(m.systems.begin() + 1, m.systems.end(),
                         [&](const System& s) { return s.host == target || s.address == target; });
  if (m.systems.empty() || it == m.systems.end())
    throw UsageError(common::quoted(target) + " is not a target of mirror " + tag + ": see 'netraid status " + tag +
                     "'");
  const System gone = *it;
  auto legs = load_legs(ctx, tag);
  if (auto leg = legs.find(gone.host); leg != legs.end()) {
    ctx.say("removing " + leg->second + " (" + gone.host + ") from " + m.md_device);
    fail_and_remove(ctx, m.md_device, leg->second);
    ctx.run_self({"detach", leg->second});
    legs.erase(leg);
    save_legs(ctx, tag, legs);
  }
  m.systems.erase(it);
  const auto raid_disks = read_attr(m.md_device, "raid_disks");
  if (!raid_disks.empty() && std::stoul(raid_disks) > std::max<std::size_t>(2, m.systems.size()))
    ctx.mdadm(mdadm::grow_raid_devices_argv(m.md_device, static_cast<unsigned>(std::max<std::size_t>(2, m.systems.size()))));
  ctx.say("stopping the NBD server on " + gone.host);
  auto stopped = ctx.run_remote(gone.host, {"serve", "--stop", tag});
  if (stopped.exit_code != 0)
    ctx.say("warning: could not stop the server on " + gone.host + ": " + first_line(stopped.err) +
            " (run 'netraid serve --stop " + tag + "' there)");
  ctx.run_remote(gone.host, {"config-forget", tag});
  ctx.store.save(m);
  share_config(ctx, m);
  ctx.say("mirror " + tag + " no longer replicates to " + gone.host);
}

void remove_mirror(Context& ctx, const std::string& tag, bool force) {
  MirrorConfig m = ctx.store.load(tag);
  if (auto facts = device::inspect(m.md_device); !facts.mounted_on.empty()) {
    if (!force)
      throw UsageError("mirror " + tag + " is mounted on " + facts.mounted_on +
                       ": unmount it first, or give --force to unmount it");
    ctx.say("unmounting " + facts.mounted_on);
    ctx.run_checked({"umount", facts.mounted_on});
  }
  if (mirror_active(m, ctx.settings.node_name)) {
    ctx.say("stopping " + m.md_device);
    ctx.mdadm_checked(mdadm::stop_argv(m.md_device));
  }
  for (const auto& [host, nbd] : load_legs(ctx, tag)) {
    ctx.say("detaching " + nbd + " (" + host + ")");
    ctx.run_self({"detach", nbd});
  }
  for (std::size_t i = 1; i < m.systems.size(); ++i) {
    const auto& t = m.systems[i];
    if (t.host == ctx.settings.node_name) continue;
    ctx.say("stopping the NBD server on " + t.host);
    auto r = ctx.run_remote(t.host, {"serve", "--stop", tag});
    if (r.exit_code != 0)
      ctx.say("warning: could not stop the server on " + t.host + ": " + first_line(r.err));
    ctx.run_remote(t.host, {"config-forget", tag});
  }
  std::error_code ec;
  fs::remove(ctx.settings.run_dir + "/" + tag + ".legs.json", ec);
  ctx.store.remove(tag);
  failover::on_deleted(ctx, tag);  // issue 7: clear this system's failover flags of TAG
  ctx.say("mirror " + tag + " deleted (the data stays on the devices)");
}

}  // namespace netraid::mirror
