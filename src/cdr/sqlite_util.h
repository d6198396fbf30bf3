#pragma once

// What calls.db looks like and the few SQLite helpers its writer and its reader share.

#include <cstdint>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "base/result.h"

namespace sb::cdr::detail {

constexpr int kSchemaVersion = 1;

// Times are stored twice, as ISO 8601 UTC text for people with the sqlite3 shell and as Unix
// milliseconds for arithmetic; both are NULL for what never happened (never rang, never
// answered). `id` orders calls that started in the same millisecond; the Call-ID is not unique
// (a phone may reuse one after the call ended).
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS calls (
    id             INTEGER PRIMARY KEY,
    call_id        TEXT NOT NULL,
    caller         TEXT NOT NULL,
    caller_name    TEXT NOT NULL,
    callee         TEXT NOT NULL,
    callee_name    TEXT NOT NULL,
    source         TEXT NOT NULL,
    from_tag       TEXT NOT NULL,
    to_tag         TEXT NOT NULL,
    invite_time    TEXT NOT NULL,
    invite_ms      INTEGER NOT NULL,
    ringing_time   TEXT,
    ringing_ms     INTEGER,
    answered_time  TEXT,
    answered_ms    INTEGER,
    ended_time     TEXT NOT NULL,
    ended_ms       INTEGER NOT NULL,
    talk_seconds   REAL NOT NULL,
    ring_seconds   REAL NOT NULL,
    outcome        TEXT NOT NULL,
    final_status   INTEGER NOT NULL,
    final_reason   TEXT NOT NULL,
    ended_by       TEXT NOT NULL,
    answered_by    TEXT NOT NULL,
    branches       TEXT NOT NULL,
    reinvites      INTEGER NOT NULL,
    transfer_to    TEXT NOT NULL,
    referred_by    TEXT NOT NULL,
    cancelled      INTEGER NOT NULL,
    forwarded_to   TEXT NOT NULL,
    forward_reason TEXT NOT NULL,
    rtp_stats      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_by_invite ON calls (invite_ms);
CREATE INDEX IF NOT EXISTS calls_by_caller ON calls (caller, invite_ms);
CREATE INDEX IF NOT EXISTS calls_by_callee ON calls (callee, invite_ms);
)sql";

// The columns a record is written and read with, in this order.
constexpr const char* kColumns =
    "call_id, caller, caller_name, callee, callee_name, source, from_tag, to_tag, "
    "invite_time, invite_ms, ringing_time, ringing_ms, answered_time, answered_ms, "
    "ended_time, ended_ms, talk_seconds, ring_seconds, outcome, final_status, final_reason, "
    "ended_by, answered_by, branches, reinvites, transfer_to, referred_by, cancelled, "
    "forwarded_to, forward_reason, rtp_stats";
constexpr int kColumnCount = 31;

/// SQLite's message, with the operating system's reason when there is one:
/// "database or disk is full (No space left on device)".
std::string error_text(sqlite3* db);

/// Runs SQL without results; the error names what SQLite said.
Result<void> exec(sqlite3* db, const char* sql);

/// A prepared statement that finalizes itself.
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
    void bind(int i, double v) { sqlite3_bind_double(s_, i, v); }
    void bind_null(int i) { sqlite3_bind_null(s_, i); }
    /// Binds the value, or NULL when it is 0 (a time that never happened).
    void bind_or_null(int i, std::int64_t v) {
        if (v == 0) {
            bind_null(i);
        } else {
            bind(i, v);
        }
    }
    std::string text(int column) const {
        const unsigned char* t = sqlite3_column_text(s_, column);
        return t != nullptr
                   ? std::string(reinterpret_cast<const char*>(t),
                                 static_cast<std::size_t>(sqlite3_column_bytes(s_, column)))
                   : std::string();
    }
    std::int64_t integer(int column) const { return sqlite3_column_int64(s_, column); }
    void reset() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }

private:
    sqlite3_stmt* s_ = nullptr;
};

}  // namespace sb::cdr::detail
