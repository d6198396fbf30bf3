#include "location/sqlite/sqlite_store.h"

#include <iterator>
#include <limits>
#include <optional>
#include <utility>

#include <sqlite3.h>

#include "base/background_thread.h"
#include "base/strings.h"

namespace sb::location {

namespace {

// The schema's history. Entry i takes a file from version i to version i + 1. An entry that has
// shipped is never edited: a change to the schema is a new entry, so every file can catch up.
constexpr const char* kMigrations[] = {
    // 1: bindings keyed by AOR and place in the AOR's set (kept so a reload keeps the order).
    // WITHOUT ROWID, so an AOR's rows sit together in one leaf and an update usually rewrites
    // that one page. No index on expires_at: it would add two more pages to every update, and
    // expire finds the lapsed AORs in memory instead.
    R"sql(
CREATE TABLE bindings (
    aor            TEXT    NOT NULL,
    position       INTEGER NOT NULL,
    contact        TEXT    NOT NULL,
    contact_params TEXT    NOT NULL,
    q              INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    call_id        TEXT    NOT NULL,
    cseq           INTEGER NOT NULL,
    path           TEXT    NOT NULL,
    received       TEXT    NOT NULL,
    instance_id    TEXT    NOT NULL,
    reg_id         INTEGER NOT NULL,
    user_agent     TEXT    NOT NULL,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (aor, position)
) WITHOUT ROWID;
)sql",
};
constexpr auto kSchemaVersion = static_cast<std::uint32_t>(std::size(kMigrations));

constexpr const char* kSelectLive =
    "SELECT aor, contact, contact_params, q, expires_at, call_id, cseq, path, received, "
    "instance_id, reg_id, user_agent, updated_at "
    "FROM bindings WHERE expires_at > ?1 ORDER BY aor, position";
constexpr const char* kInsert =
    "INSERT INTO bindings (aor, position, contact, contact_params, q, expires_at, call_id, cseq, "
    "path, received, instance_id, reg_id, user_agent, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";

std::string errmsg(sqlite3* db) { return sqlite3_errmsg(db); }

/// Runs a statement that returns no rows and readies it for the next run. A failed statement is
/// left as it is, so the caller can still read SQLite's message before resetting it.
bool run(sqlite3_stmt* statement) {
    if (sqlite3_step(statement) != SQLITE_DONE) {
        return false;
    }
    sqlite3_reset(statement);
    return true;
}

bool bind_text(sqlite3_stmt* statement, int index, std::string_view text) {
    // A null pointer would bind SQL NULL, which the schema refuses; an empty view may carry one.
    const char* bytes = text.data() != nullptr ? text.data() : "";
    // SQLITE_STATIC: the strings outlive the step that reads them. The length is given, so
    // embedded NULs are kept.
    return sqlite3_bind_text64(statement, index, bytes, text.size(), SQLITE_STATIC, SQLITE_UTF8) ==
           SQLITE_OK;
}

bool bind_int(sqlite3_stmt* statement, int index, std::int64_t value) {
    return sqlite3_bind_int64(statement, index, value) == SQLITE_OK;
}

std::string column_text(sqlite3_stmt* statement, int column) {
    // sqlite3_column_text before sqlite3_column_bytes, as SQLite documents, so the length is
    // that of the text returned.
    const unsigned char* text = sqlite3_column_text(statement, column);
    const int size = sqlite3_column_bytes(statement, column);
    if (text == nullptr || size <= 0) {
        return {};
    }
    return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

std::optional<std::uint32_t> column_u32(sqlite3_stmt* statement, int column) {
    const std::int64_t value = sqlite3_column_int64(statement, column);
    if (value < 0 || value > std::numeric_limits<std::uint32_t>::max()) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(value);
}

/// The first column of the first row of `sql`, as text ("" when there is no row).
Result<std::string> query_text(sqlite3* db, const char* sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) {
        return fail(errmsg(db));
    }
    const int rc = sqlite3_step(raw);
    std::string out = rc == SQLITE_ROW ? column_text(raw, 0) : std::string();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        std::string error = errmsg(db);
        sqlite3_finalize(raw);
        return fail(std::move(error));
    }
    sqlite3_finalize(raw);
    return out;
}

Result<void> exec(sqlite3* db, const char* sql) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
        return fail(errmsg(db));
    }
    return {};
}

/// Brings the schema to kSchemaVersion in one transaction, so a crash mid-way leaves the file
/// at the version it had.
Result<void> migrate(sqlite3* db) {
    if (Result<void> begun = exec(db, "BEGIN IMMEDIATE"); !begun) {
        return begun;
    }
    auto abort = [db](std::string message) {
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        return fail(std::move(message));
    };
    if (Result<void> made = exec(db,
                                 "CREATE TABLE IF NOT EXISTS schema_version ("
                                 "version INTEGER NOT NULL)");
        !made) {
        return abort(made.error().message);
    }
    Result<std::string> text =
        query_text(db, "SELECT coalesce(max(version), 0) FROM schema_version");
    if (!text) {
        return abort(text.error().message);
    }
    const std::optional<std::uint32_t> version = parse_u32(*text);
    if (!version) {
        return abort("the schema version is not a number: '" + *text + "'");
    }
    if (*version > kSchemaVersion) {
        return abort("the schema version is " + *text + ", newer than the " +
                     std::to_string(kSchemaVersion) + " this build knows");
    }
    if (*version == kSchemaVersion) {
        return exec(db, "COMMIT");
    }
    for (std::uint32_t v = *version; v < kSchemaVersion; ++v) {
        if (Result<void> migrated = exec(db, kMigrations[v]); !migrated) {
            return abort("migration to schema version " + std::to_string(v + 1) +
                         " failed: " + migrated.error().message);
        }
    }
    const std::string record =
        "DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES (" +
        std::to_string(kSchemaVersion) + ")";
    if (Result<void> recorded = exec(db, record.c_str()); !recorded) {
        return abort(recorded.error().message);
    }
    if (Result<void> committed = exec(db, "COMMIT"); !committed) {
        return abort(committed.error().message);
    }
    return {};
}

}  // namespace

void SqliteStore::CloseDatabase::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

void SqliteStore::FinalizeStatement::operator()(sqlite3_stmt* statement) const {
    sqlite3_finalize(statement);
}

SqliteStore::~SqliteStore() { stop_writer(); }

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteOptions& options) {
    std::unique_ptr<SqliteStore> store(new SqliteStore());
    store->path_ = options.path;
    const std::string& path = store->path_;
    auto failure = [&path](std::string_view what, const std::string& why) {
        return fail("location store " + path + ": " + std::string(what) + ": " + why);
    };

    sqlite3* raw = nullptr;
    // NOMUTEX: db_mutex_ already serialises every use of the connection.
    const int opened =
        sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    store->db_.reset(raw);
    sqlite3* db = raw;
    if (opened != SQLITE_OK) {
        return failure("cannot open", raw != nullptr ? errmsg(db) : "out of memory");
    }
    sqlite3_extended_result_codes(db, 1);
    // SQLite opens a write-protected file read-only instead of failing; every update would
    // then fail, so refuse it now.
    if (sqlite3_db_readonly(db, "main") == 1) {
        return failure("cannot open", "the file is read-only");
    }
    sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));

    // Lookups are answered from memory, which is right only while no one else writes the file:
    // holding it exclusively turns a second server on the same file into an error at open
    // instead of two diverging copies. It also spares each transaction its file-lock system
    // calls, and WAL keeps its index in memory instead of a -shm file. Set before the first
    // read, which takes the lock.
    if (Result<void> set = exec(db, "PRAGMA locking_mode = EXCLUSIVE"); !set) {
        return failure("cannot lock", set.error().message);
    }
    // The first statement that reads the file: a file that is not a database fails here, and so
    // does one that another store holds.
    Result<std::string> mode = query_text(db, "PRAGMA journal_mode = WAL");
    if (!mode) {
        if ((sqlite3_extended_errcode(db) & 0xff) == SQLITE_BUSY) {
            return failure("cannot read", mode.error().message + " (another process has it open)");
        }
        return failure("cannot read", mode.error().message);
    }
    if (*mode != "wal") {
        return failure("cannot use WAL", "the journal mode stayed '" + *mode + "'");
    }
    // Room for the pages an update touches, so that writes do not read them back from the OS.
    if (Result<void> set = exec(db, "PRAGMA cache_size = -65536"); !set) {
        return failure("cannot size the cache", set.error().message);
    }
    const char* synchronous = options.synchronous == Synchronous::Full
                                  ? "PRAGMA synchronous = FULL"
                                  : "PRAGMA synchronous = NORMAL";
    if (Result<void> set = exec(db, synchronous); !set) {
        return failure("cannot set synchronous", set.error().message);
    }
    // A damaged page can sit where loading never reads (a free page, a part of the tree only
    // a later write would reach); find it now rather than on that write.
    Result<std::string> check = query_text(db, "PRAGMA quick_check");
    if (!check) {
        return failure("the file is corrupt", check.error().message);
    }
    if (*check != "ok") {
        return failure("the file is corrupt", *check);
    }
    if (Result<void> migrated = migrate(db); !migrated) {
        return failure("cannot update the schema", migrated.error().message);
    }
    if (Result<void> prepared = store->prepare_statements(); !prepared) {
        return failure("cannot prepare statements", prepared.error().message);
    }
    if (Result<void> loaded = store->load(options.now); !loaded) {
        return failure("cannot load bindings", loaded.error().message);
    }
    store->write_delay_ = options.write_delay;
    if (store->writes_behind()) {
        store->writer_ = std::thread([s = store.get()] {
            become_background_thread("sb-location");
            s->run_writer();
        });
    }
    return store;
}

Result<void> SqliteStore::prepare_statements() {
    struct Wanted {
        Statement* statement;
        const char* sql;
    };
    const Wanted wanted[] = {
        {&begin_, "BEGIN IMMEDIATE"},
        {&commit_, "COMMIT"},
        {&rollback_, "ROLLBACK"},
        {&delete_aor_, "DELETE FROM bindings WHERE aor = ?1"},
        {&insert_, kInsert},
        {&delete_lapsed_, "DELETE FROM bindings WHERE aor = ?1 AND expires_at <= ?2"},
    };
    for (const Wanted& w : wanted) {
        sqlite3_stmt* raw = nullptr;
        // PERSISTENT: these live as long as the store and run on every update.
        if (sqlite3_prepare_v3(db_.get(), w.sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) !=
            SQLITE_OK) {
            return fail(errmsg(db_.get()));
        }
        w.statement->reset(raw);
    }
    return {};
}

Result<void> SqliteStore::load(std::int64_t now) {
    // Rows lapsed by now are deleted rather than left behind: expire works from memory, so it
    // would never see them.
    sqlite3_stmt* remove = nullptr;
    if (sqlite3_prepare_v2(db_.get(), "DELETE FROM bindings WHERE expires_at <= ?1", -1, &remove,
                           nullptr) != SQLITE_OK) {
        return fail(errmsg(db_.get()));
    }
    Statement purge(remove);
    if (!bind_int(remove, 1, now) || !run(remove)) {
        return fail(errmsg(db_.get()));
    }

    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), kSelectLive, -1, &raw, nullptr) != SQLITE_OK) {
        return fail(errmsg(db_.get()));
    }
    Statement select(raw);
    if (!bind_int(raw, 1, now)) {
        return fail(errmsg(db_.get()));
    }
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
        Binding binding;
        binding.aor = column_text(raw, 0);
        binding.contact = column_text(raw, 1);
        binding.contact_params = column_text(raw, 2);
        const std::int64_t q = sqlite3_column_int64(raw, 3);
        binding.expires_at = sqlite3_column_int64(raw, 4);
        binding.call_id = column_text(raw, 5);
        const std::optional<std::uint32_t> cseq = column_u32(raw, 6);
        binding.path = column_text(raw, 7);
        binding.received = column_text(raw, 8);
        binding.instance_id = column_text(raw, 9);
        const std::optional<std::uint32_t> reg_id = column_u32(raw, 10);
        binding.user_agent = column_text(raw, 11);
        binding.updated_at = sqlite3_column_int64(raw, 12);
        // This store writes only values that fit; anything else was edited by hand.
        if (q < std::numeric_limits<int>::min() || q > std::numeric_limits<int>::max() || !cseq ||
            !reg_id) {
            return fail("a binding of " + binding.aor + " (" + binding.contact +
                        ") has q, cseq or reg-id out of range");
        }
        binding.q = static_cast<int>(q);
        binding.cseq = *cseq;
        binding.reg_id = *reg_id;
        memory_.insert(std::move(binding));
    }
    if (rc != SQLITE_DONE) {
        return fail(errmsg(db_.get()));
    }
    return {};
}

Result<std::vector<Binding>> SqliteStore::lookup(std::string_view aor, std::int64_t now) {
    return memory_.lookup(aor, now);
}

Result<std::vector<Binding>> SqliteStore::update(std::string_view aor, std::int64_t now,
                                                 const Change& change) {
    if (writes_behind()) {
        Result<std::vector<Binding>> stored = memory_.update(aor, now, change);
        if (stored) {
            changed(aor);
        }
        return stored;
    }
    // The file is written under the AOR's lock and before memory changes, so the memory copy
    // never shows a set the file does not hold.
    return memory_.update_with_commit(
        aor, now, change, [this](std::string_view key, const std::vector<Binding>& next) {
            return write(key, next);
        });
}

Result<void> SqliteStore::write(std::string_view aor, const std::vector<Binding>& next) {
    const AorSet one{aor, &next};
    return write_sets({&one, 1});
}

Result<void> SqliteStore::write_sets(std::span<const AorSet> sets) {
    static constexpr std::string_view kWhat = "write";
    std::lock_guard lock(db_mutex_);
    if (!run(begin_.get())) {
        return Unexpected<Error>(failed(kWhat, begin_.get()));
    }
    for (const AorSet& s : sets) {
        if (sqlite3_stmt* failing = write_rows(s.aor, *s.set)) {
            return Unexpected<Error>(failed(kWhat, failing));
        }
    }
    if (!run(commit_.get())) {
        return Unexpected<Error>(failed(kWhat, commit_.get()));
    }
    return {};
}

sqlite3_stmt* SqliteStore::write_rows(std::string_view aor, const std::vector<Binding>& next) {
    sqlite3_stmt* remove = delete_aor_.get();
    if (!bind_text(remove, 1, aor) || !run(remove)) {
        return remove;
    }
    sqlite3_stmt* insert = insert_.get();
    std::int64_t position = 0;
    for (const Binding& b : next) {
        const bool bound =
            bind_text(insert, 1, b.aor) && bind_int(insert, 2, position++) &&
            bind_text(insert, 3, b.contact) && bind_text(insert, 4, b.contact_params) &&
            bind_int(insert, 5, b.q) && bind_int(insert, 6, b.expires_at) &&
            bind_text(insert, 7, b.call_id) && bind_int(insert, 8, b.cseq) &&
            bind_text(insert, 9, b.path) && bind_text(insert, 10, b.received) &&
            bind_text(insert, 11, b.instance_id) && bind_int(insert, 12, b.reg_id) &&
            bind_text(insert, 13, b.user_agent) && bind_int(insert, 14, b.updated_at);
        if (!bound || !run(insert)) {
            return insert;
        }
    }
    return nullptr;
}

Result<void> SqliteStore::remove_lapsed(const std::vector<std::string_view>& aors,
                                        std::int64_t now) {
    static constexpr std::string_view kWhat = "expire";
    std::lock_guard lock(db_mutex_);
    if (!run(begin_.get())) {
        return Unexpected<Error>(failed(kWhat, begin_.get()));
    }
    sqlite3_stmt* remove = delete_lapsed_.get();
    for (std::string_view aor : aors) {
        if (!bind_text(remove, 1, aor) || !bind_int(remove, 2, now) || !run(remove)) {
            return Unexpected<Error>(failed(kWhat, remove));
        }
    }
    if (!run(commit_.get())) {
        return Unexpected<Error>(failed(kWhat, commit_.get()));
    }
    return {};
}

Error SqliteStore::failed(std::string_view what, sqlite3_stmt* statement) {
    Error error{"location store " + std::string(what) + " failed: " + errmsg(db_.get())};
    sqlite3_reset(statement);
    // SQLite ends the transaction itself after some errors (a full disk during COMMIT, an I/O
    // error); otherwise it is still open and holds the rows written so far.
    if (sqlite3_get_autocommit(db_.get()) == 0 && !run(rollback_.get())) {
        error.message += "; rollback failed too: " + errmsg(db_.get());
        sqlite3_reset(rollback_.get());
    }
    return error;
}

Result<std::size_t> SqliteStore::expire(std::int64_t now) {
    if (writes_behind()) {
        std::vector<std::string> lapsed;
        Result<std::size_t> removed =
            memory_.expire_with_commit(now, [&lapsed](const std::vector<std::string_view>& aors) {
                lapsed.insert(lapsed.end(), aors.begin(), aors.end());
                return Result<void>{};
            });
        for (const std::string& aor : lapsed) {
            changed(aor);
        }
        return removed;
    }
    // Memory knows which AORs hold lapsed bindings, so the file is changed only where needed,
    // shard by shard, each under its shard's lock like an update.
    return memory_.expire_with_commit(now, [this, now](const std::vector<std::string_view>& aors) {
        return remove_lapsed(aors, now);
    });
}

Result<std::vector<std::string>> SqliteStore::aors(std::int64_t now) { return memory_.aors(now); }

Result<std::size_t> SqliteStore::count(std::int64_t now) { return memory_.count(now); }

Result<void> SqliteStore::set_max_pages_for_test(int pages) {
    std::lock_guard lock(db_mutex_);
    const std::string sql = "PRAGMA max_page_count = " + std::to_string(pages);
    if (Result<void> set = exec(db_.get(), sql.c_str()); !set) {
        return fail("location store " + path_ +
                    ": cannot set max_page_count: " + set.error().message);
    }
    return {};
}

}  // namespace sb::location
