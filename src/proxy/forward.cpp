#include "proxy/forward.h"

#include <cstdio>

#include "sip/editor.h"
#include "sip/header_values.h"

namespace sb::proxy {

void build_forward(std::string& out, const sip::Message& request, const ForwardSpec& spec) {
    sip::Editor e(request);
    std::string_view ruri = spec.request_uri;
    if (spec.routes != nullptr) {
        for (const auto& [begin, end] : spec.routes->removals) {
            e.remove(begin, end);
        }
        if (ruri.empty() && !spec.routes->request_uri.empty()) {
            ruri = spec.routes->request_uri;
        }
    }
    if (!ruri.empty()) {
        e.replace(request.request_uri(), ruri);
    }
    // Max-Forwards: decrement, or add one (RFC 3261 §16.6 step 3).
    if (const sip::HeaderField* mf = request.first(sip::HeaderId::MaxForwards)) {
        char digits[8];
        int n = request.max_forwards() > 0 ? request.max_forwards() - 1 : 0;
        auto len = static_cast<std::size_t>(std::snprintf(digits, sizeof(digits), "%d", n));
        e.replace(mf->value, std::string_view(digits, len));
    } else {
        e.insert_header_first("Max-Forwards", "70");
    }
    if (!spec.top_via.empty()) {
        e.replace(request.top_via().text, spec.top_via);
    }
    // Our Via goes on top of the others; our Record-Route above any other (§16.6 steps 4, 8).
    const sip::HeaderField* first_via = request.first(sip::HeaderId::Via);
    if (!spec.record_route.empty()) {
        if (const sip::HeaderField* rr = request.first(sip::HeaderId::RecordRoute)) {
            e.insert_header_before(*rr, "Record-Route", spec.record_route);
        } else {
            e.insert_header_before(*first_via, "Record-Route", spec.record_route);
        }
    }
    e.insert_header_before(*first_via, "Via", spec.via);
    if (!spec.add_routes.empty()) {
        const sip::HeaderField* route = request.first(sip::HeaderId::Route);
        bool first_route_removed = false;
        if (route != nullptr && spec.routes != nullptr) {
            for (const auto& [begin, end] : spec.routes->removals) {
                first_route_removed |= begin == route->line_begin;
            }
        }
        if (route != nullptr && !first_route_removed) {
            e.insert_header_before(*route, "Route", spec.add_routes);
        } else {
            e.insert_header_before(*first_via, "Route", spec.add_routes);
        }
    }
    if (!spec.extra_headers.empty()) {
        e.insert(request.headers_end(), spec.extra_headers);
    }
    if (spec.stream) {
        e.ensure_content_length();
    }
    out.clear();
    e.write_to(out);
}

void strip_top_via(std::string& out, const sip::Message& response, std::string_view reason) {
    sip::Editor e(response);
    if (!reason.empty()) {
        char line[512];
        int n = std::snprintf(line, sizeof(line), "SIP/2.0 %d %.*s", response.status(),
                              static_cast<int>(reason.size()), reason.data());
        if (n > 0 && static_cast<std::size_t>(n) < sizeof(line)) {
            e.replace(response.start_line(), std::string_view(line, static_cast<std::size_t>(n)));
        }
    }
    const sip::HeaderField* via = response.first(sip::HeaderId::Via);
    std::string_view second;
    bool more = false;
    sip::for_each_list_value(via->value, [&](std::string_view v) {
        if (v.data() != response.top_via().text.data() && second.empty()) {
            second = v;
            more = true;
            return false;
        }
        return true;
    });
    if (!more) {
        e.remove_header(*via);
    } else {
        e.remove(response.offset_of(response.top_via().text), response.offset_of(second));
    }
    out.clear();
    e.write_to(out);
}

}  // namespace sb::proxy
