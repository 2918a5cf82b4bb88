#include "storage/vfs.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <mutex>
#include <new>
#include <optional>
#include <string_view>
#include <unordered_map>

namespace rivet::storage::detail {

namespace {

constexpr const char* kVfsName = "rivet";
constexpr const char* kTokenParam = "rivet_vfs";

// -- what a token names -----------------------------------------------------------------------

struct Hooks {
  std::shared_ptr<Metrics> metrics;
  std::shared_ptr<FaultPlan> faults;
};

struct Registrations {
  std::mutex mutex;
  std::unordered_map<std::uint64_t, Hooks> by_token;  // guarded by mutex
  std::atomic<std::uint64_t> next{1};
};

Registrations& registrations() {
  static Registrations r;
  return r;
}

// Only at xOpen: a read, write or sync never looks anything up.
Hooks hooks_for(sqlite3_filename name) {
  if (name == nullptr) {
    return {};  // a temporary file without a name
  }
  const char* token = sqlite3_uri_parameter(name, kTokenParam);
  if (token == nullptr) {
    return {};
  }
  const auto key = std::strtoull(token, nullptr, 10);
  auto& r = registrations();
  std::lock_guard lock(r.mutex);
  auto it = r.by_token.find(key);
  return it == r.by_token.end() ? Hooks{} : it->second;
}

FaultFile file_kind(int open_flags) {
  if ((open_flags & SQLITE_OPEN_MAIN_DB) != 0) {
    return FaultFile::Database;
  }
  if ((open_flags & SQLITE_OPEN_WAL) != 0) {
    return FaultFile::Wal;
  }
  return FaultFile::Other;
}

// -- files --------------------------------------------------------------------------------------

// What SQLite allocates for one of our files (szOsFile bytes): this header, then the default
// VFS's own file object, which does all the work.
struct WrappedFile {
  sqlite3_file base;  // first: SQLite sees a WrappedFile as a sqlite3_file
  std::shared_ptr<Metrics> metrics;   // null: syncs are forwarded untimed
  std::shared_ptr<FaultPlan> faults;  // null: the file has the plain method table
  FaultFile kind = FaultFile::Other;
};

constexpr std::size_t kRealOffset =
    (sizeof(WrappedFile) + alignof(std::max_align_t) - 1) / alignof(std::max_align_t) *
    alignof(std::max_align_t);

WrappedFile* wrapped(sqlite3_file* file) {
  return reinterpret_cast<WrappedFile*>(file);
}

sqlite3_file* real(sqlite3_file* file) {
  return reinterpret_cast<sqlite3_file*>(reinterpret_cast<std::byte*>(file) + kRealOffset);
}

int file_close(sqlite3_file* file) {
  sqlite3_file* r = real(file);
  const int rc = r->pMethods->xClose(r);
  wrapped(file)->~WrappedFile();
  return rc;
}

int file_sync(sqlite3_file* file, int flags) {
  sqlite3_file* r = real(file);
  const auto& metrics = wrapped(file)->metrics;
  if (!metrics) {
    return r->pMethods->xSync(r, flags);
  }
  const auto start = std::chrono::steady_clock::now();
  const int rc = r->pMethods->xSync(r, flags);
  metrics->storage_fsync(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return rc;
}

// Everything else goes to the real file unchanged.
int file_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return real(f)->pMethods->xRead(real(f), buf, n, off);
}
int file_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  return real(f)->pMethods->xWrite(real(f), buf, n, off);
}
int file_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real(f)->pMethods->xTruncate(real(f), size);
}
int file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real(f)->pMethods->xFileSize(real(f), size);
}
int file_lock(sqlite3_file* f, int level) {
  return real(f)->pMethods->xLock(real(f), level);
}
int file_unlock(sqlite3_file* f, int level) {
  return real(f)->pMethods->xUnlock(real(f), level);
}
int file_check_reserved(sqlite3_file* f, int* out) {
  return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
int file_control(sqlite3_file* f, int op, void* arg) {
  return real(f)->pMethods->xFileControl(real(f), op, arg);
}
int file_sector_size(sqlite3_file* f) {
  return real(f)->pMethods->xSectorSize(real(f));
}
int file_device(sqlite3_file* f) {
  return real(f)->pMethods->xDeviceCharacteristics(real(f));
}
int file_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return real(f)->pMethods->xShmMap(real(f), page, size, extend, out);
}
int file_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
void file_shm_barrier(sqlite3_file* f) {
  real(f)->pMethods->xShmBarrier(real(f));
}
int file_shm_unmap(sqlite3_file* f, int delete_flag) {
  return real(f)->pMethods->xShmUnmap(real(f), delete_flag);
}
int file_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return real(f)->pMethods->xFetch(real(f), off, n, out);
}
int file_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return real(f)->pMethods->xUnfetch(real(f), off, p);
}

// -- the same four operations under a fault plan ------------------------------------------------

std::optional<FaultPlan::Verdict> check(sqlite3_file* f, FaultOp op) {
  WrappedFile* w = wrapped(f);
  return w->faults->check(op, w->kind);
}

int fault_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  if (check(f, FaultOp::Read)) {
    return SQLITE_IOERR_READ;
  }
  return file_read(f, buf, n, off);
}

int fault_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  auto verdict = check(f, FaultOp::Write);
  if (!verdict) {
    const int rc = file_write(f, buf, n, off);
    if (rc == SQLITE_OK) {
      WrappedFile* w = wrapped(f);
      w->faults->wrote(w->kind, static_cast<std::size_t>(n));
    }
    return rc;
  }
  if (verdict->tear_after && *verdict->tear_after > 0) {
    // The head of the write reaches the file; what it reports no longer matters.
    const auto keep = static_cast<int>(std::min<std::size_t>(*verdict->tear_after,
                                                             static_cast<std::size_t>(n)));
    (void)file_write(f, buf, keep, off);
  }
  return verdict->error == FaultError::DiskFull ? SQLITE_FULL : SQLITE_IOERR_WRITE;
}

int fault_truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (auto verdict = check(f, FaultOp::Truncate)) {
    return verdict->error == FaultError::DiskFull ? SQLITE_FULL : SQLITE_IOERR_TRUNCATE;
  }
  return file_truncate(f, size);
}

int fault_sync(sqlite3_file* f, int flags) {
  if (check(f, FaultOp::Sync)) {
    return SQLITE_IOERR_FSYNC;
  }
  return file_sync(f, flags);
}

constexpr int kMaxIoVersion = 3;

// A wrapper must not claim methods its real file lacks: one table per io_methods version, and a
// file gets the one of its real file's version. Files under a fault plan get the second set.
constexpr sqlite3_io_methods io_methods(int version, bool faults) {
  sqlite3_io_methods m{};
  m.iVersion = version;
  m.xClose = file_close;
  m.xRead = faults ? fault_read : file_read;
  m.xWrite = faults ? fault_write : file_write;
  m.xTruncate = faults ? fault_truncate : file_truncate;
  m.xSync = faults ? fault_sync : file_sync;
  m.xFileSize = file_size;
  m.xLock = file_lock;
  m.xUnlock = file_unlock;
  m.xCheckReservedLock = file_check_reserved;
  m.xFileControl = file_control;
  m.xSectorSize = file_sector_size;
  m.xDeviceCharacteristics = file_device;
  if (version >= 2) {
    m.xShmMap = file_shm_map;
    m.xShmLock = file_shm_lock;
    m.xShmBarrier = file_shm_barrier;
    m.xShmUnmap = file_shm_unmap;
  }
  if (version >= 3) {
    m.xFetch = file_fetch;
    m.xUnfetch = file_unfetch;
  }
  return m;
}

constexpr sqlite3_io_methods kIoMethods[kMaxIoVersion] = {
    io_methods(1, false), io_methods(2, false), io_methods(3, false)};
constexpr sqlite3_io_methods kFaultIoMethods[kMaxIoVersion] = {
    io_methods(1, true), io_methods(2, true), io_methods(3, true)};

// -- the VFS ------------------------------------------------------------------------------------

sqlite3_vfs* root(sqlite3_vfs* vfs) {
  return static_cast<sqlite3_vfs*>(vfs->pAppData);
}

int vfs_open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags,
             int* out_flags) {
  auto* header = new (file) WrappedFile{};
  sqlite3_file* r = real(file);
  r->pMethods = nullptr;
  const int rc = root(vfs)->xOpen(root(vfs), name, r, flags, out_flags);
  if (r->pMethods == nullptr) {
    // Nothing to close: SQLite calls xClose only for a file whose pMethods is set.
    header->~WrappedFile();
    file->pMethods = nullptr;
    return rc;
  }
  auto hooks = hooks_for(name);
  header->metrics = std::move(hooks.metrics);
  header->faults = std::move(hooks.faults);
  header->kind = file_kind(flags);
  const int version = std::max(std::min(r->pMethods->iVersion, kMaxIoVersion), 1);
  header->base.pMethods =
      header->faults ? &kFaultIoMethods[version - 1] : &kIoMethods[version - 1];
  return rc;
}

int vfs_delete(sqlite3_vfs* v, const char* name, int sync_dir) {
  return root(v)->xDelete(root(v), name, sync_dir);
}
int vfs_access(sqlite3_vfs* v, const char* name, int flags, int* out) {
  return root(v)->xAccess(root(v), name, flags, out);
}
int vfs_full_pathname(sqlite3_vfs* v, const char* name, int n, char* out) {
  return root(v)->xFullPathname(root(v), name, n, out);
}
void* vfs_dl_open(sqlite3_vfs* v, const char* name) {
  return root(v)->xDlOpen(root(v), name);
}
void vfs_dl_error(sqlite3_vfs* v, int n, char* out) {
  root(v)->xDlError(root(v), n, out);
}
void (*vfs_dl_sym(sqlite3_vfs* v, void* lib, const char* sym))(void) {
  return root(v)->xDlSym(root(v), lib, sym);
}
void vfs_dl_close(sqlite3_vfs* v, void* lib) {
  root(v)->xDlClose(root(v), lib);
}
int vfs_randomness(sqlite3_vfs* v, int n, char* out) {
  return root(v)->xRandomness(root(v), n, out);
}
int vfs_sleep(sqlite3_vfs* v, int micros) {
  return root(v)->xSleep(root(v), micros);
}
int vfs_current_time(sqlite3_vfs* v, double* out) {
  return root(v)->xCurrentTime(root(v), out);
}
int vfs_last_error(sqlite3_vfs* v, int n, char* out) {
  return root(v)->xGetLastError(root(v), n, out);
}
int vfs_current_time_int64(sqlite3_vfs* v, sqlite3_int64* out) {
  return root(v)->xCurrentTimeInt64(root(v), out);
}
int vfs_set_system_call(sqlite3_vfs* v, const char* name, sqlite3_syscall_ptr fn) {
  return root(v)->xSetSystemCall(root(v), name, fn);
}
sqlite3_syscall_ptr vfs_get_system_call(sqlite3_vfs* v, const char* name) {
  return root(v)->xGetSystemCall(root(v), name);
}
const char* vfs_next_system_call(sqlite3_vfs* v, const char* name) {
  return root(v)->xNextSystemCall(root(v), name);
}

constexpr int kMaxVfsVersion = 3;

// The default VFS's shape with our open: same version, and a method only where it has one.
sqlite3_vfs wrap(sqlite3_vfs* base) {
  sqlite3_vfs v{};
  v.iVersion = std::min(base->iVersion, kMaxVfsVersion);
  v.szOsFile = static_cast<int>(kRealOffset) + base->szOsFile;
  v.mxPathname = base->mxPathname;
  v.zName = kVfsName;
  v.pAppData = base;
  v.xOpen = vfs_open;
  v.xDelete = vfs_delete;
  v.xAccess = vfs_access;
  v.xFullPathname = vfs_full_pathname;
  v.xDlOpen = base->xDlOpen != nullptr ? vfs_dl_open : nullptr;
  v.xDlError = base->xDlError != nullptr ? vfs_dl_error : nullptr;
  v.xDlSym = base->xDlSym != nullptr ? vfs_dl_sym : nullptr;
  v.xDlClose = base->xDlClose != nullptr ? vfs_dl_close : nullptr;
  v.xRandomness = vfs_randomness;
  v.xSleep = vfs_sleep;
  v.xCurrentTime = vfs_current_time;
  v.xGetLastError = base->xGetLastError != nullptr ? vfs_last_error : nullptr;
  if (v.iVersion >= 2) {
    v.xCurrentTimeInt64 = base->xCurrentTimeInt64 != nullptr ? vfs_current_time_int64 : nullptr;
  }
  if (v.iVersion >= 3) {
    v.xSetSystemCall = base->xSetSystemCall != nullptr ? vfs_set_system_call : nullptr;
    v.xGetSystemCall = base->xGetSystemCall != nullptr ? vfs_get_system_call : nullptr;
    v.xNextSystemCall = base->xNextSystemCall != nullptr ? vfs_next_system_call : nullptr;
  }
  return v;
}

// SQLite's percent-decoding turns these back into the path's own bytes.
bool uri_safe(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

}  // namespace

Result<const char*> rivet_vfs() {
  // Registered once and never unregistered: open connections may use it until the process ends.
  static const int rc = [] {
    sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
    if (base == nullptr) {
      return SQLITE_ERROR;
    }
    static sqlite3_vfs vfs = wrap(base);
    return sqlite3_vfs_register(&vfs, /*makeDflt=*/0);
  }();
  if (rc != SQLITE_OK) {
    return errors::storage(std::string("cannot register the SQLite VFS ") + kVfsName + ": " +
                           sqlite3_errstr(rc));
  }
  // (const char* would also convert to an Error message; say which side is meant)
  return Result<const char*>(boost::system::in_place_value, kVfsName);
}

VfsRegistration::VfsRegistration(std::shared_ptr<Metrics> metrics,
                                 std::shared_ptr<FaultPlan> faults)
    : has_faults_(faults != nullptr) {
  auto& r = registrations();
  token_ = r.next.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(r.mutex);
  r.by_token.emplace(token_, Hooks{std::move(metrics), std::move(faults)});
}

VfsRegistration::~VfsRegistration() {
  auto& r = registrations();
  std::lock_guard lock(r.mutex);
  r.by_token.erase(token_);
}

std::string VfsRegistration::uri(const std::string& path) const {
  static constexpr char kHex[] = "0123456789ABCDEF";
  // "file://" + an absolute path: the empty authority keeps a leading "//" of the path a path.
  std::string out = !path.empty() && path.front() == '/' ? "file://" : "file:";
  for (char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if (uri_safe(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  out += '?';
  out += kTokenParam;
  out += '=';
  out += std::to_string(token_);
  return out;
}

Result<OpenTarget> open_target(const std::string& path, const VfsRegistration* registration) {
  if (registration == nullptr || path == ":memory:") {
    return OpenTarget{path, 0, nullptr};
  }
  auto vfs = rivet_vfs();
  if (!vfs) {
    return vfs.error();
  }
  return OpenTarget{registration->uri(path), SQLITE_OPEN_URI, *vfs};
}

}  // namespace rivet::storage::detail
