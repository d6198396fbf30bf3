#include "users/sqlite_directory.h"

#include <sqlite3.h>

#include <algorithm>

namespace sb::users {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    aor          TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    ha1_md5      TEXT NOT NULL,
    ha1_sha256   TEXT NOT NULL,
    enabled      INTEGER NOT NULL,
    dnd          INTEGER NOT NULL,
    redirect     INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS blocked (
    aor    TEXT NOT NULL REFERENCES users(aor) ON DELETE CASCADE,
    caller TEXT NOT NULL,
    PRIMARY KEY (aor, caller)
);
CREATE TABLE IF NOT EXISTS forwards (
    aor           TEXT NOT NULL REFERENCES users(aor) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    target        TEXT NOT NULL,
    after_seconds INTEGER NOT NULL,
    PRIMARY KEY (aor, position)
);
)sql";

std::string text(sqlite3_stmt* s, int column) {
    const unsigned char* t = sqlite3_column_text(s, column);
    return t != nullptr ? std::string(reinterpret_cast<const char*>(t),
                                      static_cast<std::size_t>(sqlite3_column_bytes(s, column)))
                        : std::string();
}

// A prepared statement that finalizes itself.
class Statement {
public:
    Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
    ~Statement() { sqlite3_finalize(s_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    sqlite3_stmt* get() { return s_; }
    bool ok() const { return s_ != nullptr; }
    void bind(int i, std::string_view v) {
        sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
    void bind(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }

private:
    sqlite3_stmt* s_ = nullptr;
};

Result<void> exec(sqlite3* db, const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string message = err != nullptr ? err : sqlite3_errmsg(db);
        sqlite3_free(err);
        return fail(message);
    }
    return {};
}

}  // namespace

Result<std::unique_ptr<SqliteDirectory>> SqliteDirectory::open(const std::string& path,
                                                               std::chrono::milliseconds refresh) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
        std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        return fail("user database " + path + ": " + message);
    }
    sqlite3_busy_timeout(db, 5000);
    for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", kSchema}) {
        if (auto r = exec(db, sql); !r) {
            sqlite3_close(db);
            return fail("user database " + path + ": " + r.error().message);
        }
    }
    auto dir = std::unique_ptr<SqliteDirectory>(new SqliteDirectory(db, path, refresh));
    std::lock_guard lock(dir->mutex_);
    if (auto r = dir->reload_if_changed(); !r) {
        return fail("user database " + path + ": " + r.error().message);
    }
    return dir;
}

SqliteDirectory::SqliteDirectory(sqlite3* db, std::string path, std::chrono::milliseconds refresh)
    : db_(db), path_(std::move(path)), refresh_(refresh), snapshot_(std::make_shared<Snapshot>()) {}

SqliteDirectory::~SqliteDirectory() { sqlite3_close(db_); }

Result<void> SqliteDirectory::reload_if_changed() {
    auto now = std::chrono::steady_clock::now();
    if (data_version_ >= 0 && now - checked_ < refresh_) {
        return {};
    }
    checked_ = now;
    Statement v(db_, "PRAGMA data_version");
    if (!v.ok() || sqlite3_step(v.get()) != SQLITE_ROW) {
        return fail(sqlite3_errmsg(db_));
    }
    std::int64_t version = sqlite3_column_int64(v.get(), 0);
    if (version == data_version_) {
        return {};
    }
    auto loaded = load();
    if (!loaded) {
        return Unexpected(loaded.error());
    }
    snapshot_ = std::make_shared<const Snapshot>(std::move(*loaded));
    data_version_ = version;
    return {};
}

Result<SqliteDirectory::Snapshot> SqliteDirectory::load() {
    Snapshot snap;
    Statement users(db_,
                    "SELECT aor, display_name, ha1_md5, ha1_sha256, enabled, dnd, redirect, "
                    "created_at FROM users");
    if (!users.ok()) {
        return fail(sqlite3_errmsg(db_));
    }
    while (sqlite3_step(users.get()) == SQLITE_ROW) {
        User u;
        u.aor = text(users.get(), 0);
        u.display_name = text(users.get(), 1);
        u.ha1_md5 = text(users.get(), 2);
        u.ha1_sha256 = text(users.get(), 3);
        u.enabled = sqlite3_column_int(users.get(), 4) != 0;
        u.do_not_disturb = sqlite3_column_int(users.get(), 5) != 0;
        u.redirect = sqlite3_column_int(users.get(), 6) != 0;
        u.created_at = sqlite3_column_int64(users.get(), 7);
        snap.emplace(u.aor, std::move(u));
    }
    Statement blocked(db_, "SELECT aor, caller FROM blocked ORDER BY aor, caller");
    while (blocked.ok() && sqlite3_step(blocked.get()) == SQLITE_ROW) {
        if (auto it = snap.find(text(blocked.get(), 0)); it != snap.end()) {
            it->second.blocked.push_back(text(blocked.get(), 1));
        }
    }
    Statement forwards(db_,
                       "SELECT aor, kind, target, after_seconds FROM forwards ORDER BY aor, position");
    while (forwards.ok() && sqlite3_step(forwards.get()) == SQLITE_ROW) {
        auto it = snap.find(text(forwards.get(), 0));
        ForwardRule rule;
        if (it == snap.end() || !parse_forward_when(text(forwards.get(), 1), rule.when)) {
            continue;
        }
        rule.target = text(forwards.get(), 2);
        rule.after_seconds = static_cast<std::uint32_t>(sqlite3_column_int64(forwards.get(), 3));
        it->second.forwards.push_back(std::move(rule));
    }
    return snap;
}

Result<std::optional<User>> SqliteDirectory::find(std::string_view aor) {
    std::shared_ptr<const Snapshot> snap;
    {
        std::lock_guard lock(mutex_);
        if (auto r = reload_if_changed(); !r) {
            return Unexpected(r.error());
        }
        snap = snapshot_;
    }
    auto it = snap->find(std::string(aor));
    if (it == snap->end()) {
        return std::optional<User>{};
    }
    return std::optional<User>{it->second};
}

Result<std::vector<User>> SqliteDirectory::list() {
    std::lock_guard lock(mutex_);
    checked_ = {};
    if (auto r = reload_if_changed(); !r) {
        return Unexpected(r.error());
    }
    std::vector<User> out;
    for (const auto& [aor, user] : *snapshot_) {
        out.push_back(user);
    }
    std::sort(out.begin(), out.end(), [](const User& a, const User& b) { return a.aor < b.aor; });
    return out;
}

Result<void> SqliteDirectory::write(const User& user, bool insert) {
    if (auto r = exec(db_, "BEGIN IMMEDIATE"); !r) {
        return r;
    }
    auto rollback = [&](std::string why) -> Result<void> {
        (void)exec(db_, "ROLLBACK");  // the transaction is abandoned either way
        return fail(why);
    };
    {
        Statement exists(db_, "SELECT 1 FROM users WHERE aor = ?1");
        exists.bind(1, user.aor);
        bool found = sqlite3_step(exists.get()) == SQLITE_ROW;
        if (insert && found) {
            return rollback(user.aor + " exists already");
        }
        if (!insert && !found) {
            return rollback("no user " + user.aor);
        }
    }
    Statement up(db_,
                 "INSERT OR REPLACE INTO users (aor, display_name, ha1_md5, ha1_sha256, enabled, dnd, "
                 "redirect, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    up.bind(1, user.aor);
    up.bind(2, user.display_name);
    up.bind(3, user.ha1_md5);
    up.bind(4, user.ha1_sha256);
    up.bind(5, static_cast<std::int64_t>(user.enabled));
    up.bind(6, static_cast<std::int64_t>(user.do_not_disturb));
    up.bind(7, static_cast<std::int64_t>(user.redirect));
    up.bind(8, user.created_at);
    if (sqlite3_step(up.get()) != SQLITE_DONE) {
        return rollback(sqlite3_errmsg(db_));
    }
    for (const char* sql : {"DELETE FROM blocked WHERE aor = ?1", "DELETE FROM forwards WHERE aor = ?1"}) {
        Statement del(db_, sql);
        del.bind(1, user.aor);
        if (sqlite3_step(del.get()) != SQLITE_DONE) {
            return rollback(sqlite3_errmsg(db_));
        }
    }
    for (const std::string& caller : user.blocked) {
        Statement ins(db_, "INSERT OR IGNORE INTO blocked (aor, caller) VALUES (?1, ?2)");
        ins.bind(1, user.aor);
        ins.bind(2, caller);
        if (sqlite3_step(ins.get()) != SQLITE_DONE) {
            return rollback(sqlite3_errmsg(db_));
        }
    }
    for (std::size_t i = 0; i < user.forwards.size(); ++i) {
        const ForwardRule& f = user.forwards[i];
        Statement ins(db_,
                      "INSERT INTO forwards (aor, position, kind, target, after_seconds) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)");
        ins.bind(1, user.aor);
        ins.bind(2, static_cast<std::int64_t>(i));
        ins.bind(3, to_string(f.when));
        ins.bind(4, f.target);
        ins.bind(5, static_cast<std::int64_t>(f.after_seconds));
        if (sqlite3_step(ins.get()) != SQLITE_DONE) {
            return rollback(sqlite3_errmsg(db_));
        }
    }
    if (auto r = exec(db_, "COMMIT"); !r) {
        return rollback(r.error().message);
    }
    checked_ = {};  // our own commit does not change data_version for us: reload now
    data_version_ = -1;
    return reload_if_changed();
}

Result<void> SqliteDirectory::add(const User& user) {
    std::lock_guard lock(mutex_);
    return write(user, true);
}

Result<void> SqliteDirectory::update(const User& user) {
    std::lock_guard lock(mutex_);
    return write(user, false);
}

Result<bool> SqliteDirectory::remove(std::string_view aor) {
    std::lock_guard lock(mutex_);
    Statement del(db_, "DELETE FROM users WHERE aor = ?1");
    del.bind(1, aor);
    if (sqlite3_step(del.get()) != SQLITE_DONE) {
        return fail(sqlite3_errmsg(db_));
    }
    bool removed = sqlite3_changes(db_) > 0;
    checked_ = {};
    data_version_ = -1;
    if (auto r = reload_if_changed(); !r) {
        return Unexpected(r.error());
    }
    return removed;
}

}  // namespace sb::users
