#include "cdr/export.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cdr/record.h"

namespace sb::cdr {
namespace {

using Json = nlohmann::ordered_json;

// Columns wider than this are cut (with "…") so one long display name does not push the
// table off the screen; CSV and JSON keep everything.
constexpr std::size_t kMaxColumn = 40;

// Width on a terminal, near enough: one column per UTF-8 code point.
std::size_t width(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string cut(std::string s) {
    if (width(s) <= kMaxColumn) {
        return s;
    }
    std::size_t seen = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && ++seen == kMaxColumn) {
            return s.substr(0, i) + "…";
        }
    }
    return s;
}

std::string party(std::string_view name, std::string_view aor) {
    std::string address = person({}, aor);
    return name.empty() ? address : fmt::format("{} <{}>", name, address);
}

std::string seconds(double s) { return fmt::format("{:.1f}", s); }

std::string csv_value(const Json& v) {
    if (v.is_null()) {
        return {};
    }
    if (v.is_string()) {
        return v.get<std::string>();
    }
    return dump(v);
}

}  // namespace

std::string csv_field(std::string_view value) {
    if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
        return std::string(value);
    }
    std::string out = "\"";
    for (char c : value) {
        out += c;
        if (c == '"') {
            out += '"';
        }
    }
    out += '"';
    return out;
}

std::string format_table(const std::vector<dialog::Call>& calls) {
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"STARTED", "CALLER", "CALLEE", "OUTCOME", "ENDED BY", "RING S", "TALK S",
                    "STATUS", "CALL-ID"});
    for (const dialog::Call& c : calls) {
        rows.push_back(
            {local_time(c.invite_ms), cut(party(c.caller_name, c.caller)),
             cut(party(c.callee_name, c.callee)), std::string(dialog::to_string(c.outcome)),
             c.ended_by == dialog::Party::None ? "-" : std::string(dialog::to_string(c.ended_by)),
             c.ringing_ms != 0 ? seconds(c.ring_seconds()) : "-",
             c.answered_ms != 0 ? seconds(c.talk_seconds()) : "-",
             fmt::format("{} {}", c.final_status, c.final_reason), c.call_id});
    }
    std::vector<std::size_t> widths(rows.front().size(), 0);
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], width(row[i]));
        }
    }
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) {
                line.append(widths[i] - width(row[i]) + 2, ' ');
            }
        }
        out += line + "\n";
    }
    out += fmt::format("{} call{}\n", calls.size(), calls.size() == 1 ? "" : "s");
    return out;
}

std::string format_csv(const std::vector<dialog::Call>& calls) {
    auto row = [](const Json& j, bool names) {
        std::string line;
        for (const auto& [key, value] : j.items()) {
            line += csv_field(names ? key : csv_value(value));
            line += ',';
        }
        line.back() = '\r';
        return line + "\n";
    };
    Json columns;
    append_call(columns, dialog::Call{});
    std::string out = row(columns, true);  // also when no call matched: a script gets the columns
    for (const dialog::Call& c : calls) {
        Json j;
        append_call(j, c);
        out += row(j, false);
    }
    return out;
}

std::string format_json(const std::vector<dialog::Call>& calls) {
    Json array = Json::array();
    for (const dialog::Call& c : calls) {
        Json j;
        append_call(j, c);
        array.push_back(std::move(j));
    }
    return dump(array, 2) + "\n";
}

}  // namespace sb::cdr
