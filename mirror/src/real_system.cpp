// SPDX-License-Identifier: GPL-2.0-or-later
// The System the product runs on: posix_spawn through mdadm-glue's runner,
// remote exec through the configured transport, /sys, the disks, netlink.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <ctime>
#include <filesystem>

#include "netraid/common/block_device.hpp"
#include "netraid/common/small_file.hpp"
#include "netraid/common/unique_fd.hpp"
#include "netraid/mdadm/mdadm_runner.hpp"
#include "netraid/mdadm/sysfs_attributes.hpp"
#include "netraid/mirror/errors.hpp"
#include "netraid/mirror/remote_exec.hpp"
#include "netraid/mirror/system.hpp"
#include "netraid/common/first_line.hpp"
#include "netraid/nbd/client.hpp"
#include "netraid/nbd/error.hpp"
#include "netraid/nbd/socket.hpp"
#include "serve_process.hpp"

namespace netraid::mirror {

namespace fs = std::filesystem;
using common::first_line;

namespace {

nbd::Target target_of(const NbdLink& link) {
  auto target = nbd::parse_target(link.address + ":" + std::to_string(link.port), link.export_name);
  target.tls_psk_file = link.tls_psk_file;
  return target;
}

class RealSystem final : public System {
 public:
  explicit RealSystem(const settings::Settings& s)
      : transport_(s.transport), remote_netraid_(s.remote_netraid), run_dir_(s.run_dir) {
    std::error_code ec;
    self_exe_ = fs::read_symlink("/proc/self/exe", ec).string();
    if (self_exe_.empty()) self_exe_ = "netraid";
  }

  ProgramResult run(const std::vector<std::string>& argv) override {
    mdadm::MdadmRunner runner(argv.at(0));
    try {
      auto r = runner.run({argv.begin() + 1, argv.end()});
      return {r.exit_code, r.out, r.err};
    } catch (const mdadm::MdadmError& e) {
      throw OpError(argv.at(0) + ": cannot run it: " + first_line(e.what()) + ": install it or fix PATH");
    }
  }

  ProgramResult run_on(const std::string& host, const std::vector<std::string>& args) override {
    return run_on_with_input(host, args, {});
  }

  ProgramResult run_on_with_input(const std::string& host, const std::vector<std::string>& args,
                                  const std::string& input) override {
    std::vector<std::string> command{remote_netraid_};
    command.insert(command.end(), args.begin(), args.end());
    const auto argv = remote::build_argv(transport_, host, command);
    mdadm::MdadmRunner runner(argv.at(0));
    try {
      auto r = runner.run({argv.begin() + 1, argv.end()}, input);
      return {r.exit_code, r.out, r.err};
    } catch (const mdadm::MdadmError& e) {
      throw OpError(argv.at(0) + ": cannot run it: " + first_line(e.what()) + ": install it or fix PATH");
    }
  }

  void start_detached_self(const std::vector<std::string>& args, const std::string& log_file) override {
    std::vector<std::string> argv{self_exe_};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> c_argv;
    for (auto& a : argv) c_argv.push_back(a.data());
    c_argv.push_back(nullptr);
    std::error_code ec;
    fs::create_directories(fs::path(log_file).parent_path(), ec);
    // Double fork: the process outlives this command and is nobody's zombie.
    const pid_t child = ::fork();
    if (child < 0) throw OpError("cannot start '" + args.at(0) + "': fork failed");
    if (child == 0) {
      if (::fork() != 0) ::_exit(0);
      ::setsid();
      const int in = ::open("/dev/null", O_RDONLY);
      int out = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (out < 0) out = ::open("/dev/null", O_WRONLY);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(out, 2);
      ::execv(c_argv[0], c_argv.data());
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
  }

  std::optional<std::string> md_read(const std::string& md, const std::string& attribute) override {
    const mdadm::MdSysfs sysfs(md);
    std::error_code ec;
    if (!fs::exists(sysfs.path(attribute), ec)) return std::nullopt;
    try {
      return sysfs.read(attribute);
    } catch (const std::exception&) {
      return std::nullopt;  // gone meanwhile (a member md just removed)
    }
  }

  void md_write(const std::string& md, const std::string& attribute, const std::string& value) override {
    mdadm::MdSysfs(md).write(attribute, value);
  }

  std::vector<std::string> md_members(const std::string& md) override {
    try {
      return mdadm::MdSysfs(md).members();
    } catch (const std::exception&) {
      return {};
    }
  }

  std::optional<std::string> read_proc(const std::string& path) override { return common::read_small_file(path); }

  bool serving(const std::string& tag) override { return server::serve_status(run_dir_, tag).exit_code == 0; }
  void stop_serving(const std::string& tag) override {
    const auto r = server::serve_stop(run_dir_, tag);
    if (r.exit_code != 0) throw OpError(first_line(r.err) + ": this system still serves " + tag + " as a target");
  }
  void drop_serving(const std::string& tag) override {
    const auto r = server::serve_stop(run_dir_, tag, /*drop=*/true);
    if (r.exit_code != 0) throw OpError(first_line(r.err) + ": this system still serves " + tag + " as a target");
  }

  mdadm::MemberMetadata read_member(const std::string& device) override { return mdadm::read_member_metadata(device); }

  DeviceUse device_use(const std::string& device) override {
    const auto facts = common::inspect_device(device, false);
    DeviceUse use;
    use.size_bytes = facts.size_bytes;
    if (!facts.mountpoints.empty()) use.mounted_on = facts.mountpoints.front();
    return use;
  }

  std::optional<std::string> block_stat(const std::string& device) override {
    std::error_code ec;
    const auto real = std::filesystem::canonical(device, ec);
    if (ec) return std::nullopt;
    try {
      return common::read_small_file("/sys/class/block/" + real.filename().string() + "/stat");
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

  AttachOutcome attach(const NbdLink& link) override {
    try {
      nbd::AttachOptions options;
      options.target = target_of(link);
      if (!link.device.empty()) options.index = nbd::parse_device(link.device);
      options.min_size = link.min_bytes;
      options.dead_conn_timeout_s = link.grace_seconds;
      auto kernel = nbd::open_kernel();
      nbd::TcpDialer dialer;
      const auto attached = nbd::attach(*kernel, dialer, options);
      return {nbd::device_path(attached.index), ""};
    } catch (const std::exception& e) {
      return {"", first_line(e.what())};
    }
  }

  void detach(const std::string& nbd) override {
    auto kernel = nbd::open_kernel();
    nbd::detach(*kernel, nbd::parse_device(nbd));
  }

  bool nbd_connected(const std::string& nbd) override {
    const auto text = common::read_small_file("/sys/block/" + fs::path(nbd).filename().string() + "/size");
    return text && std::strtoull(text->c_str(), nullptr, 10) > 0;
  }

  std::string nbd_regrow(const std::string& nbd, const NbdLink& link, std::uint64_t new_bytes,
                         const std::function<void()>& drop_connection) override {
    try {
      auto kernel = nbd::open_kernel();
      auto events = nbd::subscribe_link_events();  // before the connection drops
      nbd::TcpDialer dialer;
      nbd::SteadyClock clock;
      nbd::RegrowOptions options;
      options.size_bytes = new_bytes;
      // I/O waits for the new connection at least 30 s, or the mirror's
      // grace period when it is longer; then the grace period again.
      options.hold_s = std::max<std::uint64_t>(30, link.grace_seconds);
      options.restore_dead_conn_timeout_s = link.grace_seconds;
      nbd::regrow(*kernel, dialer, *events, clock, nbd::parse_device(nbd), target_of(link), options,
                  drop_connection);
      return "";
    } catch (const std::exception& e) {
      return first_line(e.what());
    }
  }

  std::string read_direct(const std::string& device, std::uint64_t offset, std::size_t length) override {
    const common::UniqueFd fd(::open(device.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC));
    if (fd.get() < 0) throw OpError("cannot open " + device + " to compare it: " + std::strerror(errno));
    // O_DIRECT wants a buffer aligned to the logical block size: 4096 covers every disk.
    void* raw = nullptr;
    if (::posix_memalign(&raw, 4096, length ? length : 4096) != 0) throw OpError("out of memory reading " + device);
    std::unique_ptr<void, void (*)(void*)> buffer(raw, std::free);
    std::size_t done = 0;
    while (done < length) {
      const ssize_t n = ::pread(fd.get(), static_cast<char*>(raw) + done, length - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        throw OpError("cannot read " + device + " at byte " + std::to_string(offset + done) + ": " + std::strerror(errno));
      if (n == 0) break;
      done += static_cast<std::size_t>(n);
    }
    return std::string(static_cast<const char*>(raw), done);
  }

  void sleep_ms(int ms) override { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

  void wait_md_event(const std::vector<std::string>& mds, int seconds) override {
    std::vector<pollfd> fds;
    for (const auto& name : mds) {
      for (const char* attr : {"degraded", "sync_action"}) {
        const int fd = ::open(("/sys/block/" + name + "/md/" + attr).c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        char buf[64];
        (void)!::read(fd, buf, sizeof buf);  // arm the notification
        fds.push_back({fd, POLLPRI | POLLERR, 0});
      }
    }
    ::poll(fds.data(), fds.size(), seconds * 1000);
    for (auto& p : fds) ::close(p.fd);
  }

  std::int64_t now() override { return static_cast<std::int64_t>(std::time(nullptr)); }

 private:
  remote::Transport transport_;
  std::string remote_netraid_;
  std::string run_dir_;
  std::string self_exe_;
};

}  // namespace

std::shared_ptr<System> real_system(const settings::Settings& settings) {
  return std::make_shared<RealSystem>(settings);
}

}  // namespace netraid::mirror
