#include "proxy/route_plan.h"

#include <algorithm>

#include "sip/header_values.h"
#include "sip/name_addr.h"

namespace sb::proxy {
namespace {

struct RouteValue {
    const sip::HeaderField* line;
    std::string_view value;
    bool is_first_in_line;
};

bool names_us(std::string_view value, const LocalDomains& local) {
    auto na = sip::parse_name_addr(value);
    return na && na->uri.is_sip() && local.is_self(na->uri.host, na->uri.port);
}

std::string uri_of(std::string_view value) {
    auto na = sip::parse_name_addr(value);
    return na ? std::string(na->uri.text) : std::string();
}

}  // namespace

RoutePlan plan_routes(const sip::Message& request, const LocalDomains& local) {
    RoutePlan plan;
    std::vector<RouteValue> values;
    for (const sip::HeaderField& h : request.headers()) {
        if (h.id != sip::HeaderId::Route) {
            continue;
        }
        bool first = true;
        sip::for_each_list_value(h.value, [&](std::string_view v) {
            values.push_back({&h, v, first});
            first = false;
            return true;
        });
    }
    std::size_t drop_last = values.size();
    // A Request-URI we record-routed means the previous hop was a strict router (§16.4).
    auto ruri = sip::parse_uri(request.request_uri());
    if (ruri && ruri->is_sip() && !ruri->has_user() && local.is_self(ruri->host, ruri->port) &&
        !values.empty()) {
        plan.request_uri = uri_of(values.back().value);
        plan.via_our_route = true;
        drop_last = values.size() - 1;
    }
    // Leading values that name us are removed (two when we record-routed a transport change).
    std::size_t leading = 0;
    while (leading < drop_last && names_us(values[leading].value, local)) {
        ++leading;
    }
    if (leading > 0) {
        plan.via_our_route = true;
        auto na = sip::parse_name_addr(values[leading - 1].value);
        if (na && na->uri.user.starts_with("sbf")) {
            plan.flow = std::string(na->uri.user);
        }
    }
    // Turn removed values into byte ranges: whole lines when every value goes, else the
    // leading values and the comma after them.
    auto remove_values = [&](std::size_t from, std::size_t to) {
        std::size_t i = from;
        while (i < to) {
            const sip::HeaderField* line = values[i].line;
            std::size_t j = i;
            while (j < values.size() && values[j].line == line) {
                ++j;
            }
            std::size_t line_end_value = j;
            std::size_t stop = std::min(line_end_value, to);
            if (values[i].is_first_in_line && stop == line_end_value) {
                plan.removals.emplace_back(line->line_begin, line->line_end);
            } else {
                std::size_t begin = request.offset_of(values[i].value);
                std::size_t end = stop < line_end_value
                                      ? request.offset_of(values[stop].value)
                                      : request.offset_of(values[stop - 1].value) +
                                            values[stop - 1].value.size();
                if (stop == line_end_value) {
                    // Trailing values of a line: take the comma before them too.
                    begin = request.offset_of(values[i - 1].value) + values[i - 1].value.size();
                }
                plan.removals.emplace_back(begin, end);
            }
            i = stop == line_end_value ? line_end_value : to;
        }
    };
    remove_values(0, leading);
    if (drop_last < values.size()) {
        remove_values(drop_last, values.size());
    }
    // Both fix-ups may touch one line: merge overlapping ranges so edits never overlap.
    std::sort(plan.removals.begin(), plan.removals.end());
    std::vector<std::pair<std::size_t, std::size_t>> merged;
    for (const auto& r : plan.removals) {
        if (!merged.empty() && r.first <= merged.back().second) {
            merged.back().second = std::max(merged.back().second, r.second);
        } else {
            merged.push_back(r);
        }
    }
    plan.removals = std::move(merged);
    if (leading < drop_last) {
        plan.next_route = uri_of(values[leading].value);
    }
    return plan;
}

}  // namespace sb::proxy
