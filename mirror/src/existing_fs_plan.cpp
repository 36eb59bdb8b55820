// SPDX-License-Identifier: GPL-2.0-or-later
// The pure half of --existing-fs: md 1.0's geometry, the plan, the tools'
// text, /proc/mounts, fstab, the journal.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "netraid/mirror/existing_fs.hpp"

namespace netraid::mirror::existing_fs {

namespace {

// mdadm's super1.c choose_bm_space(): sectors left for a bitmap.
std::uint64_t choose_bm_space(std::uint64_t sectors) {
  if (sectors < 64 * 2) return 0;
  if (sectors - 64 * 2 >= 200ull * 1024 * 1024 * 2) return 128 * 2;
  if (sectors - 4 * 2 > 8ull * 1024 * 1024 * 2) return 64 * 2;
  return 4 * 2;
}

std::string kib_text(std::uint64_t bytes) { return std::to_string((bytes + 1023) / 1024) + " KiB"; }

}  // namespace

std::uint64_t md10_data_bytes(std::uint64_t device_bytes) {
  const std::uint64_t sectors = device_bytes / 512;
  // superblock (8 KiB and its 4 KiB alignment), bad block log (4 KiB), bitmap room.
  const std::uint64_t reserved = 8 * 2 + 8 + choose_bm_space(sectors);
  const std::uint64_t aligned = sectors & ~std::uint64_t{7};
  if (aligned <= reserved + 128) return 0;
  // A RAID1 member's size is rounded down to 64 KiB (mdadm's Create).
  return ((aligned - reserved) & ~std::uint64_t{127}) * 512;
}

unsigned md10_min_chunk_kib(std::uint64_t data_bytes) {
  const std::uint64_t sectors = data_bytes / 512;
  const std::uint64_t room = choose_bm_space(sectors);
  if (room <= 1) return 0;
  const std::uint64_t max_bits = (room * 512 - 256) * 8;
  std::uint64_t chunk = 4096;
  std::uint64_t bits = sectors * 512 / chunk + 1;
  while (bits > max_bits) {
    chunk *= 2;
    bits = (bits + 1) / 2;
  }
  return static_cast<unsigned>(chunk / 1024);
}

std::uint64_t md10_device_bytes_for(std::uint64_t data_bytes) {
  // Each 4 KiB more gives at most 4 KiB more data; the reserve grows at two
  // thresholds, so walk up from the first size that could do.
  std::uint64_t bytes = (data_bytes + 16 * 512 + 8 * 512 + 8 * 512 + 4095) / 4096 * 4096;
  for (int i = 0; i < 1'000'000 && md10_data_bytes(bytes) < data_bytes; ++i) bytes += 4096;
  return bytes;
}

Decision plan(const FsFacts& fs, const std::string& device, std::uint64_t device_bytes, unsigned chunk_kib) {
  Decision d;
  if (fs.type.empty()) {
    d.refusal = device + " holds no file system blkid recognizes: for a new one leave out --existing-fs and give --mount DIR";
    return d;
  }
  if (fs.type != "ext4" && fs.type != "xfs") {
    d.refusal = device + " holds a " + fs.type +
                " file system: --existing-fs converts ext4 or xfs in place; copy the data onto a new mirror instead";
    return d;
  }
  if (fs.size_bytes == 0 || fs.block_bytes == 0) {
    d.refusal = "cannot read the size of the " + fs.type + " file system on " + device + ": check it with fsck";
    return d;
  }
  if (fs.size_bytes > device_bytes) {
    d.refusal = "the " + fs.type + " file system on " + device + " claims " + std::to_string(fs.size_bytes) +
                " bytes, more than the device's " + std::to_string(device_bytes) + ": check it with fsck";
    return d;
  }
  Plan p;
  p.md_data_bytes = md10_data_bytes(device_bytes);
  const unsigned min_chunk = md10_min_chunk_kib(p.md_data_bytes);
  if (p.md_data_bytes == 0 || min_chunk == 0) {
    d.refusal = device + " is too small for md's metadata at its end: give a device of at least 16 MiB";
    return d;
  }
  if (fs.size_bytes > p.md_data_bytes) {
    if (fs.type == "xfs") {
      const auto grow = md10_device_bytes_for(fs.size_bytes) - device_bytes;
      d.refusal = "the xfs file system on " + device + " fills it and xfs cannot shrink: md needs " + kib_text(grow) +
                  " more at the end of " + device + ": grow " + device + " by at least " + kib_text(grow) +
                  " (lvextend -L +" + std::to_string((grow + 1023) / 1024) +
                  "k for a logical volume, or a larger partition), leave xfs as it is, then run create again";
      return d;
    }
    p.action = Action::kShrink;
    p.new_fs_blocks = p.md_data_bytes / fs.block_bytes;
  }
  p.chunk_kib = std::max(chunk_kib, min_chunk);
  if (p.chunk_kib != chunk_kib)
    p.chunk_note = "bitmap chunk " + std::to_string(p.chunk_kib) + " KiB instead of " + std::to_string(chunk_kib) +
                   " KiB: md 1.0 keeps the bitmap in a small room before its superblock, where " +
                   std::to_string(chunk_kib) + " KiB chunks of a " + std::to_string(p.md_data_bytes >> 20) +
                   " MiB array do not fit";
  d.plan = p;
  return d;
}

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::uint64_t number_after(const std::string& line, std::size_t at) {
  const auto v = trim(line.substr(at));
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::stoull(v);
}

}  // namespace

FsFacts parse_blkid_export(const std::string& text) {
  FsFacts fs;
  for (const auto& line : lines_of(text)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const auto key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "TYPE") fs.type = value;
    if (key == "UUID") fs.uuid = value;
    if (key == "LABEL") fs.label = value;
  }
  return fs;
}

void parse_dumpe2fs(const std::string& text, FsFacts& fs) {
  std::uint64_t count = 0;
  for (const auto& line : lines_of(text)) {
    if (line.rfind("Block count:", 0) == 0) count = number_after(line, 12);
    if (line.rfind("Block size:", 0) == 0) fs.block_bytes = number_after(line, 11);
  }
  fs.size_bytes = count * fs.block_bytes;
}

void parse_xfs_db(const std::string& text, FsFacts& fs) {
  std::uint64_t count = 0;
  for (const auto& line : lines_of(text)) {
    if (line.rfind("dblocks = ", 0) == 0) count = number_after(line, 10);
    if (line.rfind("blocksize = ", 0) == 0) fs.block_bytes = number_after(line, 12);
  }
  fs.size_bytes = count * fs.block_bytes;
}

namespace {

// The kernel writes ' ', '\t', '\n' and '\\' in mount fields as \ooo.
std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s.substr(i + 1, 3).find_first_not_of("01234567") == std::string::npos) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::vector<MountEntry> parse_mounts(const std::string& text) {
  std::vector<MountEntry> mounts;
  for (const auto& line : lines_of(text)) {
    std::istringstream in(line);
    MountEntry m;
    if (!(in >> m.source >> m.dir >> m.type >> m.options)) continue;
    m.source = unescape(m.source);
    m.dir = unescape(m.dir);
    mounts.push_back(m);
  }
  return mounts;
}

namespace {

struct Token {
  std::size_t begin = 0, end = 0;
};

std::vector<Token> tokens(const std::string& line) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    Token t{i, i};
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    t.end = i;
    out.push_back(t);
  }
  return out;
}

bool has_option(const std::string& options, const std::string& name) {
  std::istringstream in(options);
  for (std::string o; std::getline(in, o, ',');)
    if (o == name) return true;
  return false;
}

}  // namespace

FstabEdit rewrite_fstab(const std::string& text, const std::vector<std::string>& specs, const std::string& md_device,
                        const std::string& tag) {
  FstabEdit edit;
  std::size_t at = 0;
  while (at < text.size()) {
    auto nl = text.find('\n', at);
    const bool has_nl = nl != std::string::npos;
    if (!has_nl) nl = text.size();
    const std::string line = text.substr(at, nl - at);
    at = has_nl ? nl + 1 : nl;
    const auto t = tokens(line);
    const bool entry = t.size() >= 3 && line[t[0].begin] != '#';
    const std::string spec = entry ? line.substr(t[0].begin, t[0].end - t[0].begin) : "";
    if (!entry || std::find(specs.begin(), specs.end(), spec) == specs.end()) {
      edit.text += line + (has_nl ? "\n" : "");
      continue;
    }
    std::string changed = line.substr(0, t[0].begin) + md_device;
    if (t.size() >= 4) {
      const std::string options = line.substr(t[3].begin, t[3].end - t[3].begin);
      changed += line.substr(t[0].end, t[3].end - t[0].end);
      if (!has_option(options, "noauto")) changed += ",noauto";
      changed += line.substr(t[3].end);
    } else {
      changed += line.substr(t[0].end) + "\tdefaults,noauto";
    }
    edit.old_lines.push_back(line);
    edit.text += "# netraid: mirror " + tag + " holds this file system since it was converted in place, was: " + line +
                 "\n" + changed + "\n";
    edit.changed = true;
  }
  return edit;
}

std::string render_journal(const Journal& j) {
  return nlohmann::json{{"tag", j.tag},
                        {"device", j.device},
                        {"fstype", j.fstype},
                        {"uuid", j.uuid},
                        {"mount_dir", j.mount_dir},
                        {"mount_options", j.mount_options},
                        {"md_device", j.md_device},
                        {"original_fs_bytes", j.original_fs_bytes},
                        {"step", j.step}}
             .dump(2) +
         "\n";
}

Journal parse_journal(const std::string& text) {
  try {
    const auto o = nlohmann::json::parse(text);
    Journal j;
    j.tag = o.at("tag").get<std::string>();
    j.device = o.at("device").get<std::string>();
    j.fstype = o.at("fstype").get<std::string>();
    j.uuid = o.value("uuid", "");
    j.mount_dir = o.value("mount_dir", "");
    j.mount_options = o.value("mount_options", "");
    j.md_device = o.value("md_device", "");
    j.original_fs_bytes = o.value("original_fs_bytes", std::uint64_t{0});
    j.step = o.at("step").get<std::string>();
    return j;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("does not parse: ") + e.what());
  }
}

}  // namespace netraid::mirror::existing_fs
