// SPDX-License-Identifier: GPL-2.0-or-later
// Reads a captured output from tests/mdadm-glue/data/.
#pragma once
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

inline std::string test_data(const std::string& name) {
  const std::string path = std::string(NETRAID_MDADM_TEST_DATA) + "/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("test data missing: " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
