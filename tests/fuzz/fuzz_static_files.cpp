// The request-path -> file mapping of the dashboard (/ui/...) and of the site at / (server/
// static_files.hpp), against a real directory. Input: a request (fuzz_text.hpp format; only
// method and target matter). Invariants: a mapped relative path never escapes its root (no
// empty, `.` or `..` segment, not absolute, no NUL, backslash or control character; lexically
// under the root) and encodes back to itself; an answer is one of the documented statuses, and
// a 200 body is a file of the served directory, never the secret beside it, not even through
// the symbolic link in the directory that points at it.
#include "server/static_files.hpp"
#include "server/url_util.hpp"

#include "fuzz_check.hpp"
#include "fuzz_text.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;
using namespace rivet::server;
using rivet::fuzz::fail;

constexpr std::string_view kSecret = "SECRET: outside the served directory";
constexpr std::string_view kFilePrefix = "FILE:";

// base/root holds the served files; base/secret.txt must never be served.
struct Tree {
  fs::path base;
  fs::path root;
};

void write(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

constexpr std::string_view kTreePrefix = "rivet-fuzz-static-";

// libFuzzer ends a timed run with _Exit, so no run can remove its own tree: each one removes
// the trees of runs whose process is gone, then makes its own, named by its process id.
void remove_stale_trees(const fs::path& parent) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    const auto name = entry.path().filename().string();
    if (!name.starts_with(kTreePrefix)) {
      continue;
    }
    const auto pid = std::atol(name.c_str() + kTreePrefix.size());
    if (pid > 0 && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      fs::remove_all(entry.path(), ec);
    }
  }
}

Tree make_tree() {
  const auto parent = fs::temp_directory_path();
  remove_stale_trees(parent);
  const auto base = parent / (std::string(kTreePrefix) + std::to_string(getpid()));
  std::error_code ec;
  fs::remove_all(base, ec);
  Tree t{base, base / "root"};
  for (const char* name : {"index.html", "assets/index-Ab12.js", "assets/app.css", "favicon.svg",
                           "docs/read me.txt", "docs/%41.txt", "caf\xc3\xa9.txt"}) {
    write(t.root / name, std::string(kFilePrefix) + name);
  }
  write(t.base / "secret.txt", kSecret);
  write(t.base / "root-sibling" / "index.html", kSecret);
  fs::create_symlink("../secret.txt", t.root / "leak.txt");
  fs::create_symlink("../root-sibling", t.root / "sibling");
  fs::create_symlink("index.html", t.root / "alias.html");
  return t;
}

const Tree& tree() {
  static const Tree t = make_tree();
  return t;
}

void check_relative(std::string_view raw, const std::string& input) {
  auto rel = safe_relative_path(raw);
  if (!rel) {
    return;
  }
  if (!rel->empty() && (rel->front() == '/' || rel->back() == '/')) {
    fail("relative path starts or ends with '/'", input);
  }
  std::size_t start = 0;
  while (start <= rel->size() && !rel->empty()) {
    auto end = std::min(rel->find('/', start), rel->size());
    auto segment = std::string_view(*rel).substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") {
      fail("relative path with an empty, '.' or '..' segment", input);
    }
    start = end + 1;
  }
  for (char c : *rel) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') {
      fail("relative path with a control character or a backslash", input);
    }
  }
  const auto root = fs::path("/srv/root");
  const auto inside = (root / *rel).lexically_normal().lexically_relative(root);
  if (fs::path(*rel).is_absolute() || inside.empty() || *inside.begin() == "..") {
    fail("relative path escapes its root", input);
  }
  if (safe_relative_path(rivet::fuzz::pct_encode(*rel, "/")) != rel) {
    fail("relative path does not encode back to itself", input);
  }
}

void check_response(const HttpResponse& r, bool ui, const std::string& input) {
  switch (r.status) {
    case 200:
      if (!r.body.starts_with(kFilePrefix)) {
        fail("200 with a body from outside the served directory", input);
      }
      return;
    case 308:
      if (!ui || r.header("location") == nullptr) {
        fail("redirect without location, or not from the dashboard", input);
      }
      return;
    case 400:
    case 404:
    case 405:
      return;
    default:
      fail("unexpected status", input + " -> " + std::to_string(r.status));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(rivet::fuzz::as_text(data, size));
  const auto request = rivet::fuzz::parse_request(input);
  const auto path = split_target(request.target).path;
  check_relative(path, input);
  if (path.size() > 1) {
    check_relative(path.substr(1), input);
  }
  const auto root = tree().root.string();
  if (is_ui_path(path)) {
    check_response(serve_ui(root, request), true, input);
  }
  if (is_site_path(path)) {
    check_response(serve_site(root, request), false, input);
  }
  return 0;
}
