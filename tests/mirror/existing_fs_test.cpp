// SPDX-License-Identifier: GPL-2.0-or-later
// create --existing-fs: md 1.0's geometry (the numbers measured with mdadm
// 4.2 in the lab), the plan, the tools' text, fstab, and the steps against
// the recording fake: their order, a resumed run after a stop at a step,
// and refusals that change nothing.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "fake_system.hpp"
#include "netraid/mirror/existing_fs.hpp"
#include "netraid/mirror/lifecycle.hpp"

using namespace netraid;
using namespace netraid::mirror::existing_fs;

namespace {

constexpr std::uint64_t KiB = 1024, MiB = 1024 * 1024;

}  // namespace

TEST_CASE("existing fs: md 1.0 data size and bitmap chunk as mdadm 4.2 made them in the lab") {
  // device size in sectors -> md's component_size in KiB (tests/lab measurement, docs/netraid.8.pod)
  const std::pair<std::uint64_t, std::uint64_t> measured[] = {
      {131072, 65472},       {131075, 65472},       {131200, 65536},     {524288, 262080},
      {524301, 262080},      {1048575, 524224},     {8388608, 4194240},  {18874368, 9437056},
      {421527552, 210763584}};
  for (const auto& [sectors, kib] : measured) {
    CAPTURE(sectors);
    CHECK(md10_data_bytes(sectors * 512) == kib * KiB);
  }
  // The smallest chunk mdadm took (a smaller one: "Given bitmap chunk size not supported").
  CHECK(md10_min_chunk_kib(524160 * 512ull) == 16);
  CHECK(md10_min_chunk_kib(1048448 * 512ull) == 32);      // 512 MiB: 16 refused in the lab, 64 taken
  CHECK(md10_min_chunk_kib(8388480 * 512ull) == 256);     // 4 GiB: 64 refused, 256 taken
  CHECK(md10_min_chunk_kib(18874112 * 512ull) == 32);     // 9 GiB: 64 KiB of room, 16 refused, 64 taken
  CHECK(md10_min_chunk_kib(421527168 * 512ull) == 256);   // 201 GiB: 64 refused, 256 taken
  CHECK(md10_data_bytes(12 * KiB) == 0);
  for (const std::uint64_t data : {64 * MiB, 256 * MiB + 4 * KiB, 8192 * MiB, 200 * 1024 * MiB}) {
    CAPTURE(data);
    const auto device = md10_device_bytes_for(data);
    CHECK(md10_data_bytes(device) >= data);
    CHECK(md10_data_bytes(device - 4096) < data);
  }
}

TEST_CASE("existing fs: plan fits, shrinks ext4, raises the chunk") {
  FsFacts ext4{"ext4", "u-1", "", 4096, 200 * MiB};
  auto d = plan(ext4, "/dev/sdb1", 256 * MiB, 64);
  REQUIRE(d.plan);
  CHECK(d.plan->action == Action::kFits);
  CHECK(d.plan->md_data_bytes == 262080 * KiB);
  CHECK(d.plan->chunk_kib == 64);
  CHECK(d.plan->chunk_note.empty());

  ext4.size_bytes = 256 * MiB;  // fills the partition
  d = plan(ext4, "/dev/sdb1", 256 * MiB, 64);
  REQUIRE(d.plan);
  CHECK(d.plan->action == Action::kShrink);
  CHECK(d.plan->new_fs_blocks == 262080 / 4);  // down to whole 4 KiB blocks of md's data area
  ext4.block_bytes = 1024;
  CHECK(plan(ext4, "/dev/sdb1", 256 * MiB, 64).plan->new_fs_blocks == 262080);

  FsFacts big{"ext4", "u-2", "", 4096, 4 * 1024 * MiB - 64 * KiB};
  d = plan(big, "/dev/sdb1", 4 * 1024 * MiB, 64);
  REQUIRE(d.plan);
  CHECK(d.plan->chunk_kib == 256);
  CHECK(d.plan->chunk_note.find("256 KiB instead of 64 KiB") != std::string::npos);
}

TEST_CASE("errors-existing fs: xfs that fills its device, other file systems, none, too large") {
  FsFacts xfs{"xfs", "u-3", "", 4096, 256 * MiB};
  auto d = plan(xfs, "/dev/vg/data", 256 * MiB, 64);
  CHECK_FALSE(d.plan);
  const auto grow = md10_device_bytes_for(256 * MiB) - 256 * MiB;
  CHECK(grow == 16 * KiB);  // 256 MiB of xfs need a 256 MiB + 16 KiB device
  CHECK(d.refusal == "the xfs file system on /dev/vg/data fills it and xfs cannot shrink: md needs 16 KiB more at the "
                     "end of /dev/vg/data: grow /dev/vg/data by at least 16 KiB (lvextend -L +16k for a logical volume, "
                     "or a larger partition), leave xfs as it is, then run create again");
  xfs.size_bytes = 200 * MiB;  // room at its end already
  CHECK(plan(xfs, "/dev/vg/data", 256 * MiB, 64).plan);

  CHECK(plan({"btrfs", "u", "", 4096, MiB}, "/dev/sdb1", 256 * MiB, 64).refusal ==
        "/dev/sdb1 holds a btrfs file system: --existing-fs converts ext4 or xfs in place; copy the data onto a new "
        "mirror instead");
  CHECK(plan({}, "/dev/sdb1", 256 * MiB, 64).refusal.find("holds no file system") != std::string::npos);
  CHECK(plan({"ext4", "u", "", 4096, 300 * MiB}, "/dev/sdb1", 256 * MiB, 64).refusal.find("check it with fsck") !=
        std::string::npos);
  CHECK(plan({"ext4", "u", "", 0, 0}, "/dev/sdb1", 256 * MiB, 64).refusal.find("cannot read the size") !=
        std::string::npos);
}

TEST_CASE("existing fs: blkid, dumpe2fs, xfs_db and /proc/mounts text") {
  auto fs = parse_blkid_export("DEVNAME=/dev/dm-0\nUUID=70a58c42-ad3a\nVERSION=1.0\nBLOCK_SIZE=1024\nTYPE=ext4\n"
                               "LABEL=data\nUSAGE=filesystem\n");
  CHECK(fs.type == "ext4");
  CHECK(fs.uuid == "70a58c42-ad3a");
  CHECK(fs.label == "data");
  parse_dumpe2fs("dumpe2fs 1.47.0 (5-Feb-2023)\nBlock count:              65536\nReserved block count:     3276\n"
                 "Block size:               1024\n",
                 fs);
  CHECK(fs.block_bytes == 1024);
  CHECK(fs.size_bytes == 64 * MiB);
  FsFacts x;
  parse_xfs_db("dblocks = 65536\nblocksize = 4096\n", x);
  CHECK(x.size_bytes == 256 * MiB);

  const auto mounts = parse_mounts("/dev/root / hostfs rw 0 0\n/dev/ubda /mnt/my\\040data ext4 rw,relatime,stripe=4 0 0\n");
  REQUIRE(mounts.size() == 2);
  CHECK(mounts[1].source == "/dev/ubda");
  CHECK(mounts[1].dir == "/mnt/my data");
  CHECK(mounts[1].type == "ext4");
  CHECK(mounts[1].options == "rw,relatime,stripe=4");
}

TEST_CASE("existing fs: fstab entries of the file system point at md with noauto, the rest is kept") {
  const std::string fstab =
      "# /etc/fstab: static file system information.\n"
      "UUID=1111-root  /      ext4  errors=remount-ro  0  1\n"
      "UUID=70a58c42   /data  ext4  defaults,noatime   0  2\n"
      "\n"
      "/dev/sdb1 /backup ext4 noauto,ro\n"
      "/dev/sdb1 /three ext4\n"
      "  # UUID=70a58c42 /old ext4 defaults 0 2\n";
  const auto edit = rewrite_fstab(fstab, {"/dev/sdb1", "UUID=70a58c42"}, "/dev/md0", "datarep");
  CHECK(edit.changed);
  CHECK(edit.text ==
        "# /etc/fstab: static file system information.\n"
        "UUID=1111-root  /      ext4  errors=remount-ro  0  1\n"
        "# netraid: mirror datarep holds this file system since it was converted in place, was: "
        "UUID=70a58c42   /data  ext4  defaults,noatime   0  2\n"
        "/dev/md0   /data  ext4  defaults,noatime,noauto   0  2\n"
        "\n"
        "# netraid: mirror datarep holds this file system since it was converted in place, was: "
        "/dev/sdb1 /backup ext4 noauto,ro\n"
        "/dev/md0 /backup ext4 noauto,ro\n"
        "# netraid: mirror datarep holds this file system since it was converted in place, was: "
        "/dev/sdb1 /three ext4\n"
        "/dev/md0 /three ext4\tdefaults,noauto\n"
        "  # UUID=70a58c42 /old ext4 defaults 0 2\n");
  CHECK(edit.old_lines.size() == 3);
  // Run again over its own output: nothing names the partition any more.
  CHECK_FALSE(rewrite_fstab(edit.text, {"/dev/sdb1", "UUID=70a58c42"}, "/dev/md0", "datarep").changed);
  const auto none = rewrite_fstab("UUID=1 / ext4 defaults 0 1", {"/dev/sdb1"}, "/dev/md0", "datarep");
  CHECK_FALSE(none.changed);
  CHECK(none.text == "UUID=1 / ext4 defaults 0 1");
}

TEST_CASE("existing fs: the journal reads back what was written") {
  const Journal j{"datarep", "/dev/ubda", "ext4", "u-1", "/data", "rw,relatime", "/dev/md0", 268435456, "shrunk"};
  const auto back = parse_journal(render_journal(j));
  CHECK(back.tag == j.tag);
  CHECK(back.device == j.device);
  CHECK(back.mount_options == j.mount_options);
  CHECK(back.md_device == j.md_device);
  CHECK(back.original_fs_bytes == j.original_fs_bytes);
  CHECK(back.step == "shrunk");
  CHECK_THROWS_AS(parse_journal("{\"tag\": 1}"), std::invalid_argument);
}

namespace {

// n1 with /dev/ubda (256 MiB) holding a full ext4 of 4 KiB blocks mounted on
// /data, and a small md: mdadm --create makes md0 with ubda in it.
struct ExistingFs {
  fake::FakeNode n1{"n1"};
  std::uint64_t fs_blocks = 65536;  // 256 MiB
  std::string mounts = "/dev/root / hostfs rw 0 0\n/dev/ubda /data ext4 rw,noatime 0 0\n";
  std::uint64_t component_kib = 262080;
  int umount_exit = 0;
  std::vector<std::string> steps;

  ExistingFs() {
    auto& sys = *n1.system;
    sys.devices["/dev/ubda"].size_bytes = 256 * MiB;
    n1.ctx.settings.fstab = n1.dir.path.string() + "/fstab";
    std::ofstream(n1.ctx.settings.fstab) << "UUID=1111 / ext4 defaults 0 1\nUUID=70a5 /data ext4 defaults,noatime 0 2\n";
    sys.on_run = [this](const std::vector<std::string>& argv) -> std::optional<mirror::ProgramResult> {
      auto& s = *n1.system;
      const auto& p = argv[0];
      if (p == "blkid") return mirror::ProgramResult{0, "DEVNAME=/dev/ubda\nUUID=70a5\nTYPE=ext4\n", ""};
      if (p == "dumpe2fs")
        return mirror::ProgramResult{0, "Block count: " + std::to_string(fs_blocks) + "\nBlock size: 4096\n", ""};
      if (p == "umount") {
        if (umount_exit) return mirror::ProgramResult{umount_exit, "", "umount: /data: target is busy.\n"};
        mounts = "/dev/root / hostfs rw 0 0\n";
        s.proc["/proc/self/mounts"] = mounts;
      }
      if (p == "resize2fs") fs_blocks = std::stoull(argv[2]);
      if (p == "mdadm" && argv[1] == "--create") {
        s.sysfs["md0/array_state"] = "clean";
        s.sysfs["md0/dev-ubda/state"] = "in_sync";
        s.sysfs["md0/component_size"] = std::to_string(component_kib);
        auto md = fake::md_superblock(1);
        md.superblock.set_name = "n1:datarep";
        md.superblock.super_offset_sectors = 524272;
        s.members["/dev/ubda"] = md;
      }
      if (p == "mdadm" && argv[1] == "--assemble") s.sysfs["md0/component_size"] = std::to_string(component_kib);
      if (p == "mount") {
        mounts += argv[argv.size() - 2] + " " + argv.back() + " ext4 rw,noatime 0 0\n";
        s.proc["/proc/self/mounts"] = mounts;
      }
      return std::nullopt;
    };
    sys.proc["/proc/self/mounts"] = mounts;
  }

  mirror::CreateRequest request() const {
    mirror::CreateRequest r;
    r.tag = "datarep";
    r.local_device = "/dev/ubda";
    r.address = "10.201.0.11";
    r.chunk_kib = 64;
    r.existing_fs = true;
    return r;
  }
  Hooks hooks(const std::string& stop_after = "") {
    Hooks h;
    h.inspect = [](const std::string& path) {
      common::DeviceFacts f;
      f.path = path;
      f.kind = common::PathKind::block;
      f.size_bytes = 256 * MiB;
      f.stack.push_back({"ubda", 98, false, false, false, {}});
      f.mountpoints = {"/data"};
      f.busy = true;
      return f;
    };
    h.after_step = [this, stop_after](const std::string& step) {
      steps.push_back(step);
      if (step == stop_after) throw std::runtime_error("stopped after " + step);
    };
    return h;
  }
  std::string fstab() const {
    std::ifstream in(n1.ctx.settings.fstab);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  bool journal_exists() const { return std::filesystem::exists(n1.ctx.settings.conf_dir + "/datarep.existing-fs"); }
  int at(const std::string& prefix) const { return n1.system->index_of(prefix); }
};

}  // namespace

TEST_CASE("existing fs: unmount, shrink, md 1.0, configure, mount with the same options, fstab: in that order") {
  ExistingFs t;
  convert(t.n1.ctx, t.request(), t.hooks());
  CHECK(t.steps == std::vector<std::string>{"unmounted", "shrunk", "md-created", "configured", "mounted", "fstab"});
  const int umount = t.at("run umount /data");
  const int fsck = t.at("run e2fsck -f -p /dev/ubda");
  const int shrink = t.at("run resize2fs /dev/ubda 65520");  // 262080 KiB of md data in 4 KiB blocks
  const int create = t.at("run mdadm --create /dev/md0 --metadata=1.0 --level=1 --raid-devices=2 --bitmap=internal "
                          "--bitmap-chunk=64 --name=datarep --run /dev/ubda missing");
  const int mount = t.at("run mount -t ext4 -o rw,noatime /dev/md0 /data");
  CHECK(umount >= 0);
  CHECK(fsck > umount);
  CHECK(shrink > fsck);
  CHECK(create > shrink);
  CHECK(mount > create);
  CHECK(t.fstab() ==
        "UUID=1111 / ext4 defaults 0 1\n"
        "# netraid: mirror datarep holds this file system since it was converted in place, was: "
        "UUID=70a5 /data ext4 defaults,noatime 0 2\n"
        "/dev/md0 /data ext4 defaults,noatime,noauto 0 2\n");
  const auto m = t.n1.ctx.store.load("datarep");
  CHECK(m.md_device == "/dev/md0");
  CHECK(m.mount_dir == "/data");
  CHECK(m.fstype == "ext4");
  CHECK(t.n1.flags().last_owner("datarep") == "n1");
  CHECK_FALSE(t.journal_exists());
}

TEST_CASE("existing fs: a run stopped after a step is resumed by running create again") {
  for (const char* stop : {"unmounted", "shrunk", "md-created", "configured", "mounted"}) {
    CAPTURE(stop);
    ExistingFs t;
    CHECK_THROWS_WITH(convert(t.n1.ctx, t.request(), t.hooks(stop)), doctest::Contains("stopped after"));
    CHECK(t.journal_exists());
    // The system crashed and booted: nothing mounted, md not assembled.
    auto& sys = *t.n1.system;
    t.mounts = "/dev/root / hostfs rw 0 0\n";
    sys.proc["/proc/self/mounts"] = t.mounts;
    for (auto it = sys.sysfs.begin(); it != sys.sysfs.end();)
      it = it->first.rfind("md0/", 0) == 0 ? sys.sysfs.erase(it) : std::next(it);
    sys.events.clear();
    t.steps.clear();
    convert(t.n1.ctx, t.request(), t.hooks());
    CHECK_FALSE(t.journal_exists());
    CHECK_FALSE(sys.saw("run umount"));
    // Shrunk in the first run unless it stopped right after unmounting.
    CHECK(sys.saw("run resize2fs /dev/ubda 65520") == (std::string(stop) == "unmounted"));
    const bool md_written = std::string(stop) != "unmounted" && std::string(stop) != "shrunk";
    CHECK(sys.saw("run mdadm --create") == !md_written);
    CHECK(sys.saw("run mdadm --assemble --run /dev/md0 /dev/ubda") == md_written);
    // Mounted again where it was, with its options (from the journal).
    CHECK(sys.saw("run mount -t ext4 -o rw,noatime /dev/md0 /data"));
    CHECK(t.fstab().find("/dev/md0 /data ext4 defaults,noatime,noauto 0 2\n") != std::string::npos);
    CHECK(t.n1.ctx.store.load("datarep").md_device == "/dev/md0");
  }
}

TEST_CASE("errors-existing fs: refusals change nothing") {
  {  // xfs that fills the device: no unmount, no journal
    ExistingFs t;
    auto& sys = *t.n1.system;
    auto inner = sys.on_run;
    sys.on_run = [inner](const std::vector<std::string>& argv) -> std::optional<mirror::ProgramResult> {
      if (argv[0] == "blkid") return mirror::ProgramResult{0, "UUID=70a5\nTYPE=xfs\n", ""};
      if (argv[0] == "xfs_db") return mirror::ProgramResult{0, "dblocks = 65536\nblocksize = 4096\n", ""};
      return inner(argv);
    };
    CHECK_THROWS_WITH_AS(convert(t.n1.ctx, t.request(), t.hooks()),
                         doctest::Contains("xfs cannot shrink: md needs 16 KiB more"), mirror::OpError);
    CHECK_FALSE(sys.saw("run umount"));
    CHECK_FALSE(t.journal_exists());
    CHECK(t.steps.empty());
  }
  {  // busy mount point: refused, journal gone, nothing after
    ExistingFs t;
    t.umount_exit = 32;
    CHECK_THROWS_WITH(convert(t.n1.ctx, t.request(), t.hooks()),
                      doctest::Contains("cannot unmount /data (umount: /data: target is busy.): stop what uses it"));
    CHECK_FALSE(t.n1.system->saw("run mdadm"));
    CHECK_FALSE(t.journal_exists());
    CHECK_FALSE(t.n1.ctx.store.find("datarep"));
  }
  {  // mounted elsewhere than --mount
    ExistingFs t;
    auto r = t.request();
    r.mount_dir = "/srv";
    CHECK_THROWS_WITH_AS(convert(t.n1.ctx, r, t.hooks()),
                         doctest::Contains("is mounted on /data, not on /srv: give --mount /data"), mirror::UsageError);
    CHECK_FALSE(t.n1.system->saw("run umount"));
  }
  {  // md's data area smaller than the file system: md's superblock goes, the fs is mounted back
    ExistingFs t;
    t.component_kib = 1024;
    CHECK_THROWS_WITH(convert(t.n1.ctx, t.request(), t.hooks()), doctest::Contains("is smaller than the file system"));
    auto& sys = *t.n1.system;
    CHECK(sys.index_of("run mdadm --zero-superblock --force /dev/ubda") > sys.index_of("run mdadm --stop /dev/md0"));
    CHECK(sys.index_of("run mount -t ext4 -o rw,noatime /dev/ubda /data") >
          sys.index_of("run mdadm --zero-superblock"));
    CHECK_FALSE(t.journal_exists());
    CHECK_FALSE(t.n1.ctx.store.find("datarep"));
  }
}
