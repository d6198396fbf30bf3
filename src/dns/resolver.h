#pragma once

// Where to send a request whose target is a SIP or SIPS URI (RFC 3263 §4, "Locating a SIP
// Server"): the ordered destinations to try, found through NAPTR, SRV, A and AAAA records.

#include <functional>
#include <string>
#include <vector>

#include "sip/uri.h"
#include "transport/api/source.h"

namespace sb::io {
class Worker;
}

namespace sb::dns {

struct Resolution {
    std::vector<transport::Destination> destinations;  // in the order to try them
    std::string error;  // why there are none ("no such domain example.invalid", "timeout")
};

class Resolver {
public:
    virtual ~Resolver() = default;

    /// Resolves a SIP/SIPS URI per RFC 3263 §4.1-4.2 (the maddr parameter, when present, is the
    /// target). `done` runs exactly once, on `reply_on`'s thread (posted), never inside this
    /// call. The URI is read before this returns, so its text need not outlive the call;
    /// `reply_on` must outlive the resolver (the owner destroys the resolver before its
    /// workers). May be called from any thread.
    virtual void resolve(const sip::Uri& uri, io::Worker& reply_on,
                         std::function<void(Resolution)> done) = 0;
};

}  // namespace sb::dns
