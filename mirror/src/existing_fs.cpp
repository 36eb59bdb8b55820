// SPDX-License-Identifier: GPL-2.0-or-later
// The steps of create --existing-fs (existing_fs.hpp): gather (nothing
// changes, every refusal comes here), then unmount, shrink, md 1.0,
// configuration, mount, fstab, each recorded in the journal.
#include <algorithm>
#include <filesystem>

#include "netraid/common/durable_file.hpp"
#include "netraid/common/first_line.hpp"
#include "netraid/common/limits.hpp"
#include "netraid/common/quote.hpp"
#include "netraid/common/small_file.hpp"
#include "netraid/mdadm/mdadm_argv.hpp"
#include "netraid/mirror/existing_fs.hpp"
#include "netraid/mirror/flag_hooks.hpp"
#include "netraid/mirror/lifecycle.hpp"
#include "netraid/mirror/link_key.hpp"
#include "netraid/mirror/local_device.hpp"
#include "netraid/mirror/resync_rate.hpp"

namespace netraid::mirror::existing_fs {

namespace fs = std::filesystem;
using common::first_line;

namespace {

std::string journal_name(const std::string& tag) { return tag + ".existing-fs"; }

std::optional<Journal> load_journal(const Context& ctx, const std::string& tag) {
  const auto path = ctx.settings.conf_dir + "/" + journal_name(tag);
  const auto text = common::read_small_file(path, "conversion journal");
  if (!text) return std::nullopt;
  try {
    return parse_journal(*text);
  } catch (const std::invalid_argument& e) {
    throw OpError("conversion journal " + path + " " + first_line(e.what()) +
                  ": a conversion into mirror " + tag + " was interrupted: check the device by hand, then remove the file");
  }
}

void save_journal(const Context& ctx, const Journal& j) {
  common::write_file_durably(ctx.settings.conf_dir, journal_name(j.tag), render_journal(j));
}

std::string canonical_or_self(const std::string& path) {
  std::error_code ec;
  const auto real = fs::canonical(path, ec);
  return ec ? path : real.string();
}

// The names a device goes by: its path and what it resolves to.
std::vector<std::string> aliases(const std::string& device) {
  std::vector<std::string> names{device};
  const auto real = canonical_or_self(device);
  if (real != device) names.push_back(real);
  return names;
}

FsFacts read_fs(const Context& ctx, const std::string& device) {
  // -u filesystem: md's 1.0 superblock at the end (a resumed conversion)
  // is a RAID signature blkid would report instead.
  const auto probed = ctx.run({"blkid", "-p", "-u", "filesystem", "-o", "export", device});
  FsFacts fs = parse_blkid_export(probed.out);
  if (fs.type == "ext4") {
    const auto r = ctx.run({"dumpe2fs", "-h", device});
    parse_dumpe2fs(r.out, fs);
  } else if (fs.type == "xfs") {
    const auto r = ctx.run({"xfs_db", "-r", "-c", "sb 0", "-c", "p dblocks", "-c", "p blocksize", device});
    parse_xfs_db(r.out, fs);
  }
  return fs;
}

std::vector<std::string> fstab_specs(const std::string& text) {
  std::vector<std::string> specs;
  std::size_t at = 0;
  while (at < text.size()) {
    auto nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size();
    const auto line = text.substr(at, nl - at);
    at = nl + 1;
    const auto b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line[b] == '#') continue;
    specs.push_back(line.substr(b, line.find_first_of(" \t", b) - b));
  }
  return specs;
}

// md 1.0's superblock of this mirror is on DEVICE already (a resumed run).
bool has_our_superblock(const Context& ctx, const std::string& device, const std::string& tag) {
  try {
    const auto sb = ctx.system->read_member(device).superblock;
    const auto& name = sb.set_name;
    const bool ours = name == tag || (name.size() > tag.size() && name.compare(name.size() - tag.size() - 1,
                                                                               std::string::npos, ":" + tag) == 0);
    return ours && sb.metadata_version() == "1.0";
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

void convert(Context& ctx, const CreateRequest& req, const Hooks& hooks) {
  if (auto e = config::validate_tag(req.tag); !e.empty()) throw UsageError(e);
  if (auto e = config::validate_device_path(req.local_device); !e.empty()) throw UsageError(e);
  if (!req.mount_dir.empty() && req.mount_dir[0] != '/')
    throw UsageError("mount point " + common::quoted(req.mount_dir) + " is not an absolute path: give e.g. /data");
  const std::string& dev = req.local_device;

  // --- gather: nothing changes up to the journal's first write.
  auto journal = load_journal(ctx, req.tag);
  if (journal && journal->device != dev)
    throw UsageError("a conversion of " + journal->device + " into mirror " + req.tag +
                     " was interrupted: run create again with --local " + journal->device);
  const bool resuming = journal.has_value();
  auto known = ctx.store.find(req.tag);
  auto others = ctx.store.list();
  others.erase(std::remove_if(others.begin(), others.end(),
                              [&](const config::MirrorConfig& o) { return resuming && o.tag == req.tag; }),
               others.end());
  if (resuming) {
    ctx.say("resuming the conversion of " + dev + " into mirror " + req.tag + " (it stopped after: " + journal->step +
            ")");
  } else {
    auto facts = hooks.inspect ? hooks.inspect(dev) : device::inspect_for_leg(dev);
    // Mounted is what this conversion is for; a mounted device is also
    // "open exclusively" (by the file system).
    if (!facts.mountpoints.empty()) facts.busy = false;
    facts.mountpoints.clear();
    if (auto e = device::leg_refusal(facts, common::kMinLegBytes); !e.empty()) throw UsageError(e);
  }

  const FsFacts fsf = read_fs(ctx, dev);
  if (resuming && fsf.uuid != journal->uuid)
    throw OpError(dev + " holds another file system (UUID " + fsf.uuid + ") than the conversion began with (" +
                  journal->uuid + "): check the device, then remove " + ctx.settings.conf_dir + "/" +
                  journal_name(req.tag));
  std::vector<MountEntry> mounted;
  const auto names = aliases(dev);
  for (const auto& m : parse_mounts(ctx.system->read_proc("/proc/self/mounts").value_or("")))
    if (std::find(names.begin(), names.end(), m.source) != names.end() ||
        std::find(names.begin(), names.end(), canonical_or_self(m.source)) != names.end())
      mounted.push_back(m);
  if (mounted.size() > 1)
    throw UsageError("device " + dev + " is mounted on " + mounted[0].dir + " and " + mounted[1].dir +
                     ": unmount all but one, then run create again");
  std::string mount_dir = req.mount_dir, options;
  if (resuming) {
    mount_dir = journal->mount_dir;
    options = journal->mount_options;
  } else if (!mounted.empty()) {
    if (!req.mount_dir.empty() && req.mount_dir != mounted[0].dir)
      throw UsageError("device " + dev + " is mounted on " + mounted[0].dir + ", not on " + req.mount_dir +
                       ": give --mount " + mounted[0].dir + " or leave --mount out");
    mount_dir = mounted[0].dir;
    options = mounted[0].options;
  } else if (!mount_dir.empty() && !fs::is_directory(mount_dir)) {
    throw UsageError("mount point " + mount_dir + " is not a directory: create it first");
  }

  const std::uint64_t device_bytes = ctx.system->device_use(dev).size_bytes;
  const unsigned chunk = req.chunk_kib.value_or(ctx.settings.tunables.chunk_kib.value);
  const auto decision = plan(fsf, dev, device_bytes, chunk);
  if (!decision.plan) throw OpError(decision.refusal);
  const Plan& p = *decision.plan;

  config::MirrorConfig m;
  if (known && resuming) {
    m = *known;  // the configuration step was done
    m.md_device = md_device_for(ctx, m, ctx.settings.node_name);
  } else {
    m.tag = req.tag;
    m.bitmap_chunk_kib = p.chunk_kib;
    m.grace_seconds = req.grace_seconds;
    m.tls = req.tls;
    m.mount_dir = mount_dir;
    m.fstype = mount_dir.empty() ? "" : fsf.type;
    const std::string address = req.address.empty() ? first_global_ipv4() : req.address;
    m.systems.push_back({ctx.settings.node_name, address, dev, config::free_port(ctx.settings.node_name, others), 1,
                         config::ReplicationMode::kSync});
    if (auto e = config::validate(m); !e.empty()) throw UsageError(e);
    if (auto e = config::find_conflict(m, others); !e.empty()) throw UsageError(e);
    if (resuming && !journal->md_device.empty()) {
      m.md_device = journal->md_device;  // md may run there already (the run stopped after creating it)
      m.md_device = md_device_for(ctx, m, ctx.settings.node_name);
    } else {
      m.md_device = free_md_device(ctx);
    }
    for (const auto& o : others)
      if (o.md_device == m.md_device) throw OpError("md device " + m.md_device + " is reserved by mirror " + o.tag);
  }

  // The fstab entries that name this file system, pointed at md at the end.
  const auto fstab_text = common::read_small_file(ctx.settings.fstab, "fstab").value_or("");
  std::vector<std::string> specs = names;
  if (!fsf.uuid.empty())
    for (const auto& s : {"UUID=" + fsf.uuid, "UUID=\"" + fsf.uuid + "\"", "/dev/disk/by-uuid/" + fsf.uuid})
      specs.push_back(s);
  if (!fsf.label.empty())
    for (const auto& s : {"LABEL=" + fsf.label, "LABEL=\"" + fsf.label + "\"", "/dev/disk/by-label/" + fsf.label})
      specs.push_back(s);
  for (const auto& s : fstab_specs(fstab_text))
    if (s.rfind("/dev/", 0) == 0 && canonical_or_self(s) == canonical_or_self(dev)) specs.push_back(s);
  const auto fstab_edit = rewrite_fstab(fstab_text, specs, m.md_device, m.tag);

  // --- apply: each step leaves the file system mountable on DEV as it was.
  if (!journal) {
    journal = Journal{req.tag, dev, fsf.type, fsf.uuid, mount_dir, options, m.md_device, fsf.size_bytes, "planned"};
    save_journal(ctx, *journal);
  }
  const bool remount_raw = !mounted.empty();
  auto done = [&](const std::string& step) {
    journal->step = step;
    save_journal(ctx, *journal);
    if (hooks.after_step) hooks.after_step(step);
  };
  // Before md's superblock is written: put the file system back as it was
  // and forget the conversion.
  auto give_back = [&] {
    if (remount_raw) {
      std::vector<std::string> argv{"mount", "-t", fsf.type};
      if (!options.empty()) argv.insert(argv.end(), {"-o", options});
      argv.insert(argv.end(), {dev, mount_dir});
      ctx.run(argv);
    }
    common::remove_file_durably(ctx.settings.conf_dir, journal_name(req.tag));
  };
  const std::string md = md_name(m.md_device);

  ctx.say("converting the " + fsf.type + " file system on " + dev + " (" + std::to_string(fsf.size_bytes >> 20) +
          " MiB) into mirror " + m.tag + " on " + m.md_device + " in place: md's metadata 1.0 goes at the end of " +
          dev);
  if (!p.chunk_note.empty()) ctx.say(p.chunk_note);
  if (!mounted.empty()) {
    ctx.say("unmounting " + mount_dir);
    const auto r = ctx.run({"umount", mount_dir});
    if (r.exit_code != 0) {
      common::remove_file_durably(ctx.settings.conf_dir, journal_name(req.tag));
      throw OpError("cannot unmount " + mount_dir + " (" + first_line(r.err) +
                    "): stop what uses it (fuser -vm " + mount_dir + "), then run create again; nothing was changed");
    }
  }
  done("unmounted");

  if (p.action == Action::kShrink) {
    const std::uint64_t new_bytes = p.new_fs_blocks * fsf.block_bytes;
    ctx.say("shrinking the ext4 file system on " + dev + " by " + std::to_string((fsf.size_bytes - new_bytes) >> 10) +
            " KiB to end before md's metadata (e2fsck -f -p, then resize2fs)");
    const auto checked = ctx.run({"e2fsck", "-f", "-p", dev});
    if (checked.exit_code >= 4) {
      give_back();
      throw OpError("e2fsck found problems on " + dev + " it does not fix by itself (exit " +
                    std::to_string(checked.exit_code) + "): run 'e2fsck -f " + dev +
                    "', then run create again; nothing else was changed");
    }
    const auto shrunk = ctx.run({"resize2fs", dev, std::to_string(p.new_fs_blocks)});
    if (shrunk.exit_code != 0) {
      give_back();
      throw OpError("resize2fs could not shrink the file system on " + dev + " to " + std::to_string(new_bytes >> 10) +
                    " KiB (" + first_line(shrunk.err.empty() ? shrunk.out : shrunk.err) + "): free some space on it, "
                    "or grow " + dev + " by " + std::to_string((md10_device_bytes_for(fsf.size_bytes) - device_bytes + 1023) / 1024) +
                    " KiB, then run create again");
    }
  }
  done("shrunk");

  const std::uint64_t fs_bytes = p.action == Action::kShrink ? p.new_fs_blocks * fsf.block_bytes : fsf.size_bytes;
  if (!mirror_active(ctx, m, ctx.settings.node_name)) {
    if (has_our_superblock(ctx, dev, m.tag)) {
      ctx.say("assembling " + m.md_device + " from " + dev + " (md's superblock is there already)");
      ctx.mdadm_checked(mdadm::assemble_argv(m.md_device, {dev}));
    } else {
      ctx.say("writing md's superblock and bitmap at the end of " + dev + " (metadata 1.0, bitmap chunk " +
              std::to_string(p.chunk_kib) + " KiB): " + m.md_device + " starts degraded with " + dev + " alone");
      mdadm::CreateRaid1 spec;
      spec.md_device = m.md_device;
      spec.local_device = dev;
      spec.raid_devices = 2;
      spec.bitmap_chunk_kb = p.chunk_kib;
      spec.name = m.tag;
      spec.metadata = "1.0";
      try {
        ctx.mdadm_checked(mdadm::create_degraded_raid1_argv(spec));
      } catch (const OpError&) {
        ctx.mdadm(mdadm::zero_superblock_argv(dev));
        give_back();
        throw;
      }
    }
  }
  // Never mount a file system on an array smaller than it: check md's own
  // word, whatever the geometry above predicted.
  const auto component_kib = md_attribute(ctx, m.md_device, "component_size");
  const std::uint64_t md_bytes = component_kib.empty() ? 0 : std::stoull(component_kib) * 1024;
  if (md_bytes < fs_bytes) {
    ctx.mdadm(mdadm::stop_argv(m.md_device));
    ctx.mdadm(mdadm::zero_superblock_argv(dev));
    give_back();
    throw OpError("md's data area on " + dev + " (" + std::to_string(md_bytes) + " bytes) is smaller than the file system (" +
                  std::to_string(fs_bytes) + " bytes): this mdadm lays out metadata 1.0 otherwise than netraid expects; "
                  "md's superblock was removed and the file system is as it was: report this");
  }
  done("md-created");

  if (!(known && resuming)) {
    record_new_mirror(ctx, m);
  }
  done("configured");

  if (!mount_dir.empty()) {
    bool there = false;
    for (const auto& e : parse_mounts(ctx.system->read_proc("/proc/self/mounts").value_or("")))
      if (e.dir == mount_dir && canonical_or_self(e.source) == canonical_or_self(m.md_device)) there = true;
    if (!there) {
      ctx.say("mounting " + m.md_device + " on " + mount_dir + (options.empty() ? "" : " (" + options + ")"));
      std::vector<std::string> argv{"mount", "-t", fsf.type};
      if (!options.empty()) argv.insert(argv.end(), {"-o", options});
      argv.insert(argv.end(), {m.md_device, mount_dir});
      ctx.run_checked(argv);
    }
  }
  done("mounted");

  if (fstab_edit.changed) {
    const fs::path path(ctx.settings.fstab);
    common::write_file_durably(path.parent_path().string(), path.filename().string(), fstab_edit.text);
    for (const auto& line : fstab_edit.old_lines)
      ctx.say(ctx.settings.fstab + ": '" + line + "' now names " + m.md_device +
              " with noauto ('netraid restore " + m.tag + "' mounts it)");
  }
  done("fstab");
  common::remove_file_durably(ctx.settings.conf_dir, journal_name(req.tag));
  ctx.say("mirror " + m.tag + " is in service on " + ctx.settings.node_name + " with the file system of " + dev +
          (mount_dir.empty() ? "" : " on " + mount_dir) + ": next, 'netraid extend " + m.tag + " --target HOST'");
}

}  // namespace netraid::mirror::existing_fs
