#pragma once

// The Resolver of the server: RFC 3263 location over c-ares, on a thread of its own with its
// own Boost.Asio event loop, so no DNS work ever runs on (or blocks) a worker.

#include <memory>

#include "base/result.h"
#include "dns/config.h"
#include "dns/resolver.h"

namespace sb::dns {

/// Runs the queries of every resolution on one thread: c-ares's sockets are watched by the
/// thread's io_context (readiness waits driven by c-ares's socket-state callback, a timer for
/// its retransmissions), answers are cached (positive and negative, for their TTL capped by
/// DnsConfig::cache_max_ttl), and concurrent resolutions asking the same question share one
/// query. A resolution that has not finished after timeout * tries ends with "timeout".
///
/// Lifetime: the owner destroys the resolver before the workers it replies on. The destructor
/// finishes every pending resolution with the error "resolver stopped", posted to its worker
/// like any other reply (a worker that has stopped simply never runs it), then stops the
/// thread.
class CaresResolver final : public Resolver {
public:
    /// Reads the name servers (DnsConfig::servers, or /etc/resolv.conf when empty) and starts
    /// the resolver thread. Fails on a malformed server address or a c-ares error.
    static Result<std::unique_ptr<CaresResolver>> create(const DnsConfig& config);

    ~CaresResolver() override;
    CaresResolver(const CaresResolver&) = delete;
    CaresResolver& operator=(const CaresResolver&) = delete;

    // Resolver
    void resolve(const sip::Uri& uri, io::Worker& reply_on,
                 std::function<void(Resolution)> done) override;

private:
    class Impl;
    explicit CaresResolver(std::unique_ptr<Impl> impl);

    std::unique_ptr<Impl> impl_;
};

}  // namespace sb::dns
