// switchboard calls: the finished calls in the server's call log (calls.db), filtered, as a
// table, CSV or JSON. Reads the file read-only, so it runs beside a running server.

#include "calls_command.h"

#include <cstdio>

#include <fmt/format.h>

#include "cdr/call_query.h"
#include "cdr/export.h"
#include "cdr/record.h"

namespace sb::app {

void add_calls_command(CLI::App& app, CallsFlags& f) {
    CLI::App* calls = app.add_subcommand("calls", "list finished calls from the call log");
    calls->add_option("--data-dir", f.data_dir, "the server's data directory")
        ->capture_default_str();
    calls->add_option("--user", f.user,
                      "calls from or to this user: bob (any domain), bob@example.com or a URI");
    calls->add_option("--since", f.since,
                      "calls that started at or after: Unix seconds, 2026-11-24 or "
                      "2026-11-24T10:00[:00][Z|+01:00] (local time without a zone)");
    calls->add_option("--until", f.until,
                      "calls that started before this time (a date alone includes that day)");
    calls->add_option("--outcome", f.outcome,
                      "answered, declined, busy, cancelled, no-answer, not-found, unavailable, "
                      "redirected, failed or interrupted");
    calls->add_option("--format", f.format, "table (for people), csv or json")
        ->check(CLI::IsMember({"table", "csv", "json"}))
        ->capture_default_str();
    calls->add_option("--limit", f.limit, "only the latest N calls (0: all)")
        ->capture_default_str();
    f.command = calls;
}

int run_calls_command(const CallsFlags& f) {
    auto fail_with = [](const std::string& message) {
        fmt::print(stderr, "switchboard: {}\n", message);
        return 1;
    };
    cdr::CallFilter filter;
    filter.user = f.user;
    filter.limit = f.limit;
    if (!f.since.empty()) {
        auto t = cdr::parse_time_ms(f.since, cdr::DayEdge::Start);
        if (!t) {
            return fail_with("--since: " + t.error().message);
        }
        filter.since_ms = *t;
    }
    if (!f.until.empty()) {
        auto t = cdr::parse_time_ms(f.until, cdr::DayEdge::End);
        if (!t) {
            return fail_with("--until: " + t.error().message);
        }
        filter.until_ms = *t;
    }
    if (!f.outcome.empty()) {
        filter.outcome = cdr::parse_outcome(f.outcome);
        if (!filter.outcome || *filter.outcome == dialog::Outcome::None) {
            return fail_with("--outcome '" + f.outcome +
                             "': expected answered, declined, busy, cancelled, no-answer, "
                             "not-found, unavailable, redirected, failed or interrupted");
        }
    }
    auto query = cdr::CallQuery::open(f.data_dir + "/calls.db");
    if (!query) {
        return fail_with(query.error().message);
    }
    auto calls = (*query)->find(filter);
    if (!calls) {
        return fail_with(calls.error().message);
    }
    std::string out = f.format == "csv"    ? cdr::format_csv(*calls)
                      : f.format == "json" ? cdr::format_json(*calls)
                                           : cdr::format_table(*calls);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace sb::app
