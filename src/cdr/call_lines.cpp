#include "cdr/call_lines.h"

#include <cmath>

#include <fmt/format.h>

#include "base/strings.h"
#include "cdr/record.h"

namespace sb::cdr {
namespace {

using dialog::Call;
using dialog::CallEventKind;
using dialog::Outcome;
using dialog::Party;

std::string caller_of(const Call& c) { return person(c.caller_name, c.caller); }
std::string callee_of(const Call& c) { return person(c.callee_name, c.callee); }

// A Refer-To or forwarding target as people read it: no angle brackets, no "sip:".
std::string target_of(std::string_view uri) {
    uri = trim(uri);
    if (uri.starts_with('<')) {
        uri.remove_prefix(1);
        uri = uri.substr(0, uri.find('>'));
    }
    return person({}, uri);
}

std::string ended(const Call& c) {
    switch (c.outcome) {
        case Outcome::Answered: {
            auto seconds = std::llround(c.talk_seconds());
            switch (c.ended_by) {
                case Party::Caller:
                    return fmt::format("call ended by {} after {} s", caller_of(c), seconds);
                case Party::Callee:
                    return fmt::format("call ended by {} after {} s", callee_of(c), seconds);
                case Party::Timeout:
                    return fmt::format("call ended after {} s without a BYE (timed out)", seconds);
                case Party::None: break;
            }
            return fmt::format("call ended after {} s", seconds);
        }
        case Outcome::Declined: return callee_of(c) + " declined";
        case Outcome::Busy: return callee_of(c) + " is busy";
        case Outcome::Cancelled: return caller_of(c) + " cancelled";
        case Outcome::NoAnswer: return "no answer from " + callee_of(c);
        case Outcome::NotFound: return callee_of(c) + " not found";
        case Outcome::Unavailable: return callee_of(c) + " is unavailable (not registered)";
        case Outcome::Redirected:
            if (!c.forwarded_to.empty()) {
                return fmt::format("call to {} redirected to {} ({} {})", callee_of(c),
                                   target_of(c.forwarded_to), c.final_status, c.final_reason);
            }
            return fmt::format("call to {} redirected ({} {})", callee_of(c), c.final_status,
                               c.final_reason);
        case Outcome::Failed:
            return fmt::format("call failed: {} {}", c.final_status, c.final_reason);
        case Outcome::Interrupted: return "call interrupted (server stopped)";
        case Outcome::None: break;
    }
    return "call ended";
}

// One event, one line: a display name with a line break in it must not start a second one.
std::string one_line(std::string text) {
    for (char& ch : text) {
        if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) {
            ch = ' ';
        }
    }
    return text;
}

}  // namespace

std::string describe(CallEventKind kind, const Call& c, Change change) {
    std::string what;
    switch (kind) {
        case CallEventKind::Started:
            what = fmt::format("{} called {}", caller_of(c), callee_of(c));
            break;
        case CallEventKind::Ringing:
            what = callee_of(c) + " is ringing";
            break;
        case CallEventKind::Answered:
            what = callee_of(c) + " answered";
            break;
        case CallEventKind::Updated:
            switch (change) {
                case Change::ReInvite:
                    what = fmt::format("call updated by re-INVITE ({} so far)", c.reinvites);
                    break;
                case Change::Transfer:
                    what = "call transferred to " + target_of(c.transfer_to);
                    break;
                case Change::Forward:
                    what = fmt::format("call to {} forwarded to {}", callee_of(c),
                                       target_of(c.forwarded_to));
                    if (!c.forward_reason.empty()) {
                        what += " (" + c.forward_reason + ")";
                    }
                    break;
            }
            break;
        case CallEventKind::Ended:
            what = ended(c);
            break;
    }
    // Every line names its call, so one call's lines can be found among many (grep).
    return one_line(fmt::format("{} (call {})", what, c.call_id));
}

std::string text_line(CallEventKind kind, std::int64_t at_ms, const Call& call, Change change) {
    std::string line;
    append_text_line(line, kind, at_ms, call, change);
    return line;
}

std::string json_line(CallEventKind kind, std::int64_t at_ms, const Call& call) {
    std::string line;
    append_json_line(line, kind, at_ms, call);
    return line;
}

void append_text_line(std::string& out, CallEventKind kind, std::int64_t at_ms, const Call& call,
                      Change change) {
    fmt::format_to(std::back_inserter(out), "{} {}\n", local_time(at_ms),
                   describe(kind, call, change));
}

void append_json_line(std::string& out, CallEventKind kind, std::int64_t at_ms, const Call& call) {
    JsonObjectWriter j(out);
    j.put("event", dialog::to_string(kind));
    j.put("time", iso_time(at_ms));
    j.put("time_ms", at_ms);
    append_call(j, call);
    j.finish();
    out += '\n';
}

}  // namespace sb::cdr
