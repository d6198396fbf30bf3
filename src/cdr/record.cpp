#include "cdr/record.h"

#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace sb::cdr {
namespace {

std::tm broken_down(std::int64_t unix_ms, bool utc) {
    // Floor division, so times before 1970 (never seen in practice) still come out right.
    std::int64_t seconds = unix_ms >= 0 ? unix_ms / 1000 : -((-unix_ms + 999) / 1000);
    auto t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    if (utc) {
        gmtime_r(&t, &tm);
    } else {
        localtime_r(&t, &tm);
    }
    return tm;
}

void put_time(nlohmann::ordered_json& out, const char* text_key, const char* ms_key,
              std::int64_t unix_ms) {
    if (unix_ms == 0) {
        out[text_key] = nullptr;
        out[ms_key] = nullptr;
    } else {
        out[text_key] = iso_time(unix_ms);
        out[ms_key] = unix_ms;
    }
}

}  // namespace

std::string iso_time(std::int64_t unix_ms) {
    if (unix_ms == 0) {
        return {};
    }
    std::tm tm = broken_down(unix_ms, true);
    auto millis = static_cast<int>(((unix_ms % 1000) + 1000) % 1000);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

std::string local_time(std::int64_t unix_ms) {
    std::tm tm = broken_down(unix_ms, false);
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string person(std::string_view display_name, std::string_view aor) {
    if (!trim(display_name).empty()) {
        return std::string(trim(display_name));
    }
    if (istarts_with(aor, "sip:")) {
        aor.remove_prefix(4);
    }
    return aor.empty() ? std::string("someone") : std::string(aor);
}

std::optional<dialog::Outcome> parse_outcome(std::string_view text) {
    std::string wanted = to_lower(trim(text));
    for (char& c : wanted) {
        if (c == '-' || c == '_') {
            c = ' ';
        }
    }
    using dialog::Outcome;
    for (Outcome o : {Outcome::Answered, Outcome::Declined, Outcome::Busy, Outcome::Cancelled,
                      Outcome::NoAnswer, Outcome::NotFound, Outcome::Unavailable, Outcome::Failed,
                      Outcome::Interrupted, Outcome::None}) {
        if (wanted == dialog::to_string(o)) {
            return o;
        }
    }
    return std::nullopt;
}

std::optional<dialog::Party> parse_party(std::string_view text) {
    using dialog::Party;
    for (Party p : {Party::None, Party::Caller, Party::Callee, Party::Timeout}) {
        if (text == dialog::to_string(p)) {
            return p;
        }
    }
    return std::nullopt;
}

void append_call(nlohmann::ordered_json& out, const dialog::Call& c) {
    out["call_id"] = c.call_id;
    out["caller"] = c.caller;
    out["caller_name"] = c.caller_name;
    out["callee"] = c.callee;
    out["callee_name"] = c.callee_name;
    out["source"] = c.source;
    out["from_tag"] = c.from_tag;
    out["to_tag"] = c.to_tag;
    put_time(out, "invite_time", "invite_ms", c.invite_ms);
    put_time(out, "ringing_time", "ringing_ms", c.ringing_ms);
    put_time(out, "answered_time", "answered_ms", c.answered_ms);
    put_time(out, "ended_time", "ended_ms", c.ended_ms);
    out["talk_seconds"] = c.talk_seconds();
    out["ring_seconds"] = c.ring_seconds();
    out["state"] = dialog::to_string(c.state);
    if (c.outcome == dialog::Outcome::None) {
        out["outcome"] = nullptr;
    } else {
        out["outcome"] = dialog::to_string(c.outcome);
    }
    out["final_status"] = c.final_status;
    out["final_reason"] = c.final_reason;
    if (c.ended_by == dialog::Party::None) {
        out["ended_by"] = nullptr;
    } else {
        out["ended_by"] = dialog::to_string(c.ended_by);
    }
    out["answered_by"] = c.answered_by;
    out["branches"] = c.branches;
    out["reinvites"] = c.reinvites;
    out["transfer_to"] = c.transfer_to;
    out["referred_by"] = c.referred_by;
    out["cancelled"] = c.cancelled;
    out["forwarded_to"] = c.forwarded_to;
    out["forward_reason"] = c.forward_reason;
    if (c.rtp_stats.empty()) {
        out["rtp_stats"] = nullptr;
    } else {
        // The relay hands over JSON; keep it structured when it is, as text when it is not.
        auto stats = nlohmann::ordered_json::parse(c.rtp_stats, nullptr, false);
        out["rtp_stats"] = stats.is_discarded() ? nlohmann::ordered_json(c.rtp_stats) : stats;
    }
}

std::string dump(const nlohmann::ordered_json& value, int indent) {
    return value.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace sb::cdr
