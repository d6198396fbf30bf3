#include "server/keepalive.h"

#include <fmt/format.h>

#include "base/log.h"
#include "proxy/next_hop.h"
#include "sip/uri.h"

namespace sb::server {

KeepAlive::KeepAlive(io::Worker& worker, location::LocationStore& store, transport::Sender& sender,
                     const Clock& clock, const proxy::ProxyConfig& config)
    : worker_(worker), store_(store), sender_(sender), clock_(clock), config_(config) {}

void KeepAlive::start() {
    if (config_.keepalive_interval.count() == 0 || config_.nat == proxy::NatMode::Never) {
        return;
    }
    worker_.post([this] {
        timer_ = worker_.schedule(std::chrono::duration_cast<Duration>(config_.keepalive_interval),
                                  *this, 0);
    });
}

void KeepAlive::stop() {
    worker_.post([this] { worker_.cancel(timer_); });
}

void KeepAlive::on_timer(std::uint32_t) {
    std::size_t n = ping_all();
    if (n > 0) {
        static auto logger = log::get("proxy");
        logger->debug("keep-alive sent to {} contact(s)", n);
    }
    timer_ = worker_.schedule(std::chrono::duration_cast<Duration>(config_.keepalive_interval),
                              *this, 0);
}

std::size_t KeepAlive::ping_all() {
    const std::int64_t now = clock_.unix_seconds();
    auto aors = store_.aors(now);
    if (!aors) {
        return 0;
    }
    std::size_t sent = 0;
    for (const std::string& aor : *aors) {
        auto bindings = store_.lookup(aor, now);
        if (!bindings) {
            continue;
        }
        for (const location::Binding& b : *bindings) {
            auto received = proxy::parse_received(b.received);
            auto uri = sip::parse_uri(b.contact);
            if (!received || !uri) {
                continue;
            }
            auto direct = proxy::resolve_literal(*uri);
            bool natted = config_.nat == proxy::NatMode::Always ||
                          transport::is_stream(received->transport) || !direct ||
                          direct->remote.ip() != received->remote.ip();
            if (!natted) {
                continue;
            }
            if (transport::is_stream(received->transport)) {
                sender_.send(*received, "\r\n\r\n");
            } else {
                const transport::Listener* l = sender_.listener_for(received->transport, received->remote);
                if (l == nullptr) {
                    continue;
                }
                transport::Endpoint us = sender_.advertised(*l, received->remote);
                ++sequence_;
                std::string options = fmt::format(
                    "OPTIONS {0} SIP/2.0\r\n"
                    "Via: SIP/2.0/UDP {1}:{2};branch=z9hG4bKka{3:x}w{4}\r\n"
                    "Max-Forwards: 1\r\n"
                    "From: <sip:keepalive@{1}>;tag=ka{4}\r\n"
                    "To: <{0}>\r\n"
                    "Call-ID: keepalive-{3:x}-{4}@{1}\r\n"
                    "CSeq: 1 OPTIONS\r\n"
                    "Content-Length: 0\r\n\r\n",
                    b.contact, us.host(), us.port(), sequence_, worker_.index());
                sender_.send(*received, options);
            }
            ++sent;
        }
    }
    return sent;
}

}  // namespace sb::server
