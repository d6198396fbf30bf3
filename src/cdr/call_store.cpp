#include "cdr/call_store.h"

#include <sys/stat.h>

#include <cstring>

#include "cdr/record.h"
#include "cdr/sqlite_util.h"

namespace sb::cdr {
namespace detail {

namespace {

// The operating system's reason, for the errors that come from it. The errno SQLite keeps is
// that of its last system call, which for other errors may be a stale, harmless one.
std::string os_reason(sqlite3* db) {
    int code = sqlite3_errcode(db);
    int e = sqlite3_system_errno(db);
    if (e == 0 || (code != SQLITE_IOERR && code != SQLITE_FULL && code != SQLITE_CANTOPEN)) {
        return {};
    }
    return std::string(" (") + std::strerror(e) + ")";
}

}  // namespace

std::string error_text(sqlite3* db) { return sqlite3_errmsg(db) + os_reason(db); }

Result<void> exec(sqlite3* db, const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string message =
            (err != nullptr ? std::string(err) : sqlite3_errmsg(db)) + os_reason(db);
        sqlite3_free(err);
        return fail(message);
    }
    return {};
}

}  // namespace detail

namespace {

using detail::exec;

Result<void> check_version(sqlite3* db) {
    detail::Statement read(db, "SELECT max(version) FROM schema_version");
    if (!read.ok() || sqlite3_step(read.get()) != SQLITE_ROW) {
        return fail(detail::error_text(db));
    }
    if (sqlite3_column_type(read.get(), 0) == SQLITE_NULL) {
        detail::Statement put(db, "INSERT INTO schema_version (version) VALUES (?1)");
        put.bind(1, static_cast<std::int64_t>(detail::kSchemaVersion));
        if (!put.ok() || sqlite3_step(put.get()) != SQLITE_DONE) {
            return fail(detail::error_text(db));
        }
        return {};
    }
    std::int64_t version = read.integer(0);
    if (version > detail::kSchemaVersion) {
        return fail("schema version " + std::to_string(version) +
                    " is newer than this switchboard understands (" +
                    std::to_string(detail::kSchemaVersion) + ")");
    }
    return {};
}

}  // namespace

Result<std::unique_ptr<CallStore>> CallStore::open(const std::string& path, bool synchronous_full) {
    sqlite3* db = nullptr;
    auto failed = [&](const std::string& why) -> Result<std::unique_ptr<CallStore>> {
        sqlite3_close(db);
        return fail(path + ": " + why);
    };
    if (sqlite3_open_v2(path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
        return failed(db != nullptr ? detail::error_text(db) : "out of memory");
    }
    // Waiting for a lock blocks only the writer thread; `switchboard calls` holds none in WAL.
    sqlite3_busy_timeout(db, 5000);
    const char* sync = synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
    for (const char* sql : {"PRAGMA journal_mode=WAL", sync, "BEGIN IMMEDIATE", detail::kSchema}) {
        if (auto r = exec(db, sql); !r) {
            return failed(r.error().message);
        }
    }
    if (auto r = check_version(db); !r) {
        return failed(r.error().message);
    }
    if (auto r = exec(db, "COMMIT"); !r) {
        return failed(r.error().message);
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return failed(std::strerror(errno));
    }
    std::unique_ptr<CallStore> store(new CallStore(db, path, st.st_dev, st.st_ino));
    if (auto r = store->prepare(); !r) {
        return fail(path + ": " + r.error().message);  // the store closes the connection
    }
    return store;
}

CallStore::CallStore(sqlite3* db, std::string path, dev_t dev, ino_t ino)
    : db_(db), path_(std::move(path)), dev_(dev), ino_(ino) {}

CallStore::~CallStore() {
    // The statements go before the connection they belong to.
    begin_.reset();
    insert_.reset();
    commit_.reset();
    rollback_.reset();
    sqlite3_close(db_);
}

Result<void> CallStore::prepare() {
    static const std::string insert = std::string("INSERT INTO calls (") + detail::kColumns +
                                      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                                      "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
                                      "?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31)";
    struct Wanted {
        std::unique_ptr<detail::Statement>* statement;
        const char* sql;
    };
    for (const Wanted& w : {Wanted{&begin_, "BEGIN IMMEDIATE"}, Wanted{&insert_, insert.c_str()},
                            Wanted{&commit_, "COMMIT"}, Wanted{&rollback_, "ROLLBACK"}}) {
        *w.statement = std::make_unique<detail::Statement>(db_, w.sql);
        if (!(*w.statement)->ok()) {
            return fail(detail::error_text(db_));
        }
    }
    return {};
}

Result<void> CallStore::run(detail::Statement& statement) {
    const int rc = sqlite3_step(statement.get());
    Result<void> result;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        result = fail(detail::error_text(db_));
    }
    sqlite3_reset(statement.get());
    return result;
}

bool CallStore::still_at_path() const {
    struct stat st {};
    return ::stat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_;
}

Result<void> CallStore::set_query_only(bool on) {
    return exec(db_, on ? "PRAGMA query_only=ON" : "PRAGMA query_only=OFF");
}

Result<void> CallStore::insert(std::span<const dialog::Call* const> calls) {
    if (auto r = run(*begin_); !r) {
        return r;
    }
    auto rollback = [&](std::string why) -> Result<void> {
        // SQLite may have ended the transaction itself (a full disk during COMMIT); otherwise
        // it is abandoned here. Either way the caller retries the batch.
        if (sqlite3_get_autocommit(db_) == 0) {
            (void)run(*rollback_);
        }
        return fail(std::move(why));
    };
    detail::Statement& ins = *insert_;
    for (const dialog::Call* call : calls) {
        const dialog::Call& c = *call;
        ins.reset();
        ins.bind(1, c.call_id);
        ins.bind(2, c.caller);
        ins.bind(3, c.caller_name);
        ins.bind(4, c.callee);
        ins.bind(5, c.callee_name);
        ins.bind(6, c.source);
        ins.bind(7, c.from_tag);
        ins.bind(8, c.to_tag);
        ins.bind(9, iso_time(c.invite_ms));
        ins.bind(10, c.invite_ms);
        if (c.ringing_ms != 0) {
            ins.bind(11, iso_time(c.ringing_ms));
        }
        ins.bind_or_null(12, c.ringing_ms);
        if (c.answered_ms != 0) {
            ins.bind(13, iso_time(c.answered_ms));
        }
        ins.bind_or_null(14, c.answered_ms);
        ins.bind(15, iso_time(c.ended_ms));
        ins.bind(16, c.ended_ms);
        ins.bind(17, c.talk_seconds());
        ins.bind(18, c.ring_seconds());
        ins.bind(19, dialog::to_string(c.outcome));
        ins.bind(20, static_cast<std::int64_t>(c.final_status));
        ins.bind(21, c.final_reason);
        ins.bind(22, dialog::to_string(c.ended_by));
        ins.bind(23, c.answered_by);
        ins.bind(24, json_strings(c.branches));
        ins.bind(25, static_cast<std::int64_t>(c.reinvites));
        ins.bind(26, c.transfer_to);
        ins.bind(27, c.referred_by);
        ins.bind(28, static_cast<std::int64_t>(c.cancelled));
        ins.bind(29, c.forwarded_to);
        ins.bind(30, c.forward_reason);
        ins.bind(31, c.rtp_stats);
        if (auto r = run(ins); !r) {
            return rollback(r.error().message);
        }
    }
    if (auto r = run(*commit_); !r) {
        return rollback(r.error().message);
    }
    return {};
}

}  // namespace sb::cdr
