// SPDX-License-Identifier: GPL-2.0-or-later
// A file descriptor closed on every path out (private to netraid-common).
#pragma once
#include <unistd.h>

namespace netraid::common {

class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  // close() reports deferred write errors on some filesystems: check it.
  int release_and_close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

}  // namespace netraid::common
