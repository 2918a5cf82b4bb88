#include "proc.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace rivet::load {

namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Waits for `pid` up to `timeout`; true when it exited (and was reaped).
bool wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || r < 0) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& out_path,
            const std::vector<std::string>& env = {}) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) {
      ::dup2(devnull, 0);
      ::close(devnull);
    }
    // A new process group, so a terminal's Ctrl-C reaches us first and we stop the server.
    ::setpgid(0, 0);
    for (const auto& kv : env) {
      const auto eq = kv.find('=');
      ::setenv(kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str(), 1);
    }
    ::execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

ServerProcess::~ServerProcess() { stop(); }

std::optional<std::string> ServerProcess::start(const std::string& binary,
                                                const std::string& data_dir,
                                                const std::vector<std::string>& extra_args,
                                                const std::string& log_path,
                                                std::chrono::seconds timeout,
                                                const std::vector<std::string>& env) {
  std::vector<std::string> argv{binary, "--port", "0", "--data-dir", data_dir};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  // A restart writes the same log: drop the old one first, so its endpoint line is not read.
  ::unlink(log_path.c_str());
  pid_ = spawn(argv, log_path, env);
  if (pid_ < 0) {
    return "fork failed";
  }
  static const std::regex kLine(R"(rivet listening on http://([^:/\s]+):(\d+))");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto text = slurp(log_path);
    std::smatch m;
    if (std::regex_search(text, m, kLine)) {
      host_ = m[1];
      port_ = static_cast<std::uint16_t>(std::stoi(m[2]));
      return std::nullopt;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return "server exited before listening (see " + log_path + ")";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop();
  return "server did not print its endpoint in time (see " + log_path + ")";
}

void ServerProcess::stop(std::chrono::seconds timeout) {
  if (pid_ <= 0) {
    return;
  }
  ::kill(pid_, SIGTERM);
  if (!wait_exit(pid_, timeout)) {
    ::kill(pid_, SIGKILL);
    wait_exit(pid_, std::chrono::seconds(5));
  }
  pid_ = -1;
}

std::int64_t rss_kib(const std::vector<pid_t>& pids) {
  std::int64_t total = 0;
  for (auto pid : pids) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmRSS:", 0) == 0) {
        total += std::stoll(line.substr(6));
        break;
      }
    }
  }
  return total;
}

double cpu_seconds(const std::vector<pid_t>& pids) {
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  double total = 0;
  for (auto pid : pids) {
    const auto text = slurp("/proc/" + std::to_string(pid) + "/stat");
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const auto close = text.rfind(')');
    if (close == std::string::npos) {
      continue;
    }
    std::istringstream rest(text.substr(close + 2));
    std::vector<std::string> fields;
    std::string f;
    while (rest >> f) {
      fields.push_back(f);
    }
    // rest[0] is field 3 (state); utime is field 14, stime 15.
    if (fields.size() > 12) {
      total += (std::stod(fields[11]) + std::stod(fields[12])) / tick;
    }
  }
  return total;
}

double self_cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

std::int64_t io_write_bytes(const std::vector<pid_t>& pids) {
  std::int64_t total = 0;
  bool any = false;
  for (auto pid : pids) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/io");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("write_bytes:", 0) == 0) {
        total += std::stoll(line.substr(12));
        any = true;
      }
    }
  }
  return any ? total : -1;
}

std::int64_t dir_bytes(const std::string& dir) {
  if (dir.empty() || !fs::exists(dir)) {
    return -1;
  }
  std::int64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; it != end; it.increment(ec)) {
    if (ec) {
      break;
    }
    if (it->is_regular_file(ec)) {
      total += static_cast<std::int64_t>(it->file_size(ec));
    }
  }
  return total;
}

SyncCounter::SyncCounter(const std::vector<pid_t>& pids) {
  if (pids.empty()) {
    why_ = "no server pid";
    return;
  }
  std::string list;
  for (auto p : pids) {
    list += (list.empty() ? "" : ",") + std::to_string(p);
  }
  char tmpl[] = "/tmp/rivet-load-perf-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  if (fd < 0) {
    why_ = "mkstemp failed";
    return;
  }
  ::close(fd);
  out_path_ = tmpl;
  perf_pid_ = spawn({"perf", "stat", "-x", ",", "-o", out_path_, "-e",
                     "syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync", "-p", list},
                    "/dev/null");
  // perf needs a moment to attach; counting starts once it has.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int status = 0;
  if (perf_pid_ > 0 && ::waitpid(perf_pid_, &status, WNOHANG) == perf_pid_) {
    perf_pid_ = -1;
    why_ = "perf exited at once (not installed, or no tracepoint access)";
  }
}

SyncCounter::~SyncCounter() {
  if (perf_pid_ > 0) {
    ::kill(perf_pid_, SIGINT);
    wait_exit(perf_pid_, std::chrono::seconds(5));
  }
  if (!out_path_.empty()) {
    ::unlink(out_path_.c_str());
  }
}

std::optional<std::int64_t> SyncCounter::finish() {
  if (perf_pid_ <= 0) {
    return std::nullopt;
  }
  ::kill(perf_pid_, SIGINT);
  if (!wait_exit(perf_pid_, std::chrono::seconds(10))) {
    ::kill(perf_pid_, SIGKILL);
    wait_exit(perf_pid_, std::chrono::seconds(2));
  }
  perf_pid_ = -1;
  std::istringstream in(slurp(out_path_));
  std::string line;
  std::int64_t total = 0;
  int seen = 0;
  while (std::getline(in, line)) {
    if (line.find("syscalls:sys_enter_") == std::string::npos) {
      continue;
    }
    const auto comma = line.find(',');
    const auto count = line.substr(0, comma);
    if (count.empty() || count[0] == '<') {
      why_ = "perf could not count: " + line;
      return std::nullopt;
    }
    total += std::stoll(count);
    ++seen;
  }
  if (seen == 0) {
    why_ = "perf wrote no counts";
    return std::nullopt;
  }
  return total;
}

std::pair<double, double> fdatasync_probe_us(const std::string& dir, int n) {
  if (dir.empty() || n <= 0) {
    return {-1, -1};
  }
  const std::string path = dir + "/.rivet-load-fsync-probe";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    return {-1, -1};
  }
  std::vector<double> us;
  const std::string block(4096, 'x');
  for (int i = 0; i < n; ++i) {
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) {
      break;
    }
    const auto t = std::chrono::steady_clock::now();
    if (::fdatasync(fd) != 0) {
      break;
    }
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t)
                     .count());
  }
  ::close(fd);
  ::unlink(path.c_str());
  if (us.empty()) {
    return {-1, -1};
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[std::min(us.size() - 1, us.size() * 99 / 100)]};
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      auto v = line.substr(colon + 1);
      v.erase(0, v.find_first_not_of(' '));
      return v;
    }
  }
  return "unknown";
}

std::string kernel_release() {
  utsname u{};
  ::uname(&u);
  return u.release;
}

std::int64_t mem_total_kib() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("MemTotal:", 0) == 0) {
      return std::stoll(line.substr(9));
    }
  }
  return 0;
}

}  // namespace rivet::load
