#pragma once

// A call as the call log shows it outside the proxy: times as text, outcomes and parties by
// name, and the JSON object that calls.jsonl and `switchboard calls --format json` share, so a
// script reading one reads the other.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/json_writer.h"
#include "dialog/call.h"

namespace sb::cdr {

/// "2026-11-24T10:00:01.123Z" (ISO 8601, UTC, milliseconds); "" for 0 (never happened).
std::string iso_time(std::int64_t unix_ms);
/// `["a","b"]`: strings as a JSON array (the branches column of calls.db).
std::string json_strings(const std::vector<std::string>& items);
/// "2026-11-24 10:00:01" in the local time zone, as the server's own log shows time.
std::string local_time(std::int64_t unix_ms);

/// A party as people know it: the display name when there is one, else the AOR without its
/// "sip:" scheme ("bob@example.com").
std::string person(std::string_view display_name, std::string_view aor);

/// "no answer", "no-answer" and "no_answer" all name Outcome::NoAnswer; nullopt when unknown.
std::optional<dialog::Outcome> parse_outcome(std::string_view text);
/// "caller", "callee", "timeout" or "" (Party::None).
std::optional<dialog::Party> parse_party(std::string_view text);

/// Appends every field of `call` to `out` (an object), in the order of the calls.db columns.
/// Times are given twice: ISO 8601 text and Unix milliseconds (null when they never happened).
void append_call(nlohmann::ordered_json& out, const dialog::Call& call);
/// The same fields written straight into a line (calls.jsonl), without building a tree.
void append_call(JsonObjectWriter& out, const dialog::Call& call);

/// Serialises without throwing: invalid UTF-8 in a display name becomes U+FFFD.
std::string dump(const nlohmann::ordered_json& value, int indent = -1);

}  // namespace sb::cdr
