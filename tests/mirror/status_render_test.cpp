// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "fixtures.hpp"
#include "netraid/mirror/mirror_status.hpp"

using namespace netraid::mirror::status;
using fixtures::mirror_with_targets;
using fixtures::on_source;
using fixtures::status_of;

namespace {
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool has_line(const std::vector<std::string>& lines, const std::string& wanted) {
  for (const auto& l : lines)
    if (l == wanted) return true;
  return false;
}
}  // namespace

TEST_CASE("human and json: the replication link is TLS as the config says") {
  auto mirror = mirror_with_targets(1);
  mirror.tls = true;
  const auto status = status_of(mirror, fixtures::kRecovery, on_source(1));
  CHECK(has_line(lines_of(render_human(status)), "            Link : TLS (pre-shared key, kernel TLS)"));
  CHECK(render_json({status}).find("\"tls\": true") != std::string::npos);
}

TEST_CASE("human: mdadm --detail layout for a recovering target") {
  const auto text = render_human(status_of(mirror_with_targets(1), fixtures::kRecovery, on_source(1)));
  const auto lines = lines_of(text);
  INFO(text);
  REQUIRE(!lines.empty());
  CHECK(lines[0] == "/dev/md/netraid-datarep:");
  CHECK(has_line(lines, "             Tag : datarep"));
  CHECK(has_line(lines, "            Role : Source"));
  CHECK(has_line(lines, "    Array Device : /dev/md0"));
  CHECK(has_line(lines, "           State : resyncing"));
  CHECK(has_line(lines, "      Array Size : 262080 (255.94 MiB 268.37 MB)"));
  CHECK(has_line(lines, "    Bitmap Chunk : 1024K"));
  CHECK(has_line(lines, "          Health : degraded (1)"));
  CHECK(has_line(lines, "            Link : plaintext (--no-tls)"));  // the fixture's config has no "tls"
  CHECK(has_line(lines, "    Host   Status         Device      NBD    Progress"));
  CHECK(has_line(lines, "    n1     Source (ISP)   /dev/ubda   -      -"));
  CHECK(has_line(lines, "    n2     Resyncing      /dev/ubda   nbd0   12.6% 33024 KB/s ETA 0:07"));
}

TEST_CASE("human: pending resync and out-of-sync reasons show in the progress column") {
  const auto pending = lines_of(render_human(status_of(mirror_with_targets(1), fixtures::kResyncPending, on_source(1))));
  CHECK(has_line(pending, "    n2     Resyncing      /dev/ubda   nbd0   pending"));

  const auto faulty = lines_of(render_human(status_of(mirror_with_targets(2), fixtures::kThreeLegsOneFaulty, on_source(2))));
  CHECK(has_line(faulty, "    n3     Out of Sync    /dev/ubda   nbd1   faulty"));
  CHECK(has_line(faulty, "    n2     Target         /dev/ubda   nbd0   -"));
  // 130048 KiB is above mdadm's 5000 KiB threshold for a human size.
  CHECK(has_line(faulty, "      Array Size : 130048 (127.00 MiB 133.17 MB)"));
}

TEST_CASE("human: no array here prints no size and '-' for the array device") {
  const auto text = render_human(status_of(mirror_with_targets(1), fixtures::kNoArrays, on_source(1)));
  const auto lines = lines_of(text);
  INFO(text);
  CHECK(has_line(lines, "            Role : Not active"));
  CHECK(has_line(lines, "    Array Device : -"));
  CHECK(has_line(lines, "           State : inactive"));
  CHECK(has_line(lines, "          Health : unusable (2)"));
  CHECK(text.find("Array Size") == std::string::npos);
  CHECK(text.find("Bitmap Chunk") == std::string::npos);
  CHECK(has_line(lines, "    n2     Unknown   /dev/ubda   -     -"));
}

TEST_CASE("human: 1 source + 7 targets, one row each, columns aligned") {
  auto seen = on_source(7);
  seen.attached_nbd.erase("n4");
  seen.paused_targets = {"n3"};
  seen.member_states = {{"ubda", "in_sync"},
                        {"nbd0", "in_sync"},
                        {"nbd3", "faulty"},
                        {"nbd4", "spare"},
                        {"nbd5", "in_sync"}};
  const auto text = render_human(status_of(mirror_with_targets(7), fixtures::kEightLegsMixed, seen));
  INFO(text);
  const auto lines = lines_of(text);
  std::size_t header = 0;
  while (header < lines.size() && lines[header].find("Host") == std::string::npos) ++header;
  REQUIRE(header + 8 < lines.size() + 1);
  REQUIRE(lines.size() == header + 9);
  const auto status_col = lines[header].find("Status");
  const auto device_col = lines[header].find("Device");
  for (std::size_t i = header + 1; i < lines.size(); ++i) {
    CAPTURE(lines[i]);
    CHECK(lines[i].substr(4, 1) == "n");
    CHECK(lines[i][status_col - 1] == ' ');
    CHECK(lines[i][status_col] != ' ');
    CHECK(lines[i].substr(device_col, 9) == "/dev/ubda");
  }
  CHECK(has_line(lines, "    n4     Out of Sync    /dev/ubda   -      not attached"));
  CHECK(has_line(lines, "    n3     Paused         /dev/ubda   nbd1   -"));
  CHECK(has_line(lines, "    n8     Out of Sync    /dev/ubda   nbd6   not in array"));
  CHECK(has_line(lines, "    n6     Resyncing      /dev/ubda   nbd4   23.5% 32768 KB/s ETA 0:49"));
}

TEST_CASE("json: schema fields for a source and a target view") {
  auto on_target = NodeObservations{};
  on_target.this_node = "n2";
  on_target.serving_as_target = true;
  auto other = mirror_with_targets(1);
  other.tag = "logs";
  other.md_device = "/dev/md/netraid-logs";
  const auto text = render_json({status_of(mirror_with_targets(1), fixtures::kRecovery, on_source(1)),
                                 status_of(other, fixtures::kRecovery, on_target)});
  INFO(text);
  const auto doc = nlohmann::json::parse(text);
  CHECK(doc.at("schema_version") == 1);
  CHECK(doc.at("exit_code") == 5);
  REQUIRE(doc.at("mirrors").size() == 2);

  const auto& m = doc["mirrors"][0];
  CHECK(m.at("tag") == "datarep");
  CHECK(m.at("role") == "Source");
  CHECK(m.at("md_device") == "/dev/md/netraid-datarep");
  CHECK(m.at("array") == "md0");
  CHECK(m.at("state") == "resyncing");
  CHECK(m.at("size_bytes") == 262080ull * 1024);
  CHECK(m.at("bitmap_chunk_bytes") == 1048576);
  CHECK(m.at("health") == "degraded");
  CHECK(m.at("health_code") == 1);
  REQUIRE(m.at("systems").size() == 2);
  const auto& src = m["systems"][0];
  CHECK(src.at("host") == "n1");
  CHECK(src.at("status") == "Source (ISP)");
  CHECK(src.at("nbd_device").is_null());
  CHECK(src.at("resync_percent").is_null());
  const auto& n2 = m["systems"][1];
  CHECK(n2.at("status") == "Resyncing");
  CHECK(n2.at("nbd_device") == "nbd0");
  CHECK(n2.at("device") == "/dev/ubda");
  CHECK(n2.at("problem").is_null());
  CHECK(n2.at("resync_waiting") == false);
  CHECK(n2.at("resync_percent").get<double>() == doctest::Approx(12.6));
  CHECK(n2.at("speed_kib_s") == 33024);
  CHECK(n2.at("eta_seconds") == 7);
  CHECK(n2.at("done_kib") == 33024);
  CHECK(n2.at("total_kib") == 262080);

  const auto& t = doc["mirrors"][1];
  CHECK(t.at("tag") == "logs");
  CHECK(t.at("role") == "Target");
  CHECK(t.at("state") == "inactive");
  CHECK(t.at("size_bytes").is_null());
  CHECK(t.at("health_code") == 4);
  CHECK(t["systems"][1].at("status") == "Unknown");
  CHECK(t["systems"][1].at("problem") == "not source");
}

TEST_CASE("json: pending resync and out-of-sync problems") {
  const auto pending = nlohmann::json::parse(
      render_json({status_of(mirror_with_targets(1), fixtures::kResyncPending, on_source(1))}));
  const auto& n2 = pending["mirrors"][0]["systems"][1];
  CHECK(n2.at("status") == "Resyncing");
  CHECK(n2.at("resync_waiting") == true);
  CHECK(n2.at("resync_percent").is_null());
  CHECK(n2.at("eta_seconds").is_null());

  const auto faulty = nlohmann::json::parse(
      render_json({status_of(mirror_with_targets(2), fixtures::kThreeLegsOneFaulty, on_source(2))}));
  CHECK(faulty["mirrors"][0]["systems"][2].at("status") == "Out of Sync");
  CHECK(faulty["mirrors"][0]["systems"][2].at("problem") == "faulty");
  CHECK(faulty.at("exit_code") == 1);
}

TEST_CASE("json: no mirrors is an empty list and exit code 0") {
  const auto doc = nlohmann::json::parse(render_json({}));
  CHECK(doc.at("mirrors").is_array());
  CHECK(doc.at("mirrors").empty());
  CHECK(doc.at("exit_code") == 0);
}

TEST_CASE("status: a target added without a full sync carries a warning, in JSON and in the text") {
  const auto mirror = mirror_with_targets(1);
  auto seen = on_source(1);
  seen.seeded_targets = {"n2"};
  const auto s = status_of(mirror, fixtures::kRecovery, seen);
  REQUIRE(s.systems.size() == 2);
  CHECK(s.systems[0].warning.empty());
  CHECK(s.systems[1].warning.find("LKDR_NO_FULL_SYNC") != std::string::npos);
  const auto doc = nlohmann::json::parse(render_json({s}));
  CHECK(doc["mirrors"][0]["systems"][0]["warning"].is_null());
  CHECK(doc["mirrors"][0]["systems"][1]["warning"].get<std::string>().find("netraid fullresync datarep n2") !=
        std::string::npos);
  CHECK(render_human(s).find("WARNING: n2: added without a full sync (LKDR_NO_FULL_SYNC)") != std::string::npos);
  seen.seeded_targets.clear();
  CHECK(render_human(status_of(mirror, fixtures::kRecovery, seen)).find("WARNING") == std::string::npos);
}

// Issue 15: `netraid status` uses the seed's words. Each of the eight, as the
// operator reads it in the table (host, then the word) and as scripts read
// it in the JSON, at the system it belongs to.
TEST_CASE("human and json: every DataKeeper status word, each at its system") {
  // host -> the word its row must show (text: the word follows the host's column).
  const auto row_shows = [](const std::string& text, const std::string& host, const std::string& word) {
    for (const auto& l : lines_of(text)) {
      const auto at = l.find("    " + host + " ");
      if (at != 0) continue;
      const auto rest = l.substr(l.find_first_not_of(' ', 4 + host.size()));
      return rest.rfind(word + " ", 0) == 0 || rest == word;
    }
    return false;
  };
  const auto json_shows = [](const MirrorStatus& s, const std::string& host, const std::string& word) {
    const auto doc = nlohmann::json::parse(render_json({s}));
    for (const auto& sys : doc["mirrors"][0]["systems"])
      if (sys.at("host") == host) return sys.at("status") == word;
    return false;
  };
  // The source: 1 + 7 targets with a paused, a resyncing, an out-of-sync
  // and an in-sync target (the mixed fixture of mirror_status_test).
  auto seen = on_source(7);
  seen.attached_nbd.erase("n4");
  seen.paused_targets = {"n3"};
  seen.member_states = {{"ubda", "in_sync"},
                        {"nbd0", "in_sync,write_mostly"},
                        {"nbd3", "faulty,write_mostly"},
                        {"nbd4", "spare,write_mostly"},
                        {"nbd5", "in_sync,write_mostly"}};
  const auto source = status_of(mirror_with_targets(7), fixtures::kEightLegsMixed, seen);
  const auto source_text = render_human(source);
  INFO(source_text);
  for (const auto& [host, word] : std::vector<std::pair<std::string, std::string>>{{"n1", "Source (ISP)"},
                                                                                  {"n2", "Target"},
                                                                                  {"n3", "Paused"},
                                                                                  {"n4", "Out of Sync"},
                                                                                  {"n6", "Resyncing"}}) {
    CHECK_MESSAGE(row_shows(source_text, host, word), (host + " does not show " + word));
    CHECK_MESSAGE(json_shows(source, host, word), (host + " is not " + word + " in JSON"));
  }
  // A former target waiting for the source it came up without, n1.
  NodeObservations waiting;
  waiting.this_node = "n2";
  waiting.waiting_for_previous_source = "n1";
  const auto former = status_of(mirror_with_targets(2), fixtures::kNoArrays, waiting);
  const auto former_text = render_human(former);
  INFO(former_text);
  for (const auto& [host, word] : std::vector<std::pair<std::string, std::string>>{
           {"n1", "Out of Sync (Previous Source)"},
           {"n2", "Out of Sync (Wait for Previous Source)"},
           {"n3", "Unknown"}}) {
    CHECK_MESSAGE(row_shows(former_text, host, word), (host + " does not show " + word));
    CHECK_MESSAGE(json_shows(former, host, word), (host + " is not " + word + " in JSON"));
  }
}
