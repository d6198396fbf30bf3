#pragma once

// calls.db from the writer's side: one connection, WAL, a batch of finished calls per
// transaction. Used by the call log's writer thread only.

#include <sys/types.h>

#include <memory>
#include <span>
#include <string>

#include "base/result.h"
#include "dialog/call.h"

struct sqlite3;

namespace sb::cdr {
namespace detail {
class Statement;
}

class CallStore {
public:
    /// Opens or creates the file and its schema. `synchronous_full` makes every commit wait
    /// for the disk (a power cut loses nothing committed); without it a commit is safe from a
    /// crash of the process but not of the machine. Fails naming the file.
    static Result<std::unique_ptr<CallStore>> open(const std::string& path, bool synchronous_full);
    ~CallStore();
    CallStore(const CallStore&) = delete;
    CallStore& operator=(const CallStore&) = delete;

    /// Writes the calls in one transaction: all of them or none.
    Result<void> insert(std::span<const dialog::Call* const> calls);

    /// False when the file at the path is no longer the one open (deleted, or its directory
    /// removed): writes would go to a file nobody can read, so the owner opens it again.
    bool still_at_path() const;

    /// Makes the connection refuse writes (PRAGMA query_only), as a read-only file would;
    /// tests use it because root writes to files whatever their permissions say.
    Result<void> set_query_only(bool on);

    const std::string& path() const { return path_; }

private:
    CallStore(sqlite3* db, std::string path, dev_t dev, ino_t ino);
    /// Prepares the statements every batch runs, once: parsing them is most of a small batch.
    Result<void> prepare();
    /// Runs a statement without results and makes it ready to run again.
    Result<void> run(detail::Statement& statement);

    sqlite3* db_;
    std::unique_ptr<detail::Statement> begin_;
    std::unique_ptr<detail::Statement> insert_;
    std::unique_ptr<detail::Statement> commit_;
    std::unique_ptr<detail::Statement> rollback_;
    std::string path_;
    dev_t dev_;
    ino_t ino_;
};

}  // namespace sb::cdr
