#pragma once

// What protection remembers about each source IP: its request bucket, its recent failed
// authentications and scanner hits, and its ban. Shared by every worker (a source's requests
// reach the workers that own their calls, so no single worker sees all of them): the table is
// split into shards, each behind its own mutex and held only for a lookup and a few
// arithmetic operations. Memory is bounded by `max_tracked_sources`; a source whose state
// equals that of a new one (full bucket, no recent failures, no ban) is forgotten first.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "protection/address.h"
#include "protection/config.h"
#include "protection/token_bucket.h"
#include "transport/api/endpoint.h"

namespace sb::protection {

enum class BanReason : std::uint8_t { RequestRate, AuthFailures, Scanner };

std::string_view reason_name(BanReason r);

/// A ban starting or ending, as logged.
struct BanEvent {
    IpAddress source;
    BanReason reason = BanReason::RequestRate;
    bool lifted = false;  // false: the ban starts; true: it is over
    std::chrono::seconds duration{0};
};

/// What to do with a new request from a source.
struct Admission {
    enum class Verdict : std::uint8_t {
        Allow,   // within the rate (or whitelisted, or not tracked)
        Refuse,  // over the rate: answer 503 with Retry-After
        Ban,     // banned (now or already): no answer
    };
    Verdict verdict = Verdict::Allow;
    std::chrono::seconds retry_after{0};  // for Refuse: when a token will be there (>= 1 s)
};

/// The outcome of a failure reported against a source.
struct Strike {
    bool first = false;   // the first of a new series (worth one log line)
    bool banned = false;  // this strike started a ban
};

struct GuardStats {
    std::size_t tracked = 0;          // sources in the table now
    std::size_t active_bans = 0;
    std::uint64_t bans = 0;           // since start
    std::uint64_t refused = 0;        // requests answered 503
    std::uint64_t untracked = 0;      // sources not tracked because the table was full of bans
    std::uint64_t evicted = 0;        // active sources forgotten to make room
};

class SourceGuard {
public:
    /// Told of every ban and unban (after it has been logged), for tests and metrics.
    using BanHook = std::function<void(const BanEvent&)>;

    /// `config` and `clock` must outlive the guard. `config.enabled` is not consulted: the
    /// server does not build a guard when protection is off.
    SourceGuard(const ProtectionConfig& config, const Clock& clock, BanHook on_ban = {});
    ~SourceGuard();
    SourceGuard(const SourceGuard&) = delete;
    SourceGuard& operator=(const SourceGuard&) = delete;

    /// Whether everything from `remote` is to be dropped unread. Called for every message
    /// received; without any ban in force it is one atomic load. A ban found expired is lifted.
    bool banned(const transport::Endpoint& remote);
    /// Accounts one new request from `remote` against its rate.
    Admission admit(const transport::Endpoint& remote);
    /// Counts a failed authentication; `auth_failures` of them within the window ban.
    Strike auth_failed(const transport::Endpoint& remote);
    /// Counts a request from a scanner's User-Agent; as many as `auth_failures` ban too.
    Strike scanner_hit(const transport::Endpoint& remote);
    bool whitelisted(const transport::Endpoint& remote) const;

    /// Lifts the bans that are over (logging each) and forgets sources with nothing to
    /// remember. The server calls it every second; correctness does not depend on it, only
    /// the timeliness of the "unbanned" line and how soon memory is returned.
    void sweep();

    GuardStats stats() const;
    /// The thresholds in one line, for the start-up log.
    std::string describe() const;

private:
    struct Entry;
    struct Shard;
    enum class Counter : std::uint8_t { Auth, Scanner };

    Shard& shard_for(const IpAddress& ip) const;
    /// The entry of `ip`, created when missing; nullptr when the shard is full of sources
    /// that cannot be forgotten. Called with the shard locked.
    Entry* find_or_add(Shard& shard, const IpAddress& ip, TimePoint now);
    void make_room(Shard& shard, TimePoint now);
    bool forgettable(const Entry& e, TimePoint now) const;
    void start_ban(Entry& e, BanReason reason, TimePoint now);
    /// Ends a ban that is over: the entry starts again as a new source.
    void lift_ban(Entry& e, TimePoint now);
    Strike strike(const transport::Endpoint& remote, Counter counter);
    void report(const BanEvent& event);
    void warn_untracked(const IpAddress& ip);

    const ProtectionConfig& config_;
    const Clock& clock_;
    BanHook on_ban_;
    BucketLimits limits_;
    std::size_t shard_capacity_;
    std::unique_ptr<Shard[]> shards_;
    std::atomic<std::size_t> active_bans_{0};
    std::atomic<std::uint64_t> bans_{0};
    std::atomic<std::uint64_t> refused_{0};
    std::atomic<std::uint64_t> untracked_{0};
    std::atomic<std::uint64_t> evicted_{0};
    std::atomic<std::int64_t> last_untracked_warning_{0};  // steady-clock seconds
};

}  // namespace sb::protection
