#include "sip/response.h"

#include <fmt/format.h>

#include "base/strings.h"
#include "sip/params.h"
#include "sip/status.h"

namespace sb::sip {

void build_response(std::string& out, const Message& request, const ResponseSpec& spec,
                    std::string_view top_via) {
    out.clear();
    std::string_view reason = spec.reason.empty() ? default_reason(spec.status) : spec.reason;
    fmt::format_to(std::back_inserter(out), "SIP/2.0 {} {}\r\n", spec.status, reason);
    bool first_via = true;
    for (const HeaderField& h : request.headers()) {
        switch (h.id) {
            case HeaderId::Via:
                out.append("Via: ");
                if (first_via && !top_via.empty()) {
                    // Replace only the first value of the first Via line.
                    const Via& via = request.top_via();
                    out.append(top_via);
                    std::size_t rest = request.offset_of(via.text) + via.text.size();
                    std::size_t end = request.offset_of(h.value) + h.value.size();
                    out.append(request.base() + rest, end - rest);
                } else {
                    out.append(h.value);
                }
                out.append("\r\n");
                first_via = false;
                break;
            case HeaderId::From:
            case HeaderId::CallId:
            case HeaderId::CSeq:
                out.append(header_name(h.id)).append(": ").append(h.value).append("\r\n");
                break;
            case HeaderId::To:
                out.append("To: ").append(h.value);
                if (request.to_tag().empty() && !spec.to_tag.empty() && spec.status > 100) {
                    out.append(";tag=").append(spec.to_tag);
                }
                out.append("\r\n");
                break;
            case HeaderId::Timestamp:
                // RFC 3261 §8.2.6.1: a 100 copies the Timestamp.
                if (spec.status == 100) {
                    out.append("Timestamp: ").append(h.value).append("\r\n");
                }
                break;
            default:
                break;
        }
    }
    out.append(spec.extra_headers);
    if (!spec.body.empty()) {
        fmt::format_to(std::back_inserter(out), "Content-Type: {}\r\n", spec.content_type);
    }
    fmt::format_to(std::back_inserter(out), "Content-Length: {}\r\n\r\n", spec.body.size());
    out.append(spec.body);
}

namespace {

// The canonical name of a header line whose (full or compact) name is one a response copies.
std::string_view response_header(std::string_view name) {
    if (iequals(name, "Via") || iequals(name, "v")) return "Via";
    if (iequals(name, "From") || iequals(name, "f")) return "From";
    if (iequals(name, "To") || iequals(name, "t")) return "To";
    if (iequals(name, "Call-ID") || iequals(name, "i")) return "Call-ID";
    if (iequals(name, "CSeq")) return "CSeq";
    return {};
}

}  // namespace

std::optional<ErrorReply> build_error_response(std::string_view raw, int status,
                                               std::string_view reason, std::string_view source_ip,
                                               unsigned source_port) {
    while (!raw.empty() && (raw.front() == '\r' || raw.front() == '\n')) {
        raw.remove_prefix(1);
    }
    if (raw.empty() || istarts_with(raw, "SIP/")) {
        return std::nullopt;
    }
    std::size_t eol = raw.find('\n');
    if (eol == std::string_view::npos) {
        return std::nullopt;
    }
    ErrorReply reply;
    reply.port = source_port;
    std::string headers;
    bool seen_from = false, seen_to = false, seen_call_id = false, seen_cseq = false, seen_via = false;
    std::size_t pos = eol + 1;
    while (pos < raw.size()) {
        std::size_t end = raw.find('\n', pos);
        if (end == std::string_view::npos) {
            end = raw.size();
        }
        std::string_view line = raw.substr(pos, end - pos);
        pos = end + 1;
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.empty()) {
            break;
        }
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || line.front() == ' ' || line.front() == '\t') {
            continue;
        }
        std::string_view name = response_header(trim(line.substr(0, colon)));
        std::string_view value = trim(line.substr(colon + 1));
        if (name.empty() || value.empty() ||
            value.find_first_of(std::string_view("\0", 1)) != std::string_view::npos) {
            continue;
        }
        if ((name == "From" && seen_from) || (name == "To" && seen_to) ||
            (name == "Call-ID" && seen_call_id) || (name == "CSeq" && seen_cseq)) {
            continue;  // one of each: the first one counts
        }
        headers.append(name).append(": ");
        if (name == "Via" && !seen_via) {
            // The top Via, when it can be read, routes the answer as for any response.
            std::string_view top = value.substr(0, value.find(','));
            auto via = parse_via(top);
            if (via) {
                std::string annotated = annotate_via(*via, source_ip, source_port);
                headers.append(annotated.empty() ? top : std::string_view(annotated));
                headers.append(value.substr(top.size()));
                if (!via->rport) {
                    reply.port = via->port != 0 ? via->port : 5060;
                }
            } else {
                headers.append(value);
            }
        } else {
            headers.append(value);
        }
        if (name == "To" && value.find(";tag=") == std::string_view::npos && status > 100) {
            headers.append(";tag=sb400");
        }
        headers.append("\r\n");
        seen_via |= name == "Via";
        seen_from |= name == "From";
        seen_to |= name == "To";
        seen_call_id |= name == "Call-ID";
        seen_cseq |= name == "CSeq";
    }
    if (!(seen_via && seen_from && seen_to && seen_call_id && seen_cseq)) {
        return std::nullopt;
    }
    fmt::format_to(std::back_inserter(reply.bytes), "SIP/2.0 {} {}\r\n", status, reason);
    reply.bytes.append(headers);
    reply.bytes.append("Content-Length: 0\r\n\r\n");
    return reply;
}

std::string annotate_via(const Via& via, std::string_view source_ip, unsigned source_port) {
    // RFC 3581 §4: with rport, received is always added.
    bool add_received = via.rport.has_value() || via.host != source_ip;
    bool fill_rport = via.rport.has_value() && via.rport->empty();
    if (via.received && *via.received == source_ip) {
        add_received = false;
    }
    if (!add_received && !fill_rport) {
        return {};
    }
    // Rebuild the value: everything up to the parameters, then the parameters with received
    // replaced and rport filled in.
    std::string out(via.text.substr(0, via.text.size() - via.params.size()));
    ParamCursor cursor(via.params);
    while (auto p = cursor.next()) {
        if (iequals(p->name, "received")) {
            continue;
        }
        if (iequals(p->name, "rport")) {
            fmt::format_to(std::back_inserter(out), ";rport={}", source_port);
            continue;
        }
        out.append(";").append(p->name);
        if (p->has_value) {
            out.append("=").append(p->value);
        }
    }
    if (add_received) {
        out.append(";received=").append(source_ip);
    }
    return out;
}

}  // namespace sb::sip
