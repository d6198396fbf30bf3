#pragma once

// Keeps NAT bindings of registered phones open: every interval, each contact that is reached
// at the address its REGISTER came from (behind NAT, or over a connection it opened) gets an
// OPTIONS over UDP or a CRLFCRLF ping over a stream (RFC 5626 §3.5.1). Runs on one worker,
// a slice of the registered users at a time, so a large user base does not stall the calls
// that worker carries.

#include <string>
#include <vector>

#include "base/clock.h"
#include "io/worker.h"
#include "location/api/store.h"
#include "proxy/config.h"
#include "transport/api/sender.h"

namespace sb::server {

class KeepAlive final : public TimerTarget {
public:
    KeepAlive(io::Worker& worker, location::LocationStore& store, transport::Sender& sender,
              const Clock& clock, const proxy::ProxyConfig& config);

    void start();
    void stop();
    void on_timer(std::uint32_t tag) override;
private:
    /// Pings the NATed contacts of the next `count` users of the round; how many were pinged.
    std::size_t ping_slice(std::size_t count, std::int64_t now);
    void ping_user(const std::string& aor, std::int64_t now, std::size_t& sent);
    void schedule(Duration after);

    io::Worker& worker_;
    location::LocationStore& store_;
    transport::Sender& sender_;
    const Clock& clock_;
    const proxy::ProxyConfig& config_;
    TimerId timer_ = 0;
    std::uint64_t sequence_ = 0;
    std::vector<std::string> round_;  // the users of the round under way
    std::size_t next_ = 0;            // the next of them to ping
    std::size_t sent_in_round_ = 0;
};

}  // namespace sb::server
