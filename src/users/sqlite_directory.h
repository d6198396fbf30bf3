#pragma once

// Users in an SQLite file (WAL), shared by the server and the `switchboard user` commands.
// Reads come from an in-memory snapshot of the whole table, reloaded when another connection
// has committed (PRAGMA data_version, checked at most every `refresh`), so the proxy's lookup
// on every call costs a hash lookup, and a user added from the command line is seen within a
// second without a restart.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/clock.h"
#include "users/directory.h"

struct sqlite3;

namespace sb::users {

class SqliteDirectory final : public Directory {
public:
    /// Opens or creates the file and its schema. Fails naming the file.
    static Result<std::unique_ptr<SqliteDirectory>> open(
        const std::string& path, std::chrono::milliseconds refresh = std::chrono::milliseconds(500));
    ~SqliteDirectory() override;

    Result<std::optional<User>> find(std::string_view aor) override;
    Result<std::vector<User>> list() override;
    Result<void> add(const User& user) override;
    Result<void> update(const User& user) override;
    Result<bool> remove(std::string_view aor) override;

private:
    using Snapshot = std::unordered_map<std::string, User>;

    SqliteDirectory(sqlite3* db, std::string path, std::chrono::milliseconds refresh);
    Result<void> reload_if_changed();   // with mutex_ held
    Result<Snapshot> load();            // with mutex_ held
    Result<void> write(const User& user, bool insert);  // with mutex_ held

    sqlite3* db_;
    std::string path_;
    std::chrono::milliseconds refresh_;
    std::mutex mutex_;
    std::shared_ptr<const Snapshot> snapshot_;
    std::int64_t data_version_ = -1;
    std::chrono::steady_clock::time_point checked_{};
};

}  // namespace sb::users
