#pragma once

// One worker's core without sockets, for the micro-benchmarks that push whole exchanges
// through it: messages are parsed from their bytes and handled as the worker would, and what
// the core sends is kept for the bench to answer. Timers are 500 times shorter than RFC 3261's
// (T1 = 1 ms) and run when the bench polls, as the loop would run them between messages.

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "io/worker.h"
#include "location/api/store.h"
#include "proxy/api/user_directory.h"
#include "proxy/local_domains.h"
#include "registrar/registrar.h"
#include "server/registrar_stage.h"
#include "server/sip_core.h"
#include "sip/parser.h"
#include "transport/api/sender.h"

namespace sb::bench {

// Keeps what the proxy sent in strings that are reused, so the bench's side allocates little.
class LastSent final : public transport::Sender {
public:
    LastSent() {
        listener_ = {0, transport::Transport::Udp, *transport::Endpoint::from("192.0.2.10", 5060)};
        sent_.resize(8);
    }
    bool send(const transport::Destination&, std::string_view bytes) override {
        sent_[count_ % sent_.size()].assign(bytes);
        ++count_;
        return true;
    }
    std::span<const transport::Listener> listeners() const override { return {&listener_, 1}; }
    const transport::Listener* listener_for(transport::Transport,
                                            const transport::Endpoint&) const override {
        return &listener_;
    }
    transport::Endpoint advertised(const transport::Listener& l,
                                   const transport::Endpoint&) const override {
        return l.local;
    }
    /// The last message sent.
    const std::string& last() const { return sent_[(count_ + sent_.size() - 1) % sent_.size()]; }
    std::size_t count() const { return count_; }

private:
    transport::Listener listener_;
    std::vector<std::string> sent_;
    std::size_t count_ = 0;
};

inline txn::TimerConfig short_timers() {
    txn::TimerConfig t;
    t.t1 = std::chrono::milliseconds(1);
    t.t2 = std::chrono::milliseconds(8);
    t.t4 = std::chrono::milliseconds(10);
    return t;
}

/// A worker's core serving example.com from `store`, with the registrar as its one stage.
class WorkerHarness {
public:
    explicit WorkerHarness(location::LocationStore& store)
        : worker_(0, clock_),
          timers_(short_timers()),
          local_({"example.com"}, sender_),
          registrar_(registrar_config_, store, clock_),
          registrar_stage_(registrar_, local_),
          core_(worker_,
                proxy::Core::Deps{.config = config_,
                                  .local = local_,
                                  .store = store,
                                  .users = users_,
                                  .clock = clock_,
                                  .sender = sender_,
                                  .timers = worker_,
                                  .stages = {&registrar_stage_},
                                  .observer = nullptr,
                                  .server_header = "Switchboard",
                                  .services = nullptr},
                sender_, timers_, {}, clock_) {}

    /// Handles `text` as a datagram that came from `source`.
    void receive(std::string_view text, const transport::Source& source) {
        Buffer bytes = Buffer::copy_of(text);  // as the socket hands a datagram up
        auto m = sip::parse_message(std::move(bytes));
        core_.handle(std::move(*m), source);
    }
    const LastSent& sent() const { return sender_; }
    const Clock& clock() const { return clock_; }
    /// Runs the timers that are due, as the worker's loop does between messages.
    void run_timers() { worker_.context().poll(); }

private:
    SystemClock clock_;
    io::Worker worker_;
    proxy::ProxyConfig config_;
    txn::TimerConfig timers_;
    LastSent sender_;
    proxy::LocalDomains local_;
    proxy::NoUserDirectory users_;
    registrar::RegistrarConfig registrar_config_;
    registrar::Registrar registrar_;
    server::RegistrarStage registrar_stage_;
    server::WorkerCore core_;
};

/// A UDP source at `address`:`port`.
inline transport::Source udp_source(const char* address, std::uint16_t port) {
    transport::Source source;
    source.transport = transport::Transport::Udp;
    source.remote = *transport::Endpoint::from(address, port);
    source.listener = 0;
    return source;
}

}  // namespace sb::bench
