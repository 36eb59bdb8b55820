// SPDX-License-Identifier: GPL-2.0-or-later
// A recording System for orchestration tests: every effect is appended to
// `events` as one line ("run mdadm --assemble ...", "on n1: flags-report
// datarep", "md_write md0 dev-ubda/state -writemostly"), and a small md and
// NBD are played: `mdadm --assemble MD LEG` makes MD active with LEG in
// sync, --add/--re-add/--fail/--remove change a member, `mdadm --stop MD`
// stops it; attach connects the first free /dev/nbdN to a reachable export. What peers answer and what disks hold is set
// by the test. Flags, configs and runtime state are real files in a
// temporary directory (FakeNode), written by the product's own code.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "netraid/flags/flag_store.hpp"
#include "netraid/mirror/context.hpp"
#include "netraid/mirror/failover_plan.hpp"
#include "netraid/mirror/system.hpp"
#include "temp_dir.hpp"  // tests/common-files

namespace fake {

using netraid::mirror::AttachOutcome;
using netraid::mirror::DeviceUse;
using netraid::mirror::NbdLink;
using netraid::mirror::ProgramResult;

inline std::string joined(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
  return s;
}

class FakeSystem : public netraid::mirror::System {
 public:
  std::vector<std::string> events;
  // Local programs: the answer for an argv; unset = exit 0 (md played below).
  std::function<std::optional<ProgramResult>(const std::vector<std::string>&)> on_run;
  // `netraid ARGS` on a peer: answer by host; a host not here is unreachable.
  std::map<std::string, std::function<ProgramResult(const std::vector<std::string>&)>> peers;
  std::map<std::string, std::string> sysfs;  // "md0/array_state" -> "clean"
  std::map<std::string, netraid::mdadm::MemberMetadata> members;  // device -> its superblock
  std::map<std::string, DeviceUse> devices;
  std::map<std::string, std::string> proc;  // "/proc/mdstat" -> its text
  std::map<std::string, std::string> block_stats;  // "/dev/ubda" -> its /sys/class/block/ubda/stat
  std::set<std::string> served;             // tags this system serves as a target
  std::set<std::string> reachable_exports;  // addresses whose NBD server answers attach
  std::set<std::string> connected;          // "/dev/nbdN" attached now
  std::int64_t clock = 1'000'000;
  // What each block device holds, for read_direct ("/dev/ubda" -> bytes).
  std::map<std::string, std::string> disks;
  // Played md: called after each md_write is recorded, and at each
  // wait_md_event (a check advancing); unset = nothing happens.
  std::function<void(const std::string&, const std::string&, const std::string&)> on_md_write;
  std::function<void()> on_wait;

  ProgramResult run(const std::vector<std::string>& argv) override {
    events.push_back("run " + joined(argv));
    if (on_run)
      if (auto r = on_run(argv)) return *r;
    play_md(argv);
    return {};
  }
  ProgramResult run_on(const std::string& host, const std::vector<std::string>& args) override {
    events.push_back("on " + host + ": " + joined(args));
    auto it = peers.find(host);
    if (it == peers.end()) return {255, "", "ssh: connect to host " + host + " port 22: No route to host\n"};
    return it->second(args);
  }
  // What each peer got on stdin, in order (key-import's keys).
  std::vector<std::pair<std::string, std::string>> inputs;
  ProgramResult run_on_with_input(const std::string& host, const std::vector<std::string>& args,
                                  const std::string& input) override {
    inputs.emplace_back(host, input);
    return run_on(host, args);
  }
  void start_detached_self(const std::vector<std::string>& args, const std::string&) override {
    events.push_back("detached " + joined(args));
  }
  std::optional<std::string> md_read(const std::string& md, const std::string& attribute) override {
    auto it = sysfs.find(md + "/" + attribute);
    if (it == sysfs.end()) return std::nullopt;
    return it->second;
  }
  void md_write(const std::string& md, const std::string& attribute, const std::string& value) override {
    events.push_back("md_write " + md + " " + attribute + " " + value);
    if (on_md_write) on_md_write(md, attribute, value);
  }
  std::vector<std::string> md_members(const std::string& md) override {
    std::vector<std::string> names;
    for (const auto& [key, value] : sysfs)
      if (key.rfind(md + "/dev-", 0) == 0 && key.size() > 6 && key.substr(key.size() - 6) == "/state")
        names.push_back(key.substr(md.size() + 5, key.size() - md.size() - 11));
    return names;
  }
  std::optional<std::string> read_proc(const std::string& path) override {
    auto it = proc.find(path);
    if (it == proc.end()) return std::nullopt;
    return it->second;
  }
  bool serving(const std::string& tag) override { return served.count(tag) > 0; }
  void stop_serving(const std::string& tag) override {
    events.push_back("stop serving " + tag);
    served.erase(tag);
  }
  void drop_serving(const std::string& tag) override {
    events.push_back("drop serving " + tag);
    served.erase(tag);
  }
  netraid::mdadm::MemberMetadata read_member(const std::string& device) override {
    auto it = members.find(device);
    if (it == members.end()) throw std::runtime_error(device + ": no md superblock");
    return it->second;
  }
  DeviceUse device_use(const std::string& device) override { return devices[device]; }
  std::optional<std::string> block_stat(const std::string& device) override {
    auto it = block_stats.find(device);
    if (it == block_stats.end()) return std::nullopt;
    return it->second;
  }
  AttachOutcome attach(const NbdLink& link) override {
    events.push_back("attach " + link.address + ":" + std::to_string(link.port) + " " + link.export_name +
                     (link.tls_psk_file.empty() ? "" : " tls"));
    if (!reachable_exports.count(link.address)) return {"", "Connection refused"};
    std::string nbd = link.device;
    for (int i = 0; nbd.empty() || connected.count(nbd); ++i) nbd = "/dev/nbd" + std::to_string(i);
    connected.insert(nbd);
    return {nbd, ""};
  }
  void detach(const std::string& nbd) override {
    events.push_back("detach " + nbd);
    connected.erase(nbd);
  }
  bool nbd_connected(const std::string& nbd) override { return connected.count(nbd) > 0; }
  // nbd_regrow: the answer per device ("" = done); unset = done.
  std::map<std::string, std::string> regrow_errors;
  std::string nbd_regrow(const std::string& nbd, const NbdLink& link, std::uint64_t new_bytes,
                         const std::function<void()>& drop_connection) override {
    events.push_back("regrow " + nbd + " " + link.address + ":" + std::to_string(link.port) + " to " +
                     std::to_string(new_bytes));
    drop_connection();
    auto it = regrow_errors.find(nbd);
    if (it != regrow_errors.end() && !it->second.empty()) return it->second;
    devices[nbd].size_bytes = new_bytes;
    return "";
  }
  void wait_md_event(const std::vector<std::string>& mds, int seconds) override {
    events.push_back("wait md event " + joined(mds) + " " + std::to_string(seconds) + " s");
    clock += seconds;
    if (on_wait) on_wait();
  }
  std::string read_direct(const std::string& device, std::uint64_t offset, std::size_t length) override {
    auto it = disks.find(device);
    if (it == disks.end()) throw netraid::mirror::OpError("cannot open " + device + " to compare it: No such device");
    if (offset >= it->second.size()) return "";
    return it->second.substr(offset, length);
  }
  std::vector<int> slept_ms;
  std::function<void(int)> on_sleep;
  void sleep_ms(int ms) override {
    slept_ms.push_back(ms);
    if (on_sleep) on_sleep(ms);
  }
  std::int64_t now() override { return clock; }

  // Index of the first event starting with PREFIX, or -1.
  int index_of(const std::string& prefix) const {
    for (std::size_t i = 0; i < events.size(); ++i)
      if (events[i].rfind(prefix, 0) == 0) return static_cast<int>(i);
    return -1;
  }
  bool saw(const std::string& prefix) const { return index_of(prefix) >= 0; }

 private:
  void play_md(const std::vector<std::string>& argv) {
    if (argv.size() < 3 || argv[0] != "mdadm") return;
    if (argv[1] == "--assemble" && argv.size() > 4) {  // mdadm --assemble --run MD LEG...
      const auto md = std::filesystem::path(argv[3]).filename().string();
      sysfs[md + "/array_state"] = "clean";
      for (std::size_t i = 4; i < argv.size(); ++i)
        sysfs[md + "/dev-" + std::filesystem::path(argv[i]).filename().string() + "/state"] = "in_sync";
    } else if (argv[1] == "--manage" && argv.size() == 5) {  // mdadm --manage MD --OP LEG
      const auto member = std::filesystem::path(argv[2]).filename().string() + "/dev-" +
                          std::filesystem::path(argv[4]).filename().string() + "/state";
      if (argv[3] == "--add" || argv[3] == "--re-add") sysfs[member] = "in_sync";
      if (argv[3] == "--fail") sysfs[member] = "faulty";
      if (argv[3] == "--remove") sysfs.erase(member);
    } else if (argv[1] == "--stop") {
      const auto md = std::filesystem::path(argv[2]).filename().string();
      for (auto it = sysfs.begin(); it != sysfs.end();)
        it = it->first.rfind(md + "/", 0) == 0 ? sysfs.erase(it) : std::next(it);
    }
  }
};

// A leg's md metadata as this array writes it (one set uuid for all tests),
// with an internal bitmap of 64 KiB chunks and the given dirty chunks.
inline netraid::mdadm::MemberMetadata md_superblock(std::uint64_t events, std::vector<std::uint64_t> dirty = {}) {
  netraid::mdadm::MemberMetadata md;
  md.superblock.set_uuid = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  md.superblock.events = events;
  md.bitmap.emplace();
  md.bitmap->chunksize_bytes = 64 << 10;
  md.bitmap->events_cleared = events > 20 ? events - 20 : 0;
  md.dirty_chunks = std::move(dirty);
  return md;
}
inline constexpr const char* kArrayUuid = "01020304:05060708:090a0b0c:0d0e0f10";

// A peer's `flags-report` answer.
inline std::function<ProgramResult(const std::vector<std::string>&)> reports(const netraid::flags::PeerReport& r) {
  return [r](const std::vector<std::string>& args) -> ProgramResult {
    if (!args.empty() && args[0] == "flags-report") return {0, netraid::mirror::failover::render_report(r), ""};
    return {1, "", "not served in this test\n"};
  };
}

// One system of a test mirror: its own flag, config and run directories,
// and a Context whose effects go to `system`.
struct FakeNode {
  TempDir dir;
  std::shared_ptr<FakeSystem> system = std::make_shared<FakeSystem>();
  netraid::mirror::Context ctx;
  std::vector<std::string> said;

  explicit FakeNode(const std::string& name) : ctx(settings_for(name, dir.path), system) {
    std::filesystem::create_directories(ctx.settings.conf_dir);
    ctx.say = [this](const std::string& line) { said.push_back(line); };
  }
  netraid::flags::FlagStore flags() const { return netraid::flags::FlagStore(ctx.settings.flag_dir); }
  bool said_line(const std::string& part) const {
    for (const auto& l : said)
      if (l.find(part) != std::string::npos) return true;
    return false;
  }

 private:
  static netraid::mirror::settings::Settings settings_for(const std::string& name, const std::filesystem::path& root) {
    netraid::mirror::settings::Settings s;
    s.node_name = name;
    s.conf_dir = (root / "etc").string();
    s.run_dir = (root / "run").string();
    s.flag_dir = (root / "flags").string();
    return s;
  }
};

// Mirror "datarep": n1 (priority 1) and n2, each leg /dev/ubda, on /dev/md0.
inline netraid::mirror::config::MirrorConfig two_node_mirror() {
  auto m = fixtures::mirror_with_targets(1);
  m.md_device = "/dev/md0";
  return m;
}

// NODE is M's source: M's config saved there, its flags name it last owner
// and source of generation G, and md runs M's array on its leg.
inline void make_source(FakeNode& node, const netraid::mirror::config::MirrorConfig& m,
                        const netraid::flags::Generation& g) {
  node.ctx.store.save(m);
  auto f = node.flags();
  f.create_directory();
  f.set_last_owner(m.tag, node.ctx.settings.node_name);
  f.set_source(m.tag, node.ctx.settings.node_name);
  f.set_generation(m.tag, g);
  const auto md = std::filesystem::path(m.md_device).filename().string();
  const auto* self = m.find(node.ctx.settings.node_name);
  node.system->sysfs[md + "/array_state"] = "clean";
  node.system->sysfs[md + "/dev-" + std::filesystem::path(self->device).filename().string() + "/state"] = "in_sync";
}

}  // namespace fake
