#include "cdr/record.h"

#include <chrono>
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

// Writes `value` as exactly `width` digits at `p` and moves past them.
void put_digits(char*& p, unsigned value, int width) {
    for (int i = width - 1; i >= 0; --i) {
        p[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    p += width;
}

// The fields of a call land in either a JSON tree (exports) or straight in a line of text
// (calls.jsonl); one list of fields serves both.
class TreeSink {
public:
    explicit TreeSink(nlohmann::ordered_json& out) : out_(out) {}
    template <class T>
    void put(const char* key, const T& value) { out_[key] = value; }
    void put_null(const char* key) { out_[key] = nullptr; }
    void put_raw(const char* key, std::string_view json) { out_[key] = nlohmann::ordered_json::parse(json); }
    void put_strings(const char* key, const std::vector<std::string>& items) { out_[key] = items; }

private:
    nlohmann::ordered_json& out_;
};

template <class Sink>
void put_time(Sink& out, const char* text_key, const char* ms_key, std::int64_t unix_ms) {
    if (unix_ms == 0) {
        out.put_null(text_key);
        out.put_null(ms_key);
    } else {
        out.put(text_key, iso_time(unix_ms));
        out.put(ms_key, unix_ms);
    }
}

template <class Sink, class Name>
void put_name(Sink& out, const char* key, bool absent, Name name) {
    if (absent) {
        out.put_null(key);
    } else {
        out.put(key, dialog::to_string(name));
    }
}

template <class Sink>
void put_call(Sink& out, const dialog::Call& c) {
    out.put("call_id", c.call_id);
    out.put("caller", c.caller);
    out.put("caller_name", c.caller_name);
    out.put("callee", c.callee);
    out.put("callee_name", c.callee_name);
    out.put("source", c.source);
    out.put("from_tag", c.from_tag);
    out.put("to_tag", c.to_tag);
    put_time(out, "invite_time", "invite_ms", c.invite_ms);
    put_time(out, "ringing_time", "ringing_ms", c.ringing_ms);
    put_time(out, "answered_time", "answered_ms", c.answered_ms);
    put_time(out, "ended_time", "ended_ms", c.ended_ms);
    out.put("talk_seconds", c.talk_seconds());
    out.put("ring_seconds", c.ring_seconds());
    out.put("state", dialog::to_string(c.state));
    put_name(out, "outcome", c.outcome == dialog::Outcome::None, c.outcome);
    out.put("final_status", c.final_status);
    out.put("final_reason", c.final_reason);
    put_name(out, "ended_by", c.ended_by == dialog::Party::None, c.ended_by);
    out.put("answered_by", c.answered_by);
    out.put_strings("branches", c.branches);
    out.put("reinvites", c.reinvites);
    out.put("transfer_to", c.transfer_to);
    out.put("referred_by", c.referred_by);
    out.put("cancelled", c.cancelled);
    out.put("forwarded_to", c.forwarded_to);
    out.put("forward_reason", c.forward_reason);
    if (c.rtp_stats.empty()) {
        out.put_null("rtp_stats");
    } else if (nlohmann::json::accept(c.rtp_stats)) {
        // The relay hands over JSON: kept structured, on one line (line breaks in valid JSON
        // can only be white space between its tokens).
        std::string one_line = c.rtp_stats;
        for (char& ch : one_line) {
            if (ch == '\n' || ch == '\r') {
                ch = ' ';
            }
        }
        out.put_raw("rtp_stats", one_line);
    } else {
        out.put("rtp_stats", c.rtp_stats);
    }
}

}  // namespace

std::string iso_time(std::int64_t unix_ms) {
    if (unix_ms == 0) {
        return {};
    }
    // Calendar arithmetic instead of gmtime_r and a format string: this runs several times for
    // every call event the call log writes.
    using namespace std::chrono;
    const sys_time<milliseconds> t{milliseconds{unix_ms}};
    const sys_days day = floor<days>(t);
    const year_month_day date{day};
    const hh_mm_ss<milliseconds> time{t - day};
    const int year = static_cast<int>(date.year());
    if (year < 0 || year > 9999) {
        std::tm tm = broken_down(unix_ms, true);
        return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                           static_cast<int>(time.subseconds().count()));
    }
    char text[24];
    char* p = text;
    put_digits(p, static_cast<unsigned>(year), 4);
    *p++ = '-';
    put_digits(p, static_cast<unsigned>(date.month()), 2);
    *p++ = '-';
    put_digits(p, static_cast<unsigned>(date.day()), 2);
    *p++ = 'T';
    put_digits(p, static_cast<unsigned>(time.hours().count()), 2);
    *p++ = ':';
    put_digits(p, static_cast<unsigned>(time.minutes().count()), 2);
    *p++ = ':';
    put_digits(p, static_cast<unsigned>(time.seconds().count()), 2);
    *p++ = '.';
    put_digits(p, static_cast<unsigned>(time.subseconds().count()), 3);
    *p++ = 'Z';
    return std::string(text, p);
}

std::string json_strings(const std::vector<std::string>& items) {
    std::string out;
    JsonObjectWriter::append_json_strings(out, items);
    return out;
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
                      Outcome::NoAnswer, Outcome::NotFound, Outcome::Unavailable, Outcome::Redirected,
                      Outcome::Failed,
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
    TreeSink sink(out);
    put_call(sink, c);
}

void append_call(JsonObjectWriter& out, const dialog::Call& c) { put_call(out, c); }

std::string dump(const nlohmann::ordered_json& value, int indent) {
    return value.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace sb::cdr
