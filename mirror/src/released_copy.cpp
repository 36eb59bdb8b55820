// SPDX-License-Identifier: GPL-2.0-or-later
#include "netraid/mirror/released_copy.hpp"

#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "netraid/common/first_line.hpp"
#include "netraid/mirror/exit_codes.hpp"
#include "peer_flags.hpp"

namespace netraid::mirror::released {

using nlohmann::json;

BlockWrites parse_block_stat(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::uint64_t> f;
  for (std::uint64_t v; in >> v;) f.push_back(v);
  if (f.size() < 7) throw std::invalid_argument("block device stat '" + common::first_line(text) + "' has fewer than 7 fields");
  BlockWrites w;
  w.write_ios = f[4];
  w.write_sectors = f[6];
  if (f.size() >= 15) {
    w.discard_ios = f[11];
    w.discard_sectors = f[13];
  }
  return w;
}

const char* to_string(Exposure e) {
  switch (e) {
    case Exposure::Untouched: return "untouched";
    case Exposure::Written: return "written";
    case Exposure::Unknown: return "unknown";
  }
  return "unknown";
}

std::optional<Exposure> parse_exposure(const std::string& word) {
  for (auto e : {Exposure::Untouched, Exposure::Written, Exposure::Unknown})
    if (word == to_string(e)) return e;
  return std::nullopt;
}

namespace {
json writes_json(const BlockWrites& w) {
  return {{"write_ios", w.write_ios},
          {"write_sectors", w.write_sectors},
          {"discard_ios", w.discard_ios},
          {"discard_sectors", w.discard_sectors}};
}
}  // namespace

std::string to_json(const Record& r) {
  json j{{"device", r.device}, {"copy_device", r.copy_device}, {"boot_id", r.boot_id}};
  j["at_release"] = r.at_release ? writes_json(*r.at_release) : json(nullptr);
  j["verdict"] = r.verdict ? json(to_string(*r.verdict)) : json(nullptr);
  j["reason"] = r.reason;
  return j.dump() + "\n";
}

Record record_from_json(const std::string& text) {
  try {
    const auto j = json::parse(text);
    Record r;
    r.device = j.at("device").get<std::string>();
    r.copy_device = j.at("copy_device").get<std::string>();
    r.boot_id = j.at("boot_id").get<std::string>();
    if (!j.at("at_release").is_null()) {
      const auto& w = j.at("at_release");
      r.at_release = BlockWrites{w.at("write_ios").get<std::uint64_t>(), w.at("write_sectors").get<std::uint64_t>(),
                                 w.at("discard_ios").get<std::uint64_t>(),
                                 w.at("discard_sectors").get<std::uint64_t>()};
    }
    if (!j.at("verdict").is_null()) {
      r.verdict = parse_exposure(j.at("verdict").get<std::string>());
      if (!r.verdict) throw std::invalid_argument("unknown verdict");
    }
    r.reason = j.at("reason").get<std::string>();
    return r;
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("not a record of a released copy (") + e.what() + ")");
  }
}

Judgement judge(const Record& r, const std::string& boot_id_now, const std::optional<BlockWrites>& now) {
  if (r.verdict) return {*r.verdict, r.reason};
  if (r.boot_id.empty() || boot_id_now.empty() || r.boot_id != boot_id_now)
    return {Exposure::Unknown, "the system rebooted while its copy was released: what was written there cannot be told"};
  if (!r.at_release || !now)
    return {Exposure::Unknown, "the write counters of " + r.device + " cannot be read: what was written cannot be told"};
  if (*r.at_release == *now) return {Exposure::Untouched, "nothing wrote to " + r.device + " while it was released"};
  const auto sectors = now->write_sectors - r.at_release->write_sectors + now->discard_sectors -
                       r.at_release->discard_sectors;
  return {Exposure::Written, std::to_string(sectors * 512) + " bytes were written to " + r.device +
                                 " while it was released (a mount without -o ro,noload replays ext4's journal)"};
}

// --- effects ----------------------------------------------------------------

namespace {

std::string record_path(const Context& ctx, const std::string& tag) {
  return failover::flag_store(ctx).path(tag, "released");
}

void save(const Context& ctx, const std::string& tag, const Record& r) {
  auto s = failover::flag_store(ctx);
  s.create_directory();
  config::write_file_atomically(record_path(ctx, tag), to_json(r));
}

std::string boot_id(const Context& ctx) {
  auto text = ctx.system->read_proc("/proc/sys/kernel/random/boot_id").value_or("");
  return common::first_line(text);
}

std::optional<BlockWrites> writes_of(const Context& ctx, const std::string& device) {
  const auto text = ctx.system->block_stat(device);
  if (!text) return std::nullopt;
  try {
    return parse_block_stat(*text);
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

// The loop device recorded still is ours: it does not survive a reboot, and
// after one the same name may be another program's.
bool loop_is_ours(const Context& ctx, const Record& r) {
  return !r.copy_device.empty() && !r.boot_id.empty() && r.boot_id == boot_id(ctx);
}

// Where the copy is in use here ("" = nowhere): a mount of the loop device or
// of the leg itself.
std::string in_use(const Context& ctx, const Record& r) {
  std::vector<std::string> devices{r.device};
  if (loop_is_ours(ctx, r)) devices.insert(devices.begin(), r.copy_device);
  for (const auto& dev : devices) {
    if (dev.empty()) continue;
    DeviceUse use;
    try {
      use = ctx.system->device_use(dev);
    } catch (const std::exception&) {
      continue;  // gone
    }
    if (!use.mounted_on.empty()) return dev + " is mounted on " + use.mounted_on;
  }
  return "";
}

void remove_loop(const Context& ctx, const std::string& tag, Record& r) {
  if (loop_is_ours(ctx, r)) {
    const auto out = ctx.run({"losetup", "-d", r.copy_device});
    if (out.exit_code != 0 && out.err.find("No such device") == std::string::npos)
      throw OpError("cannot remove " + r.copy_device + " (" + common::first_line(out.err) + "): free it here (" +
                    ctx.settings.node_name + "), then resume " + tag);
  }
  r.copy_device.clear();
}

}  // namespace

std::optional<Record> load(const Context& ctx, const std::string& tag) {
  const auto path = record_path(ctx, tag);
  const auto text = config::read_file(path);
  if (!text) return std::nullopt;
  try {
    return record_from_json(*text);
  } catch (const std::invalid_argument& e) {
    // Never taken as "not released": the copy may have been written.
    return Record{"", "", "", std::nullopt, Exposure::Unknown, path + " is damaged: " + e.what()};
  }
}

void forget(const Context& ctx, const std::string& tag) {
  auto r = load(ctx, tag);
  if (!r) return;
  try {
    remove_loop(ctx, tag, *r);
  } catch (const std::exception& e) {
    ctx.say(tag + ": warning: " + e.what());
  }
  std::error_code ec;
  std::filesystem::remove(record_path(ctx, tag), ec);
}

std::string release_copy(const Context& ctx, const std::string& tag) {
  const auto m = ctx.store.load(tag);
  const auto& self = failover::self_in(ctx, m);
  if (mirror_active(ctx, m, ctx.settings.node_name))
    throw OpError(tag + " is in service on this system (" + ctx.settings.node_name +
                  "): only a paused target's copy is released; run 'netraid pause " + tag + "' on its source");
  if (auto r = load(ctx, tag); r && loop_is_ours(ctx, *r)) {
    if (ctx.system->serving(tag)) ctx.system->stop_serving(tag);
    return r->copy_device;  // released already
  }
  // Released before and not resynced since: what it may have been written
  // then is not forgotten by a new record.
  std::optional<Judgement> before;
  if (auto old = load(ctx, tag)) {
    const auto j = judge(*old, boot_id(ctx), writes_of(ctx, old->device));
    if (j.exposure != Exposure::Untouched) before = j;
  }
  // The source took the leg out of its array first: nothing uses the server.
  ctx.system->stop_serving(tag);
  ctx.run({"blockdev", "--flushbufs", self.device});  // no stale page cache under the copy
  const auto md = ctx.system->read_member(self.device);
  const std::uint64_t offset = md.superblock.data_offset_sectors * 512;
  const std::uint64_t size =
      (md.superblock.size_sectors ? md.superblock.size_sectors : md.superblock.data_size_sectors) * 512;
  if (size == 0) throw OpError(self.device + "'s md superblock gives no data size: its copy cannot be offered");
  // Recorded before the copy can be used: a crash from here on leaves a
  // record, and so a full resync at resume.
  Record r{self.device, "", boot_id(ctx), writes_of(ctx, self.device), std::nullopt, ""};
  if (before) {
    r.verdict = before->exposure;
    r.reason = before->reason;
  }
  save(ctx, tag, r);
  const auto out = ctx.run({"losetup", "--find", "--show", "--offset", std::to_string(offset), "--sizelimit",
                            std::to_string(size), self.device});
  const auto loop = common::first_line(out.out);
  if (out.exit_code != 0 || loop.empty())
    throw OpError("replication to this system is paused, but its copy could not be offered as a loop device (" +
                  common::first_line(out.err) + "): load the loop module and pause again");
  r.copy_device = loop;
  save(ctx, tag, r);
  return loop;
}

std::optional<Judgement> reclaim_copy(const Context& ctx, const std::string& tag, bool check_only) {
  auto r = load(ctx, tag);
  if (!r) return std::nullopt;
  if (const auto where = in_use(ctx, *r); !where.empty())
    throw OpError("the paused copy of " + tag + " on " + ctx.settings.node_name + " is in use: " + where +
                      ": unmount it there, then resume",
                  kCopyInUse);
  if (check_only) return judge(*r, boot_id(ctx), writes_of(ctx, r->device));
  remove_loop(ctx, tag, *r);
  if (r->verdict) {
    save(ctx, tag, *r);
    return Judgement{*r->verdict, r->reason};
  }
  ctx.run({"blockdev", "--flushbufs", r->device});  // what went through the loop's page cache is counted now
  const auto j = judge(*r, boot_id(ctx), writes_of(ctx, r->device));
  r->verdict = j.exposure;
  r->reason = j.reason;
  save(ctx, tag, *r);
  return j;
}

std::optional<Judgement> current_judgement(const Context& ctx, const std::string& tag) {
  const auto r = load(ctx, tag);
  if (!r) return std::nullopt;
  if (r->verdict) return Judgement{*r->verdict, r->reason};
  if (const auto where = in_use(ctx, *r); !where.empty())
    return Judgement{Exposure::Unknown, "its copy is still in use (" + where + ")"};
  return judge(*r, boot_id(ctx), writes_of(ctx, r->device));
}

}  // namespace netraid::mirror::released
