#pragma once

// Where the transport hands messages up: parse them, answer what cannot be parsed, and pass
// each message to the worker that owns its call (hash of the Call-ID for requests, the worker
// id in our branch for responses), so a call's transactions never cross threads.

#include <memory>
#include <vector>

#include "io/worker.h"
#include "proxy/core.h"
#include "transport/api/sender.h"
#include "txn/table.h"

namespace sb::server {

/// What one worker owns: its transactions and its proxy core.
struct WorkerCore {
    WorkerCore(io::Worker& w, proxy::Core::Deps deps, transport::Sender& sender,
               const txn::TimerConfig& timers)
        : worker(w), core(std::move(deps)),
          table(sender, w, timers, core, static_cast<std::uint32_t>(w.index())) {
        core.attach(table);
    }
    io::Worker& worker;
    proxy::Core core;
    txn::TransactionTable table;

    void handle(sip::Message&& msg, const transport::Source& source);
};

class SipCore final : public transport::Receiver {
public:
    explicit SipCore(bool trace_sip) : trace_sip_(trace_sip) {}

    /// The transport needs this receiver first; it is given back here once it exists, and
    /// the workers' cores after that, all before anything is received.
    void set_sender(transport::Sender& sender) { sender_ = &sender; }
    void set_workers(std::vector<WorkerCore*> workers) { workers_ = std::move(workers); }

    // transport::Receiver
    void on_message(Buffer&& bytes, const transport::Source& source) override;

private:
    std::size_t owner_of(const sip::Message& msg) const;

    transport::Sender* sender_ = nullptr;
    bool trace_sip_;
    std::vector<WorkerCore*> workers_;
};

/// A Sender that logs every message it sends in full (at debug level) before sending it.
class TracingSender final : public transport::Sender {
public:
    explicit TracingSender(transport::Sender& inner) : inner_(inner) {}
    bool send(const transport::Destination& to, std::string_view bytes) override;
    std::span<const transport::Listener> listeners() const override { return inner_.listeners(); }
    const transport::Listener* listener_for(transport::Transport t,
                                            const transport::Endpoint& remote) const override {
        return inner_.listener_for(t, remote);
    }
    transport::Endpoint advertised(const transport::Listener& l,
                                   const transport::Endpoint& remote) const override {
        return inner_.advertised(l, remote);
    }

private:
    transport::Sender& inner_;
};

}  // namespace sb::server
