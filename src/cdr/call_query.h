#pragma once

// Reading calls.db: the finished calls that match a filter, oldest first. Opens the file
// read-only, so it works while the server writes to it (WAL readers never block the writer).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "dialog/call.h"

struct sqlite3;

namespace sb::cdr {

struct CallFilter {
    /// Calls from or to this user: an AOR ("sip:bob@example.com", "bob@example.com") or a user
    /// part ("bob", any domain). Empty: everyone.
    std::string user;
    std::optional<std::int64_t> since_ms;   // started at or after (Unix milliseconds)
    std::optional<std::int64_t> until_ms;   // started before
    std::optional<dialog::Outcome> outcome;
    std::size_t limit = 0;                  // the latest N of the matches; 0: all
};

class CallQuery {
public:
    /// Opens calls.db read-only. Fails naming the file (missing, not a call log, too new).
    static Result<std::unique_ptr<CallQuery>> open(const std::string& path);
    ~CallQuery();
    CallQuery(const CallQuery&) = delete;
    CallQuery& operator=(const CallQuery&) = delete;

    /// The matching calls ordered by the time their INVITE arrived.
    Result<std::vector<dialog::Call>> find(const CallFilter& filter) const;

private:
    CallQuery(sqlite3* db, std::string path);
    sqlite3* db_;
    std::string path_;
};

/// Which end of a range a time given as a date alone means.
enum class DayEdge : std::uint8_t { Start, End };

/// Parses a time given on the command line, to Unix milliseconds: Unix seconds ("1764000000"),
/// a date ("2026-11-24") or a date and time ("2026-11-24T10:00", "2026-11-24 10:00:05"),
/// optionally followed by "Z" or an offset ("+01:00"); without one, local time. A date alone
/// is the start of that day, or with DayEdge::End the end of it (so "--until 2026-11-24"
/// includes the 24th).
Result<std::int64_t> parse_time_ms(std::string_view text, DayEdge edge = DayEdge::Start);

}  // namespace sb::cdr
