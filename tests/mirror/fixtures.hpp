// SPDX-License-Identifier: GPL-2.0-or-later
// Mirrors and /proc/mdstat texts shared by the status tests. The mdstat texts
// follow the kernel's md_seq_show() layout as captured on the UML lab (n1 is
// the source with leg /dev/ubda; targets are attached as /dev/nbdN).
#pragma once
#include <string>

#include "netraid/mirror/mirror_config.hpp"
#include "netraid/mirror/mirror_status.hpp"
#include "netraid/mdadm/mdstat.hpp"

namespace fixtures {

// n1 (source) plus `targets` targets n2, n3, ... each with leg /dev/ubda.
inline netraid::mirror::config::MirrorConfig mirror_with_targets(int targets) {
  netraid::mirror::config::MirrorConfig m;
  m.tag = "datarep";
  m.md_device = "/dev/md/netraid-datarep";
  for (int i = 1; i <= targets + 1; ++i)
    m.systems.push_back({"n" + std::to_string(i), "10.201.0." + std::to_string(10 + i), "/dev/ubda", 10809, i,
                         netraid::mirror::config::ReplicationMode::kSync});
  return m;
}

// Observations on n1 with targets n2.. attached as nbd0, nbd1, ... in order.
inline netraid::mirror::status::NodeObservations on_source(int targets) {
  netraid::mirror::status::NodeObservations seen;
  seen.this_node = "n1";
  seen.array_name = "md0";
  seen.expected_source = true;
  for (int i = 0; i < targets; ++i) seen.attached_nbd["n" + std::to_string(i + 2)] = "nbd" + std::to_string(i);
  return seen;
}

inline netraid::mirror::status::MirrorStatus status_of(const netraid::mirror::config::MirrorConfig& mirror, const std::string& mdstat,
                                               const netraid::mirror::status::NodeObservations& seen) {
  return netraid::mirror::status::compute_mirror_status(mirror, netraid::mdadm::parse_mdstat(mdstat), seen);
}

inline const char* const kRecovery =
    "Personalities : [raid1] \n"
    "md0 : active raid1 nbd0[2](W) ubda[0]\n"
    "      262080 blocks super 1.2 [2/1] [U_]\n"
    "      [==>..................]  recovery = 12.6% (33024/262080) finish=0.1min speed=33024K/sec\n"
    "      bitmap: 1/1 pages [4KB], 1024KB chunk\n"
    "\n"
    "unused devices: <none>\n";

inline const char* const kThreeLegsOneFaulty =
    "Personalities : [raid1] \n"
    "md0 : active raid1 nbd1[2](W)(F) nbd0[1](W) ubda[0]\n"
    "      130048 blocks super 1.2 [3/2] [UU_]\n"
    "      bitmap: 1/1 pages [4KB], 64KB chunk\n"
    "\n"
    "unused devices: <none>\n";

inline const char* const kInitialResyncThreeLegs =
    "Personalities : [raid1] \n"
    "md0 : active raid1 nbd1[2](W) nbd0[1](W) ubda[0]\n"
    "      131008 blocks super 1.2 [3/3] [UUU]\n"
    "      [>....................]  resync =  0.4% (576/131008) finish=3.7min speed=576K/sec\n"
    "      bitmap: 0/1 pages [0KB], 512B chunk\n"
    "\n"
    "unused devices: <none>\n";

inline const char* const kResyncPending =
    "Personalities : [raid1] \n"
    "md0 : active (auto-read-only) raid1 nbd0[1](W) ubda[0]\n"
    "      1046528 blocks super 1.2 [2/2] [UU]\n"
    "      \tresync=PENDING\n"
    "      bitmap: 1/1 pages [4KB], 65536KB chunk\n"
    "\n"
    "unused devices: <none>\n";

inline const char* const kNoArrays =
    "Personalities : [raid1] \n"
    "unused devices: <none>\n";

inline const char* const kInactive =
    "Personalities : [raid1] \n"
    "md0 : inactive ubda[0](S)\n"
    "      262080 blocks super 1.2\n"
    "       \n"
    "unused devices: <none>\n";

// 1 source + 7 targets, all in sync.
inline const char* const kEightLegsClean =
    "Personalities : [raid1] \n"
    "md0 : active raid1 nbd6[7](W) nbd5[6](W) nbd4[5](W) nbd3[4](W) nbd2[3](W) nbd1[2](W) nbd0[1](W) ubda[0]\n"
    "      2096128 blocks super 1.2 [8/8] [UUUUUUUU]\n"
    "      bitmap: 1/1 pages [4KB], 64KB chunk\n"
    "\n"
    "unused devices: <none>\n";

// 1 source + 7 targets, every case at once: n2 (nbd0) in sync, n3 (nbd1)
// paused and out of the array, n4 not attached, n5 (nbd3) faulty, n6 (nbd4)
// being recovered, n7 (nbd5) in sync, n8 (nbd6) attached but not a member.
inline const char* const kEightLegsMixed =
    "Personalities : [raid1] \n"
    "md0 : active raid1 nbd5[6](W) nbd4[8](W) nbd3[4](W)(F) nbd0[1](W) ubda[0]\n"
    "      2096128 blocks super 1.2 [8/3] [UU____U_]\n"
    "      [====>................]  recovery = 23.5% (492590/2096128) finish=0.8min speed=32768K/sec\n"
    "      bitmap: 1/1 pages [4KB], 64KB chunk\n"
    "\n"
    "unused devices: <none>\n";

}  // namespace fixtures
