#pragma once

// Where the transport hands messages up: parse them, answer what cannot be parsed, and pass
// each message to the worker that owns its call (hash of the Call-ID for requests, the worker
// id in our branch for responses), so a call's transactions never cross threads.

#include <memory>
#include <vector>

#include "dialog/tracker.h"
#include "io/worker.h"
#include "proxy/core.h"
#include "transport/api/sender.h"
#include "txn/table.h"

namespace sb::protection {
class SourceGuard;
}

namespace sb::server {

/// What one worker owns: the calls it tracks, its proxy core and its transactions.
struct WorkerCore final : TimerTarget {
    WorkerCore(io::Worker& w, proxy::Core::Deps deps, transport::Sender& sender,
               const txn::TimerConfig& timers, std::vector<dialog::CallEventSink*> sinks,
               const Clock& clock)
        : worker(w),
          tracker(clock, std::move(sinks)),
          core(with_observer(std::move(deps), tracker)),
          table(sender, w, timers, core, static_cast<std::uint32_t>(w.index())),
          max_call_duration(deps_max_call(core)) {
        core.attach(table);
    }
    io::Worker& worker;
    dialog::Tracker tracker;
    proxy::Core core;
    txn::TransactionTable table;
    Duration max_call_duration;
    TimerId sweep_timer = 0;

    void handle(sip::Message&& msg, const transport::Source& source);
    /// Starts the periodic sweep of calls whose phones vanished (on the worker's thread).
    void start_sweeps() { sweep_timer = worker.schedule(std::chrono::seconds(60), *this, 0); }
    void on_timer(std::uint32_t) override {
        tracker.expire(max_call_duration);
        start_sweeps();
    }

private:
    /// Tells the worker's overload monitor how long this message waited.
    void note_queue_delay(const transport::Source& source);
    static proxy::Core::Deps with_observer(proxy::Core::Deps deps, dialog::Tracker& t) {
        deps.observer = &t;
        return deps;
    }
    static Duration deps_max_call(const proxy::Core& c) {
        return std::chrono::duration_cast<Duration>(c.config().max_call_duration);
    }
};

class SipCore final : public transport::Receiver {
public:
    /// `guard` (may be null: protection off) must outlive the core; every message from a
    /// source it bans is dropped before parsing.
    explicit SipCore(bool trace_sip, protection::SourceGuard* guard = nullptr)
        : trace_sip_(trace_sip), guard_(guard) {}

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
    protection::SourceGuard* guard_;
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
