#pragma once

// Finished calls as `switchboard calls` prints them: a table for people, CSV (RFC 4180) for
// spreadsheets, JSON for programs. CSV and JSON carry every field, named as in calls.db.

#include <string>
#include <vector>

#include "dialog/call.h"

namespace sb::cdr {

/// Aligned columns: start (local time), caller, callee, outcome, who ended it, ring and talk
/// time, final status, Call-ID; then a count.
std::string format_table(const std::vector<dialog::Call>& calls);

/// A header row, then one row per call; fields with a comma, a quote or a line break are
/// quoted, quotes doubled; lines end in CRLF.
std::string format_csv(const std::vector<dialog::Call>& calls);

/// A JSON array of objects, one per call (the fields of calls.jsonl's "ended" lines).
std::string format_json(const std::vector<dialog::Call>& calls);

/// One CSV field, quoted when it has to be (RFC 4180 §2).
std::string csv_field(std::string_view value);

}  // namespace sb::cdr
