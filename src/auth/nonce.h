#pragma once

// Nonces for digest authentication (RFC 7616 §3.3) that the server does not have to remember:
// a timestamp and random bytes, signed with a secret (HMAC-SHA-256). Any worker — or any node
// sharing the secret — can check one; an expired but genuine nonce is "stale" (RFC 7616
// §3.3: the client retries with a new nonce without asking the user again). Replays are caught
// by the nonce-count tracker.

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"

namespace sb::auth {

enum class NonceCheck { Valid, Stale, Invalid };

class NonceService {
public:
    /// `secret`: at least 16 bytes; `lifetime`: how long a nonce may be used.
    NonceService(std::string secret, std::chrono::seconds lifetime, const Clock& clock);

    /// A new nonce bound to `realm`.
    std::string issue(std::string_view realm);
    NonceCheck check(std::string_view nonce, std::string_view realm) const;

    /// Records the nonce-count of a request: true when it is higher than every count seen with
    /// this nonce before (RFC 7616 §3.4: a lower or equal one is a replay).
    bool accept_count(std::string_view nonce, std::uint32_t nc);

    std::chrono::seconds lifetime() const { return lifetime_; }

private:
    std::string sign(std::string_view payload, std::string_view realm) const;

    std::string secret_;
    std::chrono::seconds lifetime_;
    const Clock& clock_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::pair<std::uint32_t, std::int64_t>> counts_;  // nc, expiry
    std::int64_t next_sweep_ = 0;
};

/// Random bytes from the operating system, hex-encoded.
std::string random_hex(std::size_t bytes);

}  // namespace sb::auth
