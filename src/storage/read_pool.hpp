#pragma once
// A small pool of read connections, handed out one thread at a time. Thread-safe.
//
// File databases get up to `max_size` read-only connections, opened on demand; WAL lets them
// read committed data while the writer works. An in-memory database exists only inside the
// writer's connection, so the pool then holds exactly that one connection, and the writer leases
// it too for the length of each transaction: readers never see a half-applied group.

#include "storage/read_conn.hpp"

#include <condition_variable>
#include <mutex>

namespace rivet::storage::detail {

class ReadPool {
 public:
  /// Exclusive use of one connection until destroyed.
  class Lease {
   public:
    Lease(ReadPool& pool, std::unique_ptr<ReadConn> conn) noexcept
        : pool_(&pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_) {
        pool_->release(std::move(conn_));
      }
    }
    ReadConn* operator->() const noexcept { return conn_.get(); }

   private:
    ReadPool* pool_;
    std::unique_ptr<ReadConn> conn_;
  };

  /// Pool of own read-only connections to the database `target` names.
  ReadPool(OpenTarget target, std::size_t max_size);
  /// Pool of exactly one, shared connection (":memory:").
  explicit ReadPool(std::unique_ptr<ReadConn> only);
  ReadPool(const ReadPool&) = delete;
  ReadPool& operator=(const ReadPool&) = delete;
  ~ReadPool() { close(); }

  /// Waits for a free connection (opening one if the pool is below its size). Fails once closed.
  [[nodiscard]] Result<Lease> acquire();
  /// Refuses new leases, waits for outstanding ones to return, drops every connection.
  void close();

 private:
  void release(std::unique_ptr<ReadConn> conn);

  const OpenTarget target_;
  const std::size_t max_size_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<ReadConn>> idle_;
  std::size_t open_ = 0;  // idle + leased
  bool closed_ = false;
};

}  // namespace rivet::storage::detail
