#include "cdr/call_query.h"

#include <sys/stat.h>

#include <ctime>
#include <variant>

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "cdr/record.h"
#include "cdr/sqlite_util.h"

namespace sb::cdr {
namespace {

using Value = std::variant<std::string, std::int64_t>;

std::vector<std::string> parse_branches(const std::string& text) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    std::vector<std::string> out;
    if (j.is_array()) {
        for (const auto& b : j) {
            if (b.is_string()) {
                out.push_back(b.get<std::string>());
            }
        }
    }
    return out;
}

dialog::Call read_call(const detail::Statement& s) {
    dialog::Call c;
    c.call_id = s.text(0);
    c.caller = s.text(1);
    c.caller_name = s.text(2);
    c.callee = s.text(3);
    c.callee_name = s.text(4);
    c.source = s.text(5);
    c.from_tag = s.text(6);
    c.to_tag = s.text(7);
    c.invite_ms = s.integer(9);
    c.ringing_ms = s.integer(11);
    c.answered_ms = s.integer(13);
    c.ended_ms = s.integer(15);
    c.state = dialog::CallState::Ended;
    c.outcome = parse_outcome(s.text(18)).value_or(dialog::Outcome::Failed);
    c.final_status = static_cast<int>(s.integer(19));
    c.final_reason = s.text(20);
    c.ended_by = parse_party(s.text(21)).value_or(dialog::Party::None);
    c.answered_by = s.text(22);
    c.branches = parse_branches(s.text(23));
    c.reinvites = static_cast<int>(s.integer(24));
    c.transfer_to = s.text(25);
    c.referred_by = s.text(26);
    c.cancelled = s.integer(27) != 0;
    c.forwarded_to = s.text(28);
    c.forward_reason = s.text(29);
    c.rtp_stats = s.text(30);
    return c;
}

// The condition for "from or to this user", with the values it binds.
std::string user_condition(std::string_view user, std::vector<Value>& values) {
    auto param = [&](std::string v) {
        values.emplace_back(std::move(v));
        return "?" + std::to_string(values.size());
    };
    std::string cond;
    auto either = [&](const std::string& one_side) {
        std::string caller = one_side;
        std::string callee = one_side;
        for (std::size_t at; (at = callee.find("$col")) != std::string::npos;) {
            callee.replace(at, 4, "callee");
        }
        for (std::size_t at; (at = caller.find("$col")) != std::string::npos;) {
            caller.replace(at, 4, "caller");
        }
        return "(" + caller + " OR " + callee + ")";
    };
    if (user.find(':') != std::string_view::npos) {
        return either("$col = " + param(std::string(user)));
    }
    if (user.find('@') != std::string_view::npos) {
        std::string sip = param("sip:" + std::string(user));
        std::string sips = param("sips:" + std::string(user));
        return either("$col IN (" + sip + ", " + sips + ")");
    }
    // A user part: every AOR "sip:bob@…" sorts between "sip:bob@" and "sip:bobA" ('A' follows
    // '@'), a range the caller and callee indexes answer. A telephone number may be a tel: URI.
    std::string ranges;
    for (const char* scheme : {"sip:", "sips:"}) {
        std::string low = param(scheme + std::string(user) + "@");
        std::string high = param(scheme + std::string(user) + "A");
        ranges += "($col >= " + low + " AND $col < " + high + ") OR ";
    }
    ranges += "$col = " + param("tel:" + std::string(user));
    return either("(" + ranges + ")");
}

bool digits(std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// Reads `count` digits at `pos` into `out`; false when they are not there.
bool number(std::string_view s, std::size_t pos, std::size_t count, int& out) {
    if (pos + count > s.size() || !digits(s.substr(pos, count))) {
        return false;
    }
    out = static_cast<int>(*parse_u32(s.substr(pos, count)));
    return true;
}

}  // namespace

Result<std::unique_ptr<CallQuery>> CallQuery::open(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return fail(path + ": no call log there (no call has ended yet, or another --data-dir?)");
    }
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        std::string message = db != nullptr ? detail::error_text(db) : "out of memory";
        sqlite3_close(db);
        return fail(path + ": " + message);
    }
    // The server's checkpoint may hold the file for a moment.
    sqlite3_busy_timeout(db, 5000);
    detail::Statement version(db, "SELECT max(version) FROM schema_version");
    if (!version.ok() || sqlite3_step(version.get()) != SQLITE_ROW) {
        std::string message = detail::error_text(db);
        sqlite3_close(db);
        return fail(path + ": not a call log (" + message + ")");
    }
    if (version.integer(0) > detail::kSchemaVersion) {
        sqlite3_close(db);
        return fail(path + ": written by a newer switchboard (schema version " +
                    std::to_string(version.integer(0)) + ")");
    }
    return std::unique_ptr<CallQuery>(new CallQuery(db, path));
}

CallQuery::CallQuery(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

CallQuery::~CallQuery() { sqlite3_close(db_); }

Result<std::vector<dialog::Call>> CallQuery::find(const CallFilter& filter) const {
    std::vector<Value> values;
    std::vector<std::string> conditions;
    if (!filter.user.empty()) {
        conditions.push_back(user_condition(filter.user, values));
    }
    if (filter.since_ms) {
        values.emplace_back(*filter.since_ms);
        conditions.push_back("invite_ms >= ?" + std::to_string(values.size()));
    }
    if (filter.until_ms) {
        values.emplace_back(*filter.until_ms);
        conditions.push_back("invite_ms < ?" + std::to_string(values.size()));
    }
    if (filter.outcome) {
        values.emplace_back(std::string(dialog::to_string(*filter.outcome)));
        conditions.push_back("outcome = ?" + std::to_string(values.size()));
    }
    std::string where;
    for (std::size_t i = 0; i < conditions.size(); ++i) {
        where += (i == 0 ? " WHERE " : " AND ") + conditions[i];
    }
    std::string sql = std::string("SELECT ") + detail::kColumns + " FROM calls";
    if (filter.limit != 0) {
        // The latest N, shown oldest first like the rest.
        sql += " WHERE id IN (SELECT id FROM calls" + where +
               " ORDER BY invite_ms DESC, id DESC LIMIT " + std::to_string(filter.limit) + ")";
    } else {
        sql += where;
    }
    sql += " ORDER BY invite_ms, id";
    detail::Statement s(db_, sql.c_str());
    if (!s.ok()) {
        return fail(path_ + ": " + detail::error_text(db_));
    }
    for (std::size_t i = 0; i < values.size(); ++i) {
        auto index = static_cast<int>(i + 1);
        if (const auto* text = std::get_if<std::string>(&values[i])) {
            s.bind(index, *text);
        } else {
            s.bind(index, std::get<std::int64_t>(values[i]));
        }
    }
    std::vector<dialog::Call> out;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
        out.push_back(read_call(s));
    }
    if (rc != SQLITE_DONE) {
        return fail(path_ + ": " + detail::error_text(db_));
    }
    return out;
}

Result<std::int64_t> parse_time_ms(std::string_view text, DayEdge edge) {
    std::string_view s = trim(text);
    auto bad = [&]() -> Result<std::int64_t> {
        return fail("'" + std::string(text) +
                    "' is not a time: expected Unix seconds or 2026-11-24[T10:00[:05]][Z|+01:00]");
    };
    if (digits(s)) {
        auto seconds = parse_u64(s);
        if (!seconds || *seconds > 253402300799ULL) {  // beyond 9999-12-31
            return bad();
        }
        return static_cast<std::int64_t>(*seconds) * 1000;
    }
    std::tm tm{};
    int year = 0;
    int month = 0;
    int day = 0;
    if (!number(s, 0, 4, year) || s.size() < 10 || s[4] != '-' || !number(s, 5, 2, month) ||
        s[7] != '-' || !number(s, 8, 2, day) || month < 1 || month > 12 || day < 1 || day > 31) {
        return bad();
    }
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    std::size_t pos = 10;
    bool date_only = true;
    std::int64_t millis = 0;
    if (pos < s.size() && (s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ')) {
        date_only = false;
        if (!number(s, pos + 1, 2, tm.tm_hour) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
            !number(s, pos + 4, 2, tm.tm_min) || tm.tm_hour > 23 || tm.tm_min > 59) {
            return bad();
        }
        pos += 6;
        if (pos < s.size() && s[pos] == ':') {
            if (!number(s, pos + 1, 2, tm.tm_sec) || tm.tm_sec > 60) {
                return bad();
            }
            pos += 3;
            if (pos < s.size() && s[pos] == '.') {
                std::size_t end = pos + 1;
                while (end < s.size() && s[end] >= '0' && s[end] <= '9') {
                    ++end;
                }
                std::string frac(s.substr(pos + 1, end - pos - 1));
                if (frac.empty()) {
                    return bad();
                }
                frac = (frac + "000").substr(0, 3);
                millis = *parse_u32(frac);
                pos = end;
            }
        }
    }
    std::optional<int> offset_seconds;
    if (pos < s.size()) {
        std::string_view zone = s.substr(pos);
        int hours = 0;
        int minutes = 0;
        if (zone == "Z" || zone == "z") {
            offset_seconds = 0;
        } else if ((zone[0] == '+' || zone[0] == '-') && number(zone, 1, 2, hours) &&
                   ((zone.size() == 3) ||
                    (zone.size() == 6 && zone[3] == ':' && number(zone, 4, 2, minutes)) ||
                    (zone.size() == 5 && number(zone, 3, 2, minutes)))) {
            offset_seconds = (zone[0] == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
        } else {
            return bad();
        }
    }
    if (date_only && edge == DayEdge::End) {
        tm.tm_mday += 1;  // normalised by timegm/mktime: the first instant after that day
    }
    std::time_t t = 0;
    if (offset_seconds) {
        t = timegm(&tm) - *offset_seconds;
    } else {
        tm.tm_isdst = -1;  // whatever daylight saving time says for that date
        t = std::mktime(&tm);
        if (t == static_cast<std::time_t>(-1)) {
            return bad();
        }
    }
    return static_cast<std::int64_t>(t) * 1000 + millis;
}

}  // namespace sb::cdr
