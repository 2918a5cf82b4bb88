#include <rivet/storage/fault_plan.hpp>

namespace rivet::storage {

void FaultPlan::arm(Fault fault) {
  std::lock_guard lock(mutex_);
  faults_.push_back(fault);
}

void FaultPlan::clear() {
  std::lock_guard lock(mutex_);
  faults_.clear();
  crashed_ = false;
}

FaultPlan::Counts FaultPlan::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

bool FaultPlan::crashed() const {
  std::lock_guard lock(mutex_);
  return crashed_;
}

void FaultPlan::fail_sync(std::uint64_t nth, FaultFile file) {
  arm(Fault{.op = FaultOp::Sync, .file = file, .skip = nth == 0 ? 0 : nth - 1});
}

void FaultPlan::disk_full() {
  arm(Fault{.op = FaultOp::Write, .error = FaultError::DiskFull, .times = kUntilCleared});
}

void FaultPlan::io_errors(FaultOp op, FaultFile file) {
  arm(Fault{.op = op, .file = file, .times = kUntilCleared});
}

void FaultPlan::tear_write(std::uint64_t nth, std::size_t keep, FaultFile file) {
  arm(Fault{.op = FaultOp::Write,
            .file = file,
            .skip = nth == 0 ? 0 : nth - 1,
            .tear_after = keep,
            .crash = true});
}

void FaultPlan::wrote(FaultFile file, std::size_t bytes) {
  if (file == FaultFile::Wal) {
    std::lock_guard lock(mutex_);
    counts_.wal_bytes += bytes;
  }
}

std::optional<FaultPlan::Verdict> FaultPlan::check(FaultOp op, FaultFile file) {
  std::lock_guard lock(mutex_);
  switch (op) {
    case FaultOp::Read:
      ++counts_.reads;
      break;
    case FaultOp::Write:
      ++counts_.writes;
      break;
    case FaultOp::Sync:
      ++counts_.syncs;
      break;
    case FaultOp::Truncate:
      ++counts_.truncates;
      break;
  }
  if (crashed_ && op != FaultOp::Read) {
    ++counts_.fired;
    return Verdict{};
  }
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    Fault& fault = *it;
    if (fault.op != op || (fault.file != FaultFile::Any && fault.file != file)) {
      continue;
    }
    if (fault.skip > 0) {
      --fault.skip;
      continue;
    }
    Verdict verdict;
    // Only a write or a truncate can find the disk full; SQLite reads and syncs report EIO.
    if (op == FaultOp::Write || op == FaultOp::Truncate) {
      verdict.error = fault.error;
    }
    if (op == FaultOp::Write) {
      verdict.tear_after = fault.tear_after;
    }
    crashed_ = crashed_ || fault.crash;
    if (fault.times != kUntilCleared && --fault.times == 0) {
      faults_.erase(it);
    }
    ++counts_.fired;
    return verdict;
  }
  return std::nullopt;
}

}  // namespace rivet::storage
