#pragma once

// The two lines the call log appends for every call event: one for people (calls.log) and one
// JSON object for programs (calls.jsonl).

#include <cstdint>
#include <string>

#include "dialog/events.h"

namespace sb::cdr {

/// What an Updated event was: the tracker sends the same kind for a re-INVITE, a REFER and a
/// forwarding rule taking over the call.
enum class Change : std::uint8_t { ReInvite, Transfer, Forward };

/// The words of the people line, without the time: "Alice called bob@example.com (call c1)",
/// "bob@example.com is busy (call c1)". `change` matters only for Updated events.
std::string describe(dialog::CallEventKind kind, const dialog::Call& call,
                     Change change = Change::ReInvite);

/// "2026-11-24 10:00:01 Alice called bob@example.com (call c1)\n" (local time).
std::string text_line(dialog::CallEventKind kind, std::int64_t at_ms, const dialog::Call& call,
                      Change change = Change::ReInvite);

/// {"event":"ringing","time":"…Z","time_ms":…, every field of the call…}\n
std::string json_line(dialog::CallEventKind kind, std::int64_t at_ms, const dialog::Call& call);

/// The same lines appended to `out`, so that a batch of them is formatted in one buffer.
void append_text_line(std::string& out, dialog::CallEventKind kind, std::int64_t at_ms,
                      const dialog::Call& call, Change change = Change::ReInvite);
void append_json_line(std::string& out, dialog::CallEventKind kind, std::int64_t at_ms,
                      const dialog::Call& call);

}  // namespace sb::cdr
