// SPDX-License-Identifier: GPL-2.0-or-later
// Online verify of a mirror in service (`netraid verify TAG [--repair]`, what
// DRBD users run weekly as `drbdadm verify`): md's own `check` (or `repair`)
// sync action compares the legs under md's resync barrier while the file
// system stays mounted, throttled by the array's sync_speed_min/max like a
// resync. md reports only a count (mismatch_cnt, in 512-byte sectors); when
// it is not 0 the legs are compared once more in user space, block by block
// with O_DIRECT, to list the regions that differ. gather -> decide
// (verify_refusal, pure) -> apply; the result is kept in
// /run/netraid/TAG.verify.json and shown by `netraid status`.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netraid/mirror/context.hpp"
#include "netraid/mirror/mirror_status.hpp"
#include "netraid/mirror/observe.hpp"

namespace netraid::mirror::verify {

using Record = status::VerifyRecord;
using Region = status::VerifyRegion;

// The exit status of `netraid verify` (netraid(8), EXIT STATUS; exit_codes.hpp).
// 0: the legs are identical; 1: they differed (verify: nothing changed;
// --repair: md rewrote the targets' legs); 3: not verified (refused, or the
// check did not run to its end); 2 bad arguments and 75 busy as for every verb.
int exit_code(const Record& record);

// One leg of the mirror as this system (its source) observes it.
struct LegFact {
  std::string host;
  bool local = false;       // this system's own leg
  bool paused = false;      // a target whose replication the operator paused
  std::string member;       // md's member name ("ubda", "nbd0"); "" = not in the array
  bool in_sync = false;     // dev-*/state says in_sync
  bool faulty = false;
  std::optional<unsigned> slot;  // dev-*/slot: the order md's repair reads the legs in
};

struct Facts {
  std::string tag;
  std::string md_device;
  bool in_service = false;      // the array runs here with this system's leg in it
  std::string sync_action;      // md's sync_action: idle, resync, recover, check, repair, frozen, reshape
  std::string sync_completed;   // "DONE / TOTAL" sectors while one runs
  unsigned degraded = 0;        // md's degraded count
  std::vector<LegFact> legs;    // this system's first, then the targets in config order
  bool repair = false;
};

enum class Refusal {
  kNone,
  kNotInService,  // the array does not run here: verify on the source
  kNoTargets,     // nothing to compare the local leg with
  kPaused,        // a paused target's leg is out of the array
  kLegOut,        // a leg is not attached, not in the array, faulty or not in sync (degraded)
  kSyncRunning,   // a resync or recovery runs: the legs differ by design until it ends
  kCheckRunning,  // another check or repair runs
  kFrozen,        // md's sync actions are frozen
  kDegraded,      // md counts a missing leg no leg of the config explains
  kRepairFromTarget,  // md's repair would copy a target's leg over this system's
};

struct Decision {
  Refusal refusal = Refusal::kNone;
  std::string host;    // the leg a refusal is about ("" = none)
  std::string reason;  // one line naming the problem and what to do
};
Decision verify_refusal(const Facts& facts);

// The differing 4 KiB blocks of A and B, which start at OFFSET of the array,
// added to REGIONS for HOST: a block next to the last region of HOST
// extends it. Pure.
inline constexpr std::size_t kCompareBlock = 4096;
void add_differences(std::vector<Region>& regions, std::uint64_t offset, std::string_view a, std::string_view b,
                     const std::string& host);
// Regions kept in the record (more are counted in regions_total).
inline constexpr std::size_t kMaxRegions = 64;

// The one-line verdict: "datarep: legs identical (268369920 bytes compared
// in 12 s)", "datarep: 128 sectors differ ...: nothing was changed; 'netraid
// verify datarep --repair' ...", "datarep: 128 sectors differed and were
// repaired ...", "datarep: not verified: ...". Pure.
std::string render_verdict(const std::string& tag, const Record& record);
// One line per listed region, "  bytes 1048576-1052671 (4 KiB) of the array differ on n2". Pure.
std::vector<std::string> render_regions(const Record& record);

// The record file (/run/netraid/TAG.verify.json).
std::string to_json(const Record& record);
Record from_json(const std::string& text);  // std::exception when it does not parse
std::optional<Record> load(const Context& ctx, const std::string& tag);  // nullopt: none, or damaged
void save(const Context& ctx, const std::string& tag, const Record& record);

struct Request {
  std::string tag;
  bool repair = false;
  std::uint64_t timeout_seconds = 0;  // 0 = none; past it md's check is stopped (not verified)
  bool locate = true;                 // list the regions after md found mismatches
  // Called at each poll while md's check runs (for the progress bar).
  std::function<void(const status::ResyncSample&)> progress;
  // Polled while md's check runs: true stops it (SIGINT/SIGTERM in the CLI).
  std::function<bool()> stop_requested;
};

// Runs on the mirror's source. OpError with exit code 3 and one line when
// refused (nothing changed); otherwise the record (also saved), whose
// result may be "interrupted".
Record run(Context& ctx, const Request& request);

}  // namespace netraid::mirror::verify
