#include "local_device.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace netraid::device {

namespace fs = std::filesystem;

Facts inspect(const std::string& path) {
  Facts f;
  f.path = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return f;
  f.exists = true;
  f.is_block = S_ISBLK(st.st_mode);
  if (!f.is_block) return f;
  // Mounted anywhere: match major:minor in mountinfo (field 3).
  std::ifstream mi("/proc/self/mountinfo");
  const std::string devno = std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
  for (std::string line; std::getline(mi, line);) {
    std::istringstream fields(line);
    std::string id, parent, mm, root, mount_point;
    fields >> id >> parent >> mm >> root >> mount_point;
    if (mm == devno) {
      f.mounted_on = mount_point;
      break;
    }
  }
  const auto sys = fs::path("/sys/dev/block") / devno / "holders";
  std::error_code ec;
  for (const auto& h : fs::directory_iterator(sys, ec)) {
    f.held_by = h.path().filename().string();
    break;
  }
  // Size from sysfs (512-byte sectors): readable even while md holds the device.
  std::ifstream size_file(fs::path("/sys/dev/block") / devno / "size");
  std::uint64_t sectors = 0;
  if (size_file >> sectors) f.size_bytes = sectors * 512;
  int fd = ::open(path.c_str(), O_RDONLY | O_EXCL | O_CLOEXEC);
  if (fd < 0)
    f.busy = (errno == EBUSY);
  else
    ::close(fd);
  return f;
}

std::string refusal(const Facts& f, std::uint64_t min_bytes) {
  if (!f.exists) return "device " + f.path + " does not exist: give an existing partition or disk";
  if (!f.is_block) return f.path + " is not a block device: give a partition or disk such as /dev/sdb1";
  if (!f.mounted_on.empty())
    return "device " + f.path + " is mounted on " + f.mounted_on + ": unmount it first (its data would be overwritten)";
  if (!f.held_by.empty())
    return "device " + f.path + " is in use by " + f.held_by + " (an md array or device-mapper): stop that first";
  if (f.busy) return "device " + f.path + " is open exclusively by another program: stop that program first";
  if (f.size_bytes < min_bytes)
    return "device " + f.path + " has " + std::to_string(f.size_bytes >> 20) + " MiB, at least " +
           std::to_string(min_bytes >> 20) + " MiB are needed: give a larger device";
  return {};
}

}  // namespace netraid::device
