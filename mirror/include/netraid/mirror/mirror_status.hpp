// SPDX-License-Identifier: GPL-2.0-or-later
// What `netraid status` reports about one mirror, computed from plain data
// this node observed: its config, /proc/mdstat, the members' sysfs states,
// which NBD device each target is attached as, the pause flags and whether
// nbdkit serves the mirror here. Nothing here reads the system; the verb
// gathers the observations and these functions only decide and render.
//
// Status words are DataKeeper's (see DATAKEEPER.md) so operators read the
// same statuses they know: "Source (ISP)", "Target", "Resyncing",
// "Out of Sync", "Paused", "Unknown".
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "netraid/mirror/mirror_config.hpp"
#include "netraid/mirror/tunables.hpp"
#include "netraid/mdadm/mdstat.hpp"

namespace netraid::mirror::status {

// Exit status of `netraid status`, the contract of `mdadm --detail --test`:
//   0  Healthy        this node is the source and every target is "Target"
//                     (in sync and mirroring);
//   1  Degraded       this node is the source, the array runs, but some target
//                     is not in sync (Resyncing, Out of Sync or Paused) or the
//                     source's own leg has failed;
//   2  Unusable       this node should be the source (the caller says so, e.g.
//                     from the flags) but no active array exists here;
//   4  NoInformation  this node is a target or not active: it cannot see the
//                     mirror's health from here.
// Several mirrors combine by bitwise OR (combined_health), as mdadm does for
// several devices: 1|4 = 5 means "one degraded, one not visible here".
enum class Health : int { Healthy = 0, Degraded = 1, Unusable = 2, NoInformation = 4 };

enum class NodeRole {
  Source,     // the md array of the mirror is active on this node
  Target,     // nbdkit serves this node's leg of the mirror
  NotActive,  // neither
};

enum class MirrorState {
  Clean,      // every leg in sync
  Degraded,   // some leg failed, missing, paused or behind, nothing syncing
  Resyncing,  // a resync or recovery runs, or is pending/delayed
  Inactive,   // no active array on this node
};

// DataKeeper's per-system status.
// WaitForPreviousSource / PreviousSource: on a former target whose restore
// waits for the source it came up without (TAG_wait_started), its own line
// and that source's (DataKeeper's "Out of Sync (Wait for Previous Source)"
// and "Out of Sync (Previous Source)").
enum class SystemStatus { SourceIsp, Target, Resyncing, OutOfSync, Paused, Unknown, WaitForPreviousSource, PreviousSource };

// Why a target is Out of Sync (or Unknown); shown so the operator knows what
// to fix, since DataKeeper's word alone does not tell.
enum class LegProblem {
  None,
  NotAttached,    // no /dev/nbdN connected for that target
  NotInArray,     // attached, but the NBD device is not a member of the array
  Faulty,         // (F) in mdstat or "faulty" in dev-*/state
  Spare,          // a member that is neither in sync nor being recovered
  Indeterminate,  // mdstat alone cannot tell which of several legs is behind
  NotSource,      // this node is not the source: it has no view of the legs
};

// A running or waiting resync/recovery as seen by one target.
struct ResyncProgress {
  bool waiting = false;  // resync=PENDING or resync=DELAYED: no numbers yet
  std::optional<double> percent;               // 12.6
  std::optional<std::uint64_t> done_kib;
  std::optional<std::uint64_t> total_kib;
  std::optional<std::uint64_t> speed_kib_s;   // mdstat's speed=...K/sec
  std::optional<std::uint64_t> eta_seconds;
};

struct SystemView {
  std::string host;
  std::string device;      // its leg, from the config
  std::string nbd_device;  // "nbd0" on the source; empty when local or not attached
  SystemStatus status = SystemStatus::Unknown;
  LegProblem problem = LegProblem::None;
  std::optional<ResyncProgress> progress;  // only with SystemStatus::Resyncing
  // One line the operator must read about this system, "" = none (a target
  // added without a full sync: LKDR_NO_FULL_SYNC).
  std::string warning;
};

// The last `netraid verify` of a mirror on this system (verify.hpp keeps
// it in /run/netraid/TAG.verify.json): md's check or repair and its result.
struct VerifyRegion {
  std::uint64_t offset_bytes = 0;  // in the array (the file system's offsets), not on a leg
  std::uint64_t length_bytes = 0;
  std::string host;                // the target whose leg differs from this system's
};
struct VerifyRecord {
  std::string action;  // "check" (verify) or "repair" (verify --repair)
  std::string result;  // "identical", "differ", "repaired", "interrupted"
  std::int64_t started = 0, ended = 0;      // seconds since the epoch
  std::uint64_t bytes_compared = 0;         // the array's size when md went over all of it
  std::uint64_t mismatch_sectors = 0;       // md's mismatch_cnt (512-byte sectors, per leg that differs)
  std::optional<std::uint64_t> speed_limit_kib_s;  // md's sync_speed_max in force
  bool regions_listed = false;              // the legs were compared in user space to find the regions
  std::uint64_t regions_total = 0;          // regions found (only the first kMaxRegions are kept)
  std::vector<VerifyRegion> regions;
  std::string note;                         // why it was interrupted, or what to know about the regions
};

struct MirrorStatus {
  std::string tag;
  NodeRole role = NodeRole::NotActive;
  std::string md_device;   // the config's stable name, e.g. /dev/md/netraid-TAG
  std::string array_name;  // the kernel's name ("md0"); empty when absent
  MirrorState state = MirrorState::Inactive;
  std::optional<std::uint64_t> size_bytes;          // from mdstat "N blocks"
  std::optional<std::uint64_t> bitmap_chunk_bytes;  // from mdstat "bitmap: ... chunk"
  bool tls = false;                 // the link: TLS with the mirror's key, or plaintext (config)
  std::vector<SystemView> systems;  // in config order
  Health health = Health::NoInformation;
  std::optional<VerifyRecord> last_verify;  // the last `netraid verify` here, if any since boot
  // The per-mirror DataKeeper tunables in force for this mirror here, each
  // with its origin (tunables::for_mirror); set by the caller that resolved
  // them (observe_mirrors), absent otherwise.
  std::optional<tunables::Tunables> tunables;
};

// What this node observed about one mirror, besides its config and mdstat.
struct NodeObservations {
  std::string this_node;  // this system's host name as in the config
  // Kernel name of the config's md_device ("md0"), resolved by the caller
  // (/dev/md/netraid-TAG is a udev symlink); empty when the device is absent.
  std::string array_name;
  // dev-*/state text per member name as in mdstat ("nbd0" -> "in_sync").
  // Optional: without it mdstat's flags and [n/m] counts are used.
  std::map<std::string, std::string> member_states;
  // Target host -> attached NBD device ("n2" -> "nbd0" or "/dev/nbd0").
  std::map<std::string, std::string> attached_nbd;
  std::set<std::string> paused_targets;  // hosts whose replication is paused
  std::set<std::string> seeded_targets;  // added without a full sync (TAG_seeded), until their next one
  bool serving_as_target = false;        // nbdkit runs for this TAG here
  // This system is a paused target whose copy is released here (its server
  // stopped, the copy readable as copy_device): its own line says Paused.
  bool paused_here = false;
  std::string copy_device;
  // The previous source this node's restore waits for (TAG_wait_started set;
  // TAG_source names it); "" when not waiting.
  std::string waiting_for_previous_source;
  // The caller's knowledge that this node should hold the mirror (e.g. the
  // resource is in service here or the flags name it the last source). Only
  // used to tell "unusable" (2) from "not visible here" (4).
  bool expected_source = false;
  std::optional<VerifyRecord> last_verify;  // /run/netraid/TAG.verify.json
};

MirrorStatus compute_mirror_status(const config::MirrorConfig& mirror, const mdadm::Mdstat& mdstat,
                                   const NodeObservations& seen);

// Bitwise OR of the mirrors' health codes; Healthy for no mirrors.
int combined_health(const std::vector<MirrorStatus>& mirrors);
int exit_code(Health health);

// The words shown to people and written to JSON (stable: scripts match them).
std::string_view to_string(SystemStatus status);  // "Source (ISP)", "Out of Sync", ...
std::string_view to_string(NodeRole role);        // "Source", "Target", "Not active"
std::string_view to_string(MirrorState state);    // "clean", "degraded", "resyncing", "inactive"
std::string_view to_string(Health health);        // "healthy", "degraded", "unusable", "no information"
std::string_view to_string(LegProblem problem);   // "", "not attached", "faulty", ...

// "identical, check of 268369920 bytes ended 2025-06-01 12:00:03 UTC (12 s)": the
// "Last Verify" line of the human output.
std::string render_last_verify(const VerifyRecord& record);

// `mdadm --detail`-style text: "key : value" lines with right-aligned keys,
// then one row per system (host, status, device, nbd, progress).
std::string render_human(const MirrorStatus& status);

// The JSON document of docs/netraid-status.md, pretty-printed, ending in "\n".
std::string render_json(const std::vector<MirrorStatus>& mirrors);

}  // namespace netraid::mirror::status
