#include "server/keepalive.h"

#include <algorithm>

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

namespace {
constexpr std::size_t kSlice = 1000;  // users per turn of the worker's loop
constexpr Duration kBetweenSlices = std::chrono::milliseconds(1);
}  // namespace

void KeepAlive::schedule(Duration after) { timer_ = worker_.schedule(after, *this, 0); }

void KeepAlive::on_timer(std::uint32_t) {
    const std::int64_t now = clock_.unix_seconds();
    if (next_ >= round_.size()) {
        auto aors = store_.aors(now);
        round_ = aors ? std::move(*aors) : std::vector<std::string>{};
        next_ = 0;
        sent_in_round_ = 0;
    }
    sent_in_round_ += ping_slice(kSlice, now);
    if (next_ < round_.size()) {
        schedule(kBetweenSlices);
        return;
    }
    if (sent_in_round_ > 0) {
        static auto logger = log::get("proxy");
        logger->debug("keep-alive sent to {} contact(s)", sent_in_round_);
    }
    round_.clear();
    next_ = 0;
    schedule(std::chrono::duration_cast<Duration>(config_.keepalive_interval));
}

std::size_t KeepAlive::ping_slice(std::size_t count, std::int64_t now) {
    std::size_t sent = 0;
    for (std::size_t end = std::min(round_.size(), next_ + count); next_ < end; ++next_) {
        ping_user(round_[next_], now, sent);
    }
    return sent;
}

void KeepAlive::ping_user(const std::string& aor, std::int64_t now, std::size_t& sent) {
    auto bindings = store_.lookup(aor, now);
    if (!bindings) {
        return;
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
                      !direct->remote.same_address(received->remote);
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

}  // namespace sb::server
