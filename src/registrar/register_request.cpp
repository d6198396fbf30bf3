#include "registrar/register_request.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/strings.h"
#include "sip/header_values.h"
#include "sip/name_addr.h"
#include "sip/params.h"
#include "sip/uri.h"

namespace sb::registrar {
namespace {

using Fail = Unexpected<Reject>;

Fail reject(int status, std::string reason, std::string extra = {}) {
    return Fail(Reject{status, std::move(reason), std::move(extra), {}});
}

Fail refuse(int status, std::string detail, std::string extra = {}) {
    return Fail(Reject{status, {}, std::move(extra), std::move(detail)});
}

// delta-seconds larger than 2**32-1 mean 2**32-1 (RFC 3261 §25.1 note on delta-seconds).
std::optional<std::uint32_t> parse_delta_seconds(std::string_view text) {
    text = trim(text);
    if (text.empty() || text.size() > 64 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    auto v = parse_u64(text.size() > 19 ? std::string_view("99999999999") : text);
    if (!v || *v > UINT32_MAX) {
        return UINT32_MAX;
    }
    return static_cast<std::uint32_t>(*v);
}

// q-value = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), as thousandths.
std::optional<int> parse_q(std::string_view text) {
    if (text.empty() || (text[0] != '0' && text[0] != '1')) {
        return std::nullopt;
    }
    int value = (text[0] - '0') * 1000;
    if (text.size() > 1) {
        if (text[1] != '.' || text.size() > 5) {
            return std::nullopt;
        }
        int scale = 100;
        for (char c : text.substr(2)) {
            if (c < '0' || c > '9') {
                return std::nullopt;
            }
            value += (c - '0') * scale;
            scale /= 10;
        }
    }
    return value <= 1000 ? std::optional<int>(value) : std::nullopt;
}

std::string_view strip_instance(std::string_view v) {
    v = sip::unquote(v);
    if (v.size() >= 2 && v.front() == '<' && v.back() == '>') {
        v = v.substr(1, v.size() - 2);
    }
    return v;
}

bool is_expires(std::string_view name) { return iequals(name, "expires"); }

}  // namespace

Expected<RegisterRequest, Reject> read_register(const sip::Message& msg,
                                                const RegistrarConfig& config,
                                                std::string received) {
    RegisterRequest req;
    auto to = sip::parse_name_addr(msg.value(sip::HeaderId::To));
    if (!to) {
        return reject(400, std::string("Bad To: ") + to.error());
    }
    if (!to->uri.is_sip()) {
        return refuse(416, "To");
    }
    if (!to->uri.has_user()) {
        return refuse(404, "no user in To");
    }
    req.aor = sip::address_of_record(to->uri);
    req.call_id = std::string(msg.call_id());
    req.cseq = msg.cseq().number;
    req.received = std::move(received);
    req.user_agent = std::string(msg.value(sip::HeaderId::UserAgent));

    std::optional<std::uint32_t> header_expires;
    if (const sip::HeaderField* e = msg.first(sip::HeaderId::Expires)) {
        header_expires = parse_delta_seconds(e->value);
        if (!header_expires) {
            return reject(400, "Bad Expires");
        }
    }

    for (const sip::HeaderField& h : msg.headers()) {
        if (h.id == sip::HeaderId::Path) {
            if (!req.path.empty()) {
                req.path += ", ";
            }
            req.path += h.value;
            continue;
        }
        if (h.id != sip::HeaderId::Contact) {
            continue;
        }
        if (h.value == "*") {
            req.wildcard = true;
            continue;
        }
        std::optional<Reject> error;
        sip::for_each_list_value(h.value, [&](std::string_view v) {
            auto na = sip::parse_name_addr(v);
            if (!na) {
                error = Reject{400, std::string("Bad Contact: ") + na.error(), {}};
                return false;
            }
            if (!na->uri.is_sip()) {
                error = Reject{416, {}, {}, "Contact"};
                return false;
            }
            ContactRequest c;
            c.uri = std::string(na->uri.text);
            c.params = std::string(na->params);
            std::optional<std::uint32_t> expires = header_expires;
            if (auto e = na->param("expires")) {
                expires = parse_delta_seconds(*e);
                if (!expires) {
                    error = Reject{400, "Bad Contact: bad expires parameter", {}};
                    return false;
                }
            }
            if (auto q = na->param("q")) {
                auto parsed = parse_q(*q);
                if (!parsed) {
                    error = Reject{400, "Bad Contact: bad q-value", {}};
                    return false;
                }
                c.q = *parsed;
            }
            if (auto inst = na->param("+sip.instance")) {
                c.instance_id = std::string(strip_instance(*inst));
            }
            if (auto reg_id = na->param("reg-id")) {
                auto parsed = parse_u32(*reg_id);
                if (!parsed) {
                    error = Reject{400, "Bad Contact: bad reg-id", {}};
                    return false;
                }
                c.reg_id = *parsed;
            }
            c.expires = expires.value_or(config.default_expires);
            req.contacts.push_back(std::move(c));
            return true;
        });
        if (error) {
            return Fail(*error);
        }
    }

    if (req.wildcard) {
        // RFC 3261 §10.3 step 6: "*" only alone and only with Expires: 0.
        if (!req.contacts.empty() || header_expires != std::optional<std::uint32_t>(0)) {
            return reject(400, "Bad Contact: * needs Expires: 0 and no other contact");
        }
        return req;
    }
    for (ContactRequest& c : req.contacts) {
        if (c.expires != 0 && c.expires < config.min_expires) {
            return refuse(423, {},
                          fmt::format("Min-Expires: {}\r\n", config.min_expires));
        }
        c.expires = std::min(c.expires, config.max_expires);
    }
    return req;
}

Expected<std::vector<location::Binding>, Reject> apply_register(
    const RegisterRequest& request, const std::vector<location::Binding>& current,
    const RegistrarConfig& config, std::int64_t now) {
    auto out_of_order = [&](const location::Binding& b) {
        return b.call_id == request.call_id && request.cseq <= b.cseq;
    };
    if (request.wildcard) {
        for (const location::Binding& b : current) {
            if (out_of_order(b)) {
                return reject(400, "Bad CSeq: out of order for this registration");
            }
        }
        return std::vector<location::Binding>{};
    }
    std::vector<location::Binding> result = current;
    for (const ContactRequest& c : request.contacts) {
        auto it = std::find_if(result.begin(), result.end(), [&](const location::Binding& b) {
            // RFC 5626 §6: with an instance and reg-id, they identify the flow's binding.
            if (!c.instance_id.empty() && c.reg_id != 0) {
                return b.instance_id == c.instance_id && b.reg_id == c.reg_id;
            }
            return same_contact(b.contact, c.uri);
        });
        if (it != result.end()) {
            if (out_of_order(*it)) {
                return reject(400, "Bad CSeq: out of order for this registration");
            }
            if (c.expires == 0) {
                result.erase(it);
                continue;
            }
        } else if (c.expires == 0) {
            continue;
        } else {
            it = result.insert(result.end(), location::Binding{});
        }
        location::Binding& b = *it;
        b.aor = request.aor;
        b.contact = c.uri;
        b.contact_params = c.params;
        b.q = c.q;
        b.expires_at = now + c.expires;
        b.call_id = request.call_id;
        b.cseq = request.cseq;
        b.path = request.path;
        b.received = request.received;
        b.instance_id = c.instance_id;
        b.reg_id = c.reg_id;
        b.user_agent = request.user_agent;
        b.updated_at = now;
    }
    if (result.size() > config.max_contacts) {
        return refuse(403, fmt::format("more than {} contacts", config.max_contacts));
    }
    return result;
}

bool same_contact(std::string_view a, std::string_view b) {
    if (a == b) {
        return true;
    }
    auto ua = sip::parse_uri(a);
    auto ub = sip::parse_uri(b);
    if (!ua || !ub || ua->scheme != ub->scheme) {
        return false;
    }
    if (ua->scheme == sip::UriScheme::Other) {
        return false;
    }
    if (sip::unescape(ua->user) != sip::unescape(ub->user) || ua->password != ub->password ||
        !iequals(ua->host, ub->host) || ua->port != ub->port) {
        return false;
    }
    // Parameters present in both must match; user, ttl, method and maddr must be in both.
    for (std::string_view name : {"transport", "user", "ttl", "method", "maddr"}) {
        auto pa = ua->param(name);
        auto pb = ub->param(name);
        if (pa.has_value() != pb.has_value()) {
            if (name != "transport") {
                return false;
            }
            continue;
        }
        if (pa && !iequals(*pa, *pb)) {
            return false;
        }
    }
    return true;
}

std::string contact_lines(const std::vector<location::Binding>& bindings, std::int64_t now) {
    std::string out;
    for (const location::Binding& b : bindings) {
        out.append("Contact: <").append(b.contact).append(">");
        sip::ParamCursor cursor(b.contact_params);
        while (auto p = cursor.next()) {
            if (is_expires(p->name)) {
                continue;
            }
            out.append(";").append(p->name);
            if (p->has_value) {
                out.append("=").append(p->value);
            }
        }
        fmt::format_to(std::back_inserter(out), ";expires={}\r\n",
                       std::max<std::int64_t>(0, b.expires_at - now));
    }
    return out;
}

}  // namespace sb::registrar
