#pragma once

// The default location store: bindings in one SQLite file (WAL), with a copy in memory so that
// lookups never touch the disk. Writes go through to the file before memory changes, or, with a
// write delay, behind it: a writer thread commits what changed, many AORs a transaction.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include "base/result.h"
#include "location/api/binding.h"
#include "location/api/store.h"
#include "location/memory_store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sb::location {

/// How far a returned update is durable (SQLite's `PRAGMA synchronous` in WAL mode).
enum class Synchronous {
    // Survives a crash or kill -9 of the process; the last updates may be lost on power loss.
    Normal,
    // Survives power loss too, at the cost of an fsync per update.
    Full,
};

struct SqliteOptions {
    std::string path;  // the database file; created with its schema when missing
    Synchronous synchronous = Synchronous::Normal;
    // How long open waits for another process that holds the file (a store still shutting
    // down, an operator's sqlite3 shell) to let go; once open, the store holds it alone.
    std::chrono::milliseconds busy_timeout{5000};
    // Unix seconds at open: bindings lapsed by then are deleted, not loaded.
    std::int64_t now = 0;
    // Zero: an update is in the file when it returns. Above zero: an update changes memory and
    // returns; a writer thread commits the AORs changed in the meantime `write_delay` after the
    // first of them, in one transaction, and retries as often when that fails. A crash loses
    // at most the last delay's changes; destroying the store writes them all.
    std::chrono::milliseconds write_delay{0};
};

/// A LocationStore backed by SQLite. Safe to call from any number of threads: lookups, aors and
/// count read only the memory copy; updates of different AORs run `change` in parallel and
/// share one connection for the write.
class SqliteStore final : public LocationStore {
public:
    /// Opens or creates the file, brings its schema up to date, deletes the bindings lapsed at
    /// `options.now` and loads the others. Holds the file exclusively until destroyed. Fails
    /// with an error naming the file when it cannot be opened, is not a database, is corrupt,
    /// is read-only, is held by another process, or was written by a newer schema.
    static Result<std::unique_ptr<SqliteStore>> open(const SqliteOptions& options);

    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;
    ~SqliteStore() override;

    // LocationStore
    Result<std::vector<Binding>> lookup(std::string_view aor, std::int64_t now) override;
    /// Returns once the new set is committed to the file; when the write fails, the transaction
    /// is rolled back, memory is left as it was, and the error says what SQLite reported. With a
    /// write delay, returns once memory holds the new set, which the writer commits later.
    Result<std::vector<Binding>> update(std::string_view aor, std::int64_t now,
                                        const Change& change) override;
    /// Deletes lapsed rows from the file, then from memory, one shard of AORs at a time; returns
    /// the number of bindings removed.
    Result<std::size_t> expire(std::int64_t now) override;
    Result<std::vector<std::string>> aors(std::int64_t now) override;
    Result<std::size_t> count(std::int64_t now) override;

    /// Commits the AORs whose changes wait for the writer (with a write delay); when that fails,
    /// they stay waiting and the error says what SQLite reported.
    Result<void> flush();

    /// AOR sets written behind and committed so far, and writer transactions that failed.
    std::uint64_t written_behind() const { return written_behind_.load(std::memory_order_acquire); }
    std::uint64_t failed_flushes() const { return failed_flushes_.load(std::memory_order_acquire); }

    /// Test only: caps the file at `pages` pages (never below its current size), so that the
    /// next write that needs a new page fails as a full disk would.
    Result<void> set_max_pages_for_test(int pages);

private:
    struct CloseDatabase {
        void operator()(sqlite3* db) const;
    };
    struct FinalizeStatement {
        void operator()(sqlite3_stmt* statement) const;
    };
    using Database = std::unique_ptr<sqlite3, CloseDatabase>;
    using Statement = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

    SqliteStore() = default;

    Result<void> prepare_statements();
    Result<void> load(std::int64_t now);
    struct AorSet {
        std::string_view aor;
        const std::vector<Binding>* set;
    };
    /// Replaces the AOR's rows with `next` in one transaction.
    Result<void> write(std::string_view aor, const std::vector<Binding>& next);
    /// Replaces the rows of each AOR with its set, all in one transaction.
    Result<void> write_sets(std::span<const AorSet> sets);
    /// Replaces the AOR's rows with `next` inside the open transaction; returns the statement
    /// that failed, not yet reset, or null.
    sqlite3_stmt* write_rows(std::string_view aor, const std::vector<Binding>& next);
    bool writes_behind() const { return write_delay_.count() > 0; }
    /// Notes that memory changed `aor`, for the writer; called after memory changed.
    void changed(std::string_view aor);
    void run_writer();
    void stop_writer();
    /// Deletes the rows of `aors` lapsed at `now` in one transaction.
    Result<void> remove_lapsed(const std::vector<std::string_view>& aors, std::int64_t now);
    /// Builds the error for a `what` ("write") that failed at `statement` from SQLite's message,
    /// then resets that statement and rolls back.
    Error failed(std::string_view what, sqlite3_stmt* statement);

    std::string path_;
    std::mutex db_mutex_;  // one connection: every statement runs under this lock
    Database db_;          // declared before the statements, so it is closed after them
    Statement begin_;
    Statement commit_;
    Statement rollback_;
    Statement delete_aor_;
    Statement insert_;
    Statement delete_lapsed_;  // of one AOR
    MemoryStore memory_;

    // Writing behind: the AORs memory changed since the writer last took them.
    std::chrono::milliseconds write_delay_{0};
    std::mutex changed_mutex_;
    std::condition_variable changed_cv_;
    std::unordered_set<std::string> changed_;
    bool stopping_ = false;  // under changed_mutex_
    std::mutex flush_mutex_;
    std::atomic<std::uint64_t> written_behind_{0};
    std::atomic<std::uint64_t> failed_flushes_{0};
    std::thread writer_;  // last, so that it starts and stops with everything above in place
};

}  // namespace sb::location
