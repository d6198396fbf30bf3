#include "proxy/core.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include <fmt/format.h>

#include "base/log.h"
#include "base/strings.h"
#include "proxy/flow_token.h"
#include "proxy/forward.h"
#include "proxy/next_hop.h"
#include "proxy/redirect.h"
#include "proxy/validation.h"
#include "sip/header_values.h"
#include "sip/name_addr.h"
#include "sip/parser.h"
#include "sip/response.h"
#include "sip/uri.h"

namespace sb::proxy {
namespace {

constexpr std::string_view kAllowSelf = "Allow: REGISTER, OPTIONS, ACK, CANCEL\r\n";

std::shared_ptr<spdlog::logger> logger() {
    static auto l = log::get("proxy");
    return l;
}

std::uint64_t make_token(std::uint64_t context, std::size_t branch) {
    return (context << 16) | (branch & 0xffff);
}

bool record_routes(const sip::Message& request) {
    // Dialog-forming requests only (RFC 3261 §16.6 step 4 leaves the choice to the proxy).
    switch (request.method()) {
        case sip::Method::Invite:
        case sip::Method::Subscribe:
        case sip::Method::Refer:
        case sip::Method::Notify:
            return request.to_tag().empty();
        default:
            return false;
    }
}

// Whether a peer that sent from `source` with this Contact must be reached at its source
// address rather than its Contact (behind NAT, or over a connection it opened).
bool needs_flow(NatMode nat, const transport::Destination& actual, std::string_view contact_uri) {
    if (transport::is_stream(actual.transport)) {
        return true;  // reach it over its connection, whatever the NAT setting
    }
    if (nat == NatMode::Never) {
        return false;
    }
    if (nat == NatMode::Always) {
        return true;
    }
    auto uri = sip::parse_uri(contact_uri);
    auto direct = uri ? resolve_literal(*uri) : std::nullopt;
    return !direct || !direct->remote.same_address(actual.remote);
}

std::string first_contact_uri(const sip::Message& m) {
    std::string out;
    if (const sip::HeaderField* h = m.first(sip::HeaderId::Contact)) {
        sip::for_each_list_value(h->value, [&](std::string_view v) {
            if (auto na = sip::parse_name_addr(v)) {
                out = std::string(na->uri.text);
            }
            return false;
        });
    }
    return out;
}

std::string record_route_uri(const transport::Listener& l, const transport::Endpoint& address,
                             std::string_view flow, bool sips) {
    // RFC 3261 §16.6 step 4: a sips: Request-URI gets a sips: Record-Route.
    std::string out = sips ? "<sips:" : "<sip:";
    if (!flow.empty()) {
        out.append(flow).append("@");
    }
    out.append(address.host()).append(":").append(std::to_string(address.port()));
    if (l.transport != transport::Transport::Udp) {
        out.append(";transport=").append(transport::lower_name(l.transport));
    }
    out.append(";lr>");
    return out;
}

}  // namespace

Core::EventScope::~EventScope() {
    if (--core_.depth_ == 0) {
        // Free what finished during this event, now that no context is on the stack. Only
        // the contexts the event touched can have finished: a look at each, not at every
        // call still ringing.
        for (std::uint64_t id : core_.touched_) {
            auto it = core_.contexts_.find(id);
            if (it != core_.contexts_.end() && it->second->finished()) {
                core_.release_answered(*it->second);
                core_.plans_.erase(id);
                core_.contexts_.erase(it);
            }
        }
        core_.touched_.clear();
    }
}

void Core::release_answered(ResponseContext& ctx) {
    // An answered INVITE's server transaction lives on 32 s (Timer L) only to absorb
    // retransmissions, which its key does: nothing reads its request after its context.
    txn::ServerTransaction* st = table_->find_server(ctx.server_id());
    if (st != nullptr && st->is_invite() && st->last_status() / 100 == 2) {
        st->release_request();
    }
}

Core::Core(Deps deps) : deps_(std::move(deps)) {}

Core::~Core() = default;

bool Core::wants_transaction(const sip::Message& request) const {
    if (deps_.config.mode != Mode::Stateless && deps_.config.domains.empty()) {
        return true;
    }
    if (request.method() == sip::Method::Register || request.method() == sip::Method::Cancel) {
        return true;
    }
    auto uri = sip::parse_uri(request.request_uri());
    if (!uri || deps_.config.mode_for(uri->host) != Mode::Stateless) {
        return true;
    }
    return uri->is_sip() && !uri->has_user() && deps_.local.is_self(uri->host, uri->port);
}

void Core::on_request(txn::ServerTransaction& st) {
    EventScope scope(*this);
    const sip::Message& req = st.request();
    if (req.method() == sip::Method::Cancel) {
        handle_cancel(st);
        return;
    }
    auto uri = sip::parse_uri(req.request_uri());
    if (!uri || uri->scheme == sip::UriScheme::Other) {
        st.respond(416);
        return;
    }
    for (RequestStage* stage : deps_.stages) {
        if (stage->on_request(st) == StageResult::Done) {
            return;
        }
    }
    if (uri->is_sip() && !uri->has_user() && deps_.local.is_self(uri->host, uri->port) &&
        req.first(sip::HeaderId::Route) == nullptr) {
        answer_self(st);
        return;
    }
    // An initial INVITE is a call attempt from here on, even one refused at once (404, 483...).
    const bool new_call = deps_.observer != nullptr && req.method() == sip::Method::Invite &&
                          req.to_tag().empty();
    if (new_call) {
        deps_.observer->on_invite(req, st.source());
    }
    auto refused = [&] {
        if (new_call && st.last_status() >= 300) {
            deps_.observer->on_invite_response(req, st.last_status(), st.phrase(st.last_status()),
                                               {}, {});
        }
    };
    if (auto rejection = check_forwardable(req)) {
        st.respond(rejection->status, rejection->reason, rejection->extra_headers);
        refused();
        return;
    }
    if (loop_detected(req)) {
        st.respond(482);
        refused();
        return;
    }
    RoutePlan plan = plan_routes(req, deps_.local);
    std::vector<Target> targets;
    Fallbacks fallbacks;
    if (!route(req, plan, targets, &st, &fallbacks)) {
        forwarded_now_.clear();
        refused();
        return;
    }
    if (req.method() == sip::Method::Invite) {
        st.respond(100);  // stop the caller's retransmissions while we fork (§16.2)
    }
    if (deps_.observer != nullptr && !req.to_tag().empty()) {
        deps_.observer->on_in_dialog(req, st.source());
    }
    std::uint64_t id = ++last_context_;
    st.user_data = id;
    plans_.emplace(id, std::move(plan));
    auto [it, inserted] =
        contexts_.emplace(id, std::make_unique<ResponseContext>(*this, id, st, std::move(targets)));
    touched_.push_back(id);
    for (const std::string& why : forwarded_now_) {
        if (deps_.observer != nullptr) {
            deps_.observer->on_forwarded(req, forwarded_to_, why);
        }
    }
    forwarded_now_.clear();
    it->second->set_fallbacks(std::move(fallbacks));
    it->second->start();
}

bool Core::route(const sip::Message& request, RoutePlan& plan, std::vector<Target>& targets,
                 txn::ServerTransaction* st, Fallbacks* fallbacks) {
    auto answer = [&](int status, std::string_view detail = {}, std::string_view extra = {}) {
        if (st != nullptr) {
            st->respond(status, detail.empty() ? std::string() : st->phrase(status, detail), extra);
        }
        return false;
    };
    // A 302 from here: the call log learns where the caller was sent.
    auto redirect_to = [&](std::string_view where, std::string_view contact_lines) {
        if (st != nullptr && deps_.observer != nullptr &&
            request.method() == sip::Method::Invite && request.to_tag().empty()) {
            deps_.observer->on_forwarded(request, where, "redirect");
        }
        return answer(302, {}, contact_lines);
    };
    // A Route set left after ours: forward along it, Request-URI untouched (§16.6 step 7).
    if (!plan.next_route.empty()) {
        auto next = sip::parse_uri(plan.next_route);
        if (!next || !next->is_sip()) {
            return answer(400, "Route");
        }
        auto hop = resolve_literal(*next);
        if (!hop && deps_.resolver == nullptr) {
            return answer(503, "next hop is not an IP address");
        }
        Target t{{}, hop.value_or(transport::Destination{}), {}, 1000, {}, {}};
        if (!hop) {
            t.resolve = plan.next_route;
        }
        targets.push_back(std::move(t));
        return true;
    }
    std::string_view ruri_text = plan.request_uri.empty() ? request.request_uri() : plan.request_uri;
    auto ruri = sip::parse_uri(ruri_text);
    if (!ruri) {
        return answer(400, "Request-URI");
    }
    // Along our own Record-Route: the flow token says where the peer really is.
    if (plan.via_our_route && !plan.flow.empty()) {
        if (auto hop = decode_flow(plan.flow)) {
            targets.push_back(Target{{}, *hop, {}, 1000});
            return true;
        }
    }
    const bool ours = ruri->is_sip() &&
                      (deps_.local.is_self(ruri->host, ruri->port) ||
                       (!sip::is_ip_literal(ruri->host) && deps_.local.is_domain(ruri->host)));
    if (ours && ruri->has_user()) {
        std::string aor = sip::address_of_record(*ruri);
        CalleePolicy policy;
        const bool initial_invite =
            request.method() == sip::Method::Invite && request.to_tag().empty();
        if (initial_invite && deps_.services != nullptr) {
            auto from = sip::parse_name_addr(request.value(sip::HeaderId::From));
            std::string caller = from && from->uri.is_sip() ? sip::address_of_record(from->uri)
                                                            : std::string();
            policy = deps_.services->policy(caller, aor);
        } else {
            policy.known = deps_.users.exists(aor);
        }
        if (policy.refuse_status != 0) {
            return answer(policy.refuse_status, policy.refuse_detail);
        }
        // A redirect server for this user, or for every user of the domain: the caller is
        // told where to call instead (the forwarding target, else the contacts) and goes there.
        const bool redirect =
            policy.redirect || deps_.config.mode_for(ruri->host) == Mode::Redirect;
        if (fallbacks != nullptr) {
            fallbacks->visited.push_back(aor);
        }
        if (policy.always) {
            if (redirect) {
                return redirect_to(policy.always->target, redirect_contact(policy.always->target));
            }
            std::vector<std::string> visited{aor};
            if (!forward_targets(*policy.always, visited, targets)) {
                return answer(480, "forwarding target unavailable");
            }
            note_forward(*policy.always, aor, targets);
            return true;
        }
        auto bindings = deps_.store.lookup(aor, deps_.clock.unix_seconds());
        if (!bindings) {
            logger()->error("location lookup of {} failed: {}", aor, bindings.error().message);
            return answer(500, "location store unavailable");
        }
        if (bindings->empty()) {
            if (policy.on_unavailable && redirect) {
                return redirect_to(policy.on_unavailable->target,
                                   redirect_contact(policy.on_unavailable->target));
            }
            if (policy.on_unavailable) {
                std::vector<std::string> visited{aor};
                if (forward_targets(*policy.on_unavailable, visited, targets)) {
                    note_forward(*policy.on_unavailable, aor, targets);
                    return true;
                }
            }
            return policy.known ? answer(480) : answer(404);
        }
        if (fallbacks != nullptr) {
            fallbacks->on_busy = policy.on_busy;
            fallbacks->on_no_answer = policy.on_no_answer;
            fallbacks->no_answer_after = policy.no_answer_after;
            fallbacks->original = aor;
        }
        if (redirect) {
            return redirect_to((*bindings)[0].contact, redirect_contacts(*bindings));
        }
        targets = targets_from(*bindings, deps_.config.nat);
        if (targets.empty()) {
            return answer(480, "no reachable contact");
        }
        return true;
    }
    if (ours) {
        return answer(404);
    }
    // Another host: allowed when we record-routed the dialog, for our own addresses, or when
    // relaying is enabled; never an open relay by default.
    bool our_address = sip::is_ip_literal(ruri->host) && deps_.local.is_domain(ruri->host);
    if (!plan.via_our_route && !our_address && !deps_.config.allow_relay) {
        return answer(403, "relaying denied");
    }
    auto hop = resolve_literal(*ruri);
    if (!hop && (deps_.resolver == nullptr || !ruri->is_sip())) {
        return answer(503, "cannot resolve the Request-URI host");
    }
    Target t{{}, hop.value_or(transport::Destination{}), {}, 1000, {}, {}};
    if (!hop) {
        t.resolve = std::string(ruri_text);
    }
    targets.push_back(std::move(t));
    return true;
}

std::string Core::build_branch_request(const sip::Message& request,
                                       const transport::Source& source, std::string_view top_via,
                                       const RoutePlan& plan, const Target& target,
                                       std::string_view branch,
                                       transport::Destination& hop) const {
    const transport::Listener* out = deps_.sender.listener_for(hop.transport, hop.remote);
    if (out == nullptr) {
        return {};
    }
    hop.listener = out->id;
    transport::Endpoint out_address = deps_.sender.advertised(*out, hop.remote);
    std::string via = fmt::format("SIP/2.0/{} {}:{};branch={}", transport::via_name(out->transport),
                                  out_address.host(), out_address.port(), branch);
    std::string rr;
    if (deps_.config.record_route && record_routes(request) &&
        source.listener < deps_.sender.listeners().size()) {
        const transport::Listener& in = deps_.sender.listeners()[source.listener];
        transport::Endpoint in_address = deps_.sender.advertised(in, source.remote);
        transport::Destination caller{source.transport, source.remote, source.connection,
                                      source.listener};
        std::string in_flow = needs_flow(deps_.config.nat, caller, first_contact_uri(request))
                                  ? encode_flow(caller)
                                  : std::string();
        std::string out_flow = !target.uri.empty() && target.routes.empty() &&
                                       needs_flow(deps_.config.nat, hop, target.uri)
                                   ? encode_flow(hop)
                                   : std::string();
        const bool sips = istarts_with(request.request_uri(), "sips:");
        std::string out_rr = record_route_uri(*out, out_address, out_flow, sips);
        if (in.id == out->id && in_flow.empty() && out_flow.empty()) {
            rr = out_rr;
        } else {
            // Two entries (RFC 5658): the one facing the callee on top.
            rr = out_rr + ", " + record_route_uri(in, in_address, in_flow, sips);
        }
    }
    std::string bytes;
    build_forward(bytes, request,
                  ForwardSpec{.request_uri = target.uri,
                              .routes = &plan,
                              .add_routes = target.routes,
                              .top_via = top_via,
                              .via = via,
                              .record_route = rr,
                              .stream = transport::is_stream(hop.transport),
                              .extra_headers = target.extra_headers});
    return bytes;
}

txn::TxnId Core::start_branch(ResponseContext& ctx, ResponseContext::Branch& branch) {
    txn::ServerTransaction* st = table_->find_server(ctx.server_id());
    auto plan = plans_.find(ctx.id());
    if (st == nullptr || plan == plans_.end()) {
        return 0;
    }
    transport::Destination hop = branch.target.hop;
    const LoopHash hash = loop_hash(st->request());
    std::string id = table_->new_branch(1 + hash.size());
    id += 'l';
    id.append(hash.data(), hash.size());
    // The server transaction annotated the top Via once already, for its responses.
    std::string bytes = build_branch_request(st->request(), st->source(), st->response_via(),
                                             plan->second, branch.target, id, hop);
    if (bytes.empty()) {
        return 0;
    }
    txn::ClientTransaction* ct =
        table_->start_client(std::move(bytes), hop, *this, make_token(ctx.id(), branch.index));
    return ct != nullptr ? ct->id() : 0;
}

void Core::cancel_branch(txn::TxnId client, std::string_view reason) {
    auto* ct = dynamic_cast<txn::ClientInvite*>(table_->find_client(client));
    if (ct == nullptr) {
        return;
    }
    std::string cancel = ct->build_cancel(reason);
    if (cancel.empty()) {
        return;  // answered or failed meanwhile: nothing to cancel
    }
    table_->start_client(std::move(cancel), ct->destination(), *this, 0);
}

const sip::Message* Core::request_of(ResponseContext& ctx) {
    txn::ServerTransaction* st = table_->find_server(ctx.server_id());
    return st != nullptr ? &st->request() : nullptr;
}

void Core::observe_branch(ResponseContext& ctx, const ResponseContext::Branch& branch) {
    const sip::Message* req = deps_.observer != nullptr ? request_of(ctx) : nullptr;
    if (req != nullptr && req->method() == sip::Method::Invite && req->to_tag().empty()) {
        deps_.observer->on_branch(*req, branch.target.uri);
    }
}

void Core::observe_response(ResponseContext& ctx, const sip::Message& response,
                            const ResponseContext::Branch& branch) {
    const sip::Message* req = deps_.observer != nullptr ? request_of(ctx) : nullptr;
    if (req == nullptr) {
        return;
    }
    if (req->method() == sip::Method::Invite && req->to_tag().empty()) {
        deps_.observer->on_invite_response(*req, response.status(), response.reason(),
                                           response.to_tag(), branch.target.uri);
    } else if (!req->to_tag().empty()) {
        deps_.observer->on_in_dialog_response(response);
    }
}

void Core::observe_local_response(ResponseContext& ctx, int status) {
    txn::ServerTransaction* st =
        deps_.observer != nullptr ? table_->find_server(ctx.server_id()) : nullptr;
    const sip::Message* req = st != nullptr ? &st->request() : nullptr;
    if (req != nullptr && req->method() == sip::Method::Invite && req->to_tag().empty()) {
        // The phrase the caller gets with it (ours, from the table), as for relayed answers.
        deps_.observer->on_invite_response(*req, status, st->phrase(status), {}, {});
    }
}

void Core::observe_relayed_final(ResponseContext& ctx, int status, std::string_view bytes) {
    const sip::Message* req = deps_.observer != nullptr ? request_of(ctx) : nullptr;
    if (req == nullptr) {
        return;
    }
    auto response = sip::parse_message(bytes);
    if (!response) {
        return;
    }
    if (req->method() == sip::Method::Invite && req->to_tag().empty()) {
        if (status >= 300 && status < 400) {
            // A phone that redirects the call: where it sends the caller goes in the record,
            // as it does when we redirect.
            if (std::string target = first_contact_uri(*response); !target.empty()) {
                deps_.observer->on_forwarded(*req, target, "redirect");
            }
        }
        deps_.observer->on_invite_response(*req, status, response->reason(), response->to_tag(),
                                           {});
    } else if (!req->to_tag().empty()) {
        deps_.observer->on_in_dialog_response(*response);
    }
}

void Core::note_forward(const Forward& forward, std::string_view from_aor,
                        std::vector<Target>& targets) {
    forwarded_now_.push_back(forward.reason);
    forwarded_to_ = forward.target;
    std::string diversion = diversion_line(from_aor, forward.reason);
    for (Target& t : targets) {
        t.extra_headers += diversion;
    }
}

std::string Core::diversion_line(std::string_view from_aor, std::string_view reason) {
    // RFC 5806: who the call was for and why it moved.
    std::string_view why = reason == "busy"          ? "user-busy"
                           : reason == "no-answer"   ? "no-answer"
                           : reason == "unavailable" ? "unavailable"
                                                     : "unconditional";
    return fmt::format("Diversion: <{}>;reason={};counter=1\r\n", from_aor, why);
}

bool Core::forward_targets(const Forward& forward, std::vector<std::string>& visited,
                           std::vector<Target>& out) {
    auto uri = sip::parse_uri(forward.target);
    if (!uri || !uri->is_sip()) {
        return false;
    }
    const bool ours = deps_.local.is_self(uri->host, uri->port) ||
                      (!sip::is_ip_literal(uri->host) && deps_.local.is_domain(uri->host));
    if (ours && uri->has_user()) {
        std::string aor = sip::address_of_record(*uri);
        if (std::find(visited.begin(), visited.end(), aor) != visited.end() || visited.size() > 8) {
            logger()->warn("forwarding loop through {} stopped", aor);
            return false;
        }
        visited.push_back(aor);
        auto bindings = deps_.store.lookup(aor, deps_.clock.unix_seconds());
        if (!bindings || bindings->empty()) {
            return false;
        }
        out = targets_from(*bindings, deps_.config.nat);
        return !out.empty();
    }
    auto hop = resolve_literal(*uri);
    if (!hop && deps_.resolver == nullptr) {
        return false;
    }
    Target t{std::string(uri->text), hop.value_or(transport::Destination{}), {}, 1000, {}, {}};
    if (!hop) {
        t.resolve = t.uri;
    }
    out.push_back(std::move(t));
    return true;
}

bool Core::resolve_branch(ResponseContext& ctx, const ResponseContext::Branch& branch) {
    auto uri = sip::parse_uri(branch.target.resolve);
    if (deps_.resolver == nullptr || deps_.worker == nullptr || !uri) {
        return false;
    }
    deps_.resolver->resolve(*uri, *deps_.worker,
                            [this, id = ctx.id(), index = branch.index](dns::Resolution r) {
                                EventScope scope(*this);
                                auto it = contexts_.find(id);
                                if (it != contexts_.end()) {
                                    touched_.push_back(id);
                                    it->second->on_resolved(index, std::move(r));
                                }
                            });
    return true;
}

void Core::observe_forwarded(ResponseContext& ctx, const Forward& forward) {
    const sip::Message* req = deps_.observer != nullptr ? request_of(ctx) : nullptr;
    if (req != nullptr) {
        deps_.observer->on_forwarded(*req, forward.target, forward.reason);
    }
}

void Core::after_timer(ResponseContext& ctx) {
    EventScope scope(*this);  // frees what the timer finished
    touched_.push_back(ctx.id());
}

void Core::answer_self(txn::ServerTransaction& st) {
    const sip::Message& req = st.request();
    if (auto rejection = check_require(req)) {
        st.respond(rejection->status, rejection->reason, rejection->extra_headers);
        return;
    }
    std::string extra(kAllowSelf);
    if (!deps_.server_header.empty()) {
        extra += "Server: " + deps_.server_header + "\r\n";
    }
    if (req.method() == sip::Method::Options) {
        extra += "Accept: application/sdp\r\nSupported: path\r\n";
        st.respond(200, {}, extra);
        return;
    }
    st.respond(405, {}, extra);
}

void Core::handle_cancel(txn::ServerTransaction& st) {
    // RFC 3261 §16.10 / §9.2: answer the CANCEL, then cancel the INVITE's pending branches.
    txn::ServerTransaction* invite = table_->find_invite_for(st.request());
    if (invite == nullptr) {
        st.respond(481);
        return;
    }
    st.respond(200);
    // After the final response a CANCEL changes nothing (§9.2), and an answered INVITE's
    // request may be gone already.
    if (deps_.observer != nullptr && invite->last_status() < 200) {
        deps_.observer->on_cancel(invite->request());
    }
    auto it = contexts_.find(invite->user_data);
    if (it != contexts_.end()) {
        touched_.push_back(it->first);
        std::string_view reason = st.request().value(sip::HeaderId::Reason);
        it->second->cancel(reason);
    } else if (invite->last_status() < 200) {
        invite->respond(487);
    }
}

Core::LoopHash Core::loop_hash(const sip::Message& request) {
    // RFC 3261 §16.6 step 8: the Request-URI, Call-ID, CSeq number and both tags, each
    // followed by a line break, hashed piece by piece rather than joined first.
    char cseq[16];
    auto cseq_end = std::to_chars(cseq, cseq + sizeof cseq, request.cseq().number).ptr;
    std::uint64_t h = hash_bytes(request.request_uri());
    for (std::string_view piece : {std::string_view("\n"), request.call_id(),
                                   std::string_view("\n"), std::string_view(cseq, cseq_end),
                                   std::string_view("\n"), request.from_tag(),
                                   std::string_view("\n"), request.to_tag()}) {
        h = hash_bytes(piece, h);
    }
    LoopHash text;
    constexpr char kHex[] = "0123456789abcdef";
    for (std::size_t i = 0; i < text.size(); ++i) {
        text[text.size() - 1 - i] = kHex[(h >> (4 * i)) & 0xf];
    }
    return text;
}

bool Core::loop_detected(const sip::Message& request) const {
    std::optional<LoopHash> hash;
    bool loop = false;
    for (const sip::HeaderField& h : request.headers()) {
        if (h.id != sip::HeaderId::Via || loop) {
            continue;
        }
        sip::for_each_list_value(h.value, [&](std::string_view v) {
            auto via = sip::parse_via(v);
            if (!via || !deps_.local.is_self(via->host, via->port)) {
                return true;
            }
            std::size_t l = via->branch.rfind('l');
            if (l == std::string_view::npos || txn::TransactionTable::owner_of_branch(via->branch) < 0) {
                return true;
            }
            if (!hash) {
                hash = loop_hash(request);
            }
            loop = via->branch.substr(l + 1) == std::string_view(hash->data(), hash->size());
            return !loop;
        });
    }
    return loop;
}

ResponseContext* Core::context_of(std::uint64_t token, std::size_t& branch) {
    branch = token & 0xffff;
    auto it = contexts_.find(token >> 16);
    if (it == contexts_.end()) {
        return nullptr;
    }
    touched_.push_back(it->first);
    return it->second.get();
}

void Core::on_response(txn::ClientTransaction& ct, const sip::Message& response,
                       const transport::Source&) {
    EventScope scope(*this);
    if (ct.token() == 0) {
        return;  // the answer to a CANCEL we sent
    }
    std::size_t branch = 0;
    ResponseContext* ctx = context_of(ct.token(), branch);
    if (ctx == nullptr) {
        // A late 2xx (a retransmission after the context ended) still goes upstream.
        if (response.cseq().method == sip::Method::Invite && response.status() / 100 == 2) {
            relay_by_via(response);
        }
        return;
    }
    ctx->on_response(branch, response);
}

void Core::on_timeout(txn::ClientTransaction& ct) {
    EventScope scope(*this);
    std::size_t branch = 0;
    if (ResponseContext* ctx = ct.token() == 0 ? nullptr : context_of(ct.token(), branch)) {
        ctx->on_branch_failure(branch, 408);
    }
}

void Core::on_transport_error(txn::ClientTransaction& ct) {
    EventScope scope(*this);
    std::size_t branch = 0;
    if (ResponseContext* ctx = ct.token() == 0 ? nullptr : context_of(ct.token(), branch)) {
        ctx->on_branch_failure(branch, 480);
    }
}

void Core::on_server_failure(txn::ServerTransaction& st) {
    logger()->info("{} {}: no ACK for the final response", st.request().method_text(),
                   st.request().call_id());
}

void Core::on_stray_ack(const sip::Message& ack, const transport::Source& source) {
    on_stateless_request(ack, source);
}

void Core::on_stateless_request(const sip::Message& request, const transport::Source& source) {
    EventScope scope(*this);
    if (request.method() != sip::Method::Ack) {
        if (check_forwardable(request) || loop_detected(request)) {
            return;  // nothing to answer with: a stateless proxy drops what it cannot route
        }
    } else if (request.max_forwards() == 0) {
        return;
    }
    RoutePlan plan = plan_routes(request, deps_.local);
    std::vector<Target> targets;
    if (!route(request, plan, targets, nullptr) || targets.empty()) {
        return;
    }
    if (deps_.observer != nullptr && request.method() == sip::Method::Ack) {
        deps_.observer->on_in_dialog(request, source);
    }
    // RFC 3261 §16.11: the same request always gets the same branch, so retransmissions
    // relayed statelessly look like retransmissions downstream.
    std::string seed = std::string(request.top_via().branch) + "|" + std::string(request.top_via().host) +
                       "|" + std::to_string(request.top_via().port) + "|" +
                       std::string(request.method_text());
    std::string branch = fmt::format("{}s{:016x}", sip::kBranchCookie, hash_bytes(seed));
    if (!targets.front().resolve.empty()) {
        logger()->info("stateless mode: {} needs DNS, dropped", targets.front().resolve);
        return;
    }
    transport::Destination hop = targets.front().hop;
    const std::string top_via =
        sip::annotate_via(request.top_via(), source.remote.ip(), source.remote.port());
    std::string bytes =
        build_branch_request(request, source, top_via, plan, targets.front(), branch, hop);
    if (!bytes.empty()) {
        deps_.sender.send(hop, bytes);
    }
}

void Core::on_unmatched_response(const sip::Message& response, const transport::Source&) {
    EventScope scope(*this);
    relay_by_via(response);
}

void Core::relay_by_via(const sip::Message& response) {
    const sip::Via& top = response.top_via();
    if (!deps_.local.is_self(top.host, top.port)) {
        return;  // not ours to relay
    }
    std::string_view second;
    int index = 0;
    for (const sip::HeaderField& h : response.headers()) {
        if (h.id != sip::HeaderId::Via || !second.empty()) {
            continue;
        }
        sip::for_each_list_value(h.value, [&](std::string_view v) {
            if (index++ == 1) {
                second = v;
                return false;
            }
            return true;
        });
    }
    auto via = sip::parse_via(second);
    if (second.empty() || !via) {
        return;
    }
    auto transport = transport::parse_transport(via->transport);
    std::string_view host = via->received.value_or(via->host);
    std::uint16_t port = via->port != 0 ? via->port : 5060;
    if (via->rport && !via->rport->empty()) {
        port = static_cast<std::uint16_t>(parse_u32(*via->rport).value_or(port));
    }
    auto remote = transport::Endpoint::from(host, port);
    if (!transport || !remote || remote->is_multicast_or_broadcast()) {
        return;  // RFC 4475 bcast: never answer towards a broadcast address
    }
    std::string bytes;
    strip_top_via(bytes, response, relayed_phrase(response.status()));
    deps_.sender.send(transport::Destination{*transport, *remote, 0, transport::kAnyListener}, bytes);
}

}  // namespace sb::proxy
