#pragma once

// The default location store: bindings in one SQLite file (WAL), with a copy in memory so that
// lookups never touch the disk. Writes go through to the file before memory changes.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
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
    /// is rolled back, memory is left as it was, and the error says what SQLite reported.
    Result<std::vector<Binding>> update(std::string_view aor, std::int64_t now,
                                        const Change& change) override;
    /// Deletes lapsed rows from the file, then from memory, one shard of AORs at a time; returns
    /// the number of bindings removed.
    Result<std::size_t> expire(std::int64_t now) override;
    Result<std::vector<std::string>> aors(std::int64_t now) override;
    Result<std::size_t> count(std::int64_t now) override;

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
    /// Replaces the AOR's rows with `next` in one transaction.
    Result<void> write(std::string_view aor, const std::vector<Binding>& next);
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
};

}  // namespace sb::location
