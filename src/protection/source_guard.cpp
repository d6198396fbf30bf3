#include "protection/source_guard.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "base/log.h"

namespace sb::protection {
namespace {

// 64 shards: workers rarely meet on one mutex, and a full sweep of a shard stays short.
constexpr std::size_t kShardBits = 6;
constexpr std::size_t kShards = std::size_t{1} << kShardBits;

std::shared_ptr<spdlog::logger> logger() {
    static auto l = log::get("protection");
    return l;
}

// Failures counted in series: a series starts with a failure and lasts one window, and
// `auth_failures` of them in one series ban. Two fields, where an exact sliding window would
// need a timestamp per failure; the price is that failures at the end of one series and the
// start of the next can add up to almost twice the count within one window length.
struct Window {
    TimePoint start{};
    std::uint32_t count = 0;

    bool idle(TimePoint now, Duration length) const { return count == 0 || now - start >= length; }
    std::uint32_t add(TimePoint now, Duration length) {
        if (idle(now, length)) {
            start = now;
            count = 0;
        }
        return ++count;
    }
};

std::int64_t whole_seconds(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string_view reason_name(BanReason r) {
    switch (r) {
        case BanReason::RequestRate:
            return "request rate";
        case BanReason::AuthFailures:
            return "failed authentications";
        case BanReason::Scanner:
            return "scanner user agent";
    }
    return "request rate";
}

struct SourceGuard::Entry {
    TokenBucket bucket;
    Window auth;
    Window scanner;
    TimePoint last_seen{};
    TimePoint banned_until{};
    BanReason reason = BanReason::RequestRate;
    bool banned = false;
};

struct alignas(64) SourceGuard::Shard {
    std::mutex mutex;
    std::unordered_map<IpAddress, Entry, IpAddressHash> sources;  // guarded by mutex
};

SourceGuard::SourceGuard(const ProtectionConfig& config, const Clock& clock, BanHook on_ban)
    : config_(config),
      clock_(clock),
      on_ban_(std::move(on_ban)),
      limits_{.rate = static_cast<double>(std::max<std::uint32_t>(1, config.requests_per_second)),
              .burst = static_cast<double>(std::max<std::uint32_t>(1, config.burst))},
      shard_capacity_(
          std::max<std::size_t>(1, (config.max_tracked_sources + kShards - 1) / kShards)),
      shards_(std::make_unique<Shard[]>(kShards)) {}

SourceGuard::~SourceGuard() = default;

SourceGuard::Shard& SourceGuard::shard_for(const IpAddress& ip) const {
    return shards_[ip.hash() >> (64 - kShardBits)];
}

bool SourceGuard::whitelisted(const transport::Endpoint& remote) const {
    return !config_.whitelist.empty() && any_contains(config_.whitelist, IpAddress::of(remote));
}

bool SourceGuard::banned(const transport::Endpoint& remote) {
    // Whitelisted sources are never banned, so the whitelist need not be consulted here.
    if (active_bans_.load(std::memory_order_relaxed) == 0) {
        return false;
    }
    const IpAddress ip = IpAddress::of(remote);
    Shard& shard = shard_for(ip);
    std::optional<BanEvent> lifted;
    {
        std::lock_guard lock(shard.mutex);
        auto it = shard.sources.find(ip);
        if (it == shard.sources.end() || !it->second.banned) {
            return false;
        }
        const TimePoint now = clock_.now();
        if (now < it->second.banned_until) {
            return true;
        }
        lifted = BanEvent{ip, it->second.reason, true, config_.ban_seconds};
        lift_ban(it->second, now);
    }
    report(*lifted);
    return false;
}

Admission SourceGuard::admit(const transport::Endpoint& remote) {
    const IpAddress ip = IpAddress::of(remote);
    if (any_contains(config_.whitelist, ip)) {
        return {};
    }
    Shard& shard = shard_for(ip);
    std::optional<BanEvent> event;
    Admission admission;
    {
        std::lock_guard lock(shard.mutex);
        const TimePoint now = clock_.now();
        Entry* e = find_or_add(shard, ip, now);
        if (e == nullptr) {
            untracked_.fetch_add(1, std::memory_order_relaxed);
            return {};
        }
        e->last_seen = now;
        if (e->banned) {
            if (now < e->banned_until) {
                return {.verdict = Admission::Verdict::Ban};  // banned after SipCore looked
            }
            event = BanEvent{ip, e->reason, true, config_.ban_seconds};
            lift_ban(*e, now);
        }
        const double level = e->bucket.take(limits_, now);
        if (level >= 0) {
            admission = {};
        } else if (level > -limits_.burst) {
            // Retry-After is whole seconds (RFC 3261 §20.33): round up, so a client that
            // obeys it finds a token.
            const double wait =
                std::chrono::duration<double>(e->bucket.wait(limits_, now)).count();
            const auto seconds = static_cast<std::int64_t>(std::ceil(wait));
            admission = {.verdict = Admission::Verdict::Refuse,
                         .retry_after = std::chrono::seconds(std::max<std::int64_t>(1, seconds))};
            refused_.fetch_add(1, std::memory_order_relaxed);
        } else {
            // As many requests again as the burst, refused and not slowed down for: a flood.
            start_ban(*e, BanReason::RequestRate, now);
            admission = {.verdict = Admission::Verdict::Ban};
        }
    }
    if (event) {
        report(*event);
    }
    if (admission.verdict == Admission::Verdict::Ban) {
        report(BanEvent{ip, BanReason::RequestRate, false, config_.ban_seconds});
    }
    return admission;
}

Strike SourceGuard::auth_failed(const transport::Endpoint& remote) {
    return strike(remote, Counter::Auth);
}

Strike SourceGuard::scanner_hit(const transport::Endpoint& remote) {
    return strike(remote, Counter::Scanner);
}

Strike SourceGuard::strike(const transport::Endpoint& remote, Counter counter) {
    const IpAddress ip = IpAddress::of(remote);
    if (any_contains(config_.whitelist, ip)) {
        return {};
    }
    const BanReason reason =
        counter == Counter::Auth ? BanReason::AuthFailures : BanReason::Scanner;
    Shard& shard = shard_for(ip);
    std::optional<BanEvent> lifted;
    Strike result;
    {
        std::lock_guard lock(shard.mutex);
        const TimePoint now = clock_.now();
        Entry* e = find_or_add(shard, ip, now);
        if (e == nullptr) {
            untracked_.fetch_add(1, std::memory_order_relaxed);
            return {};
        }
        e->last_seen = now;
        if (e->banned) {
            if (now < e->banned_until) {
                return {};  // already banned: a request that was on its way
            }
            lifted = BanEvent{ip, e->reason, true, config_.ban_seconds};
            lift_ban(*e, now);
        }
        Window& w = counter == Counter::Auth ? e->auth : e->scanner;
        const std::uint32_t count = w.add(now, config_.auth_failure_window);
        result.first = count == 1;
        if (count >= config_.auth_failures) {
            start_ban(*e, reason, now);
            result.banned = true;
        }
    }
    if (lifted) {
        report(*lifted);
    }
    if (result.banned) {
        report(BanEvent{ip, reason, false, config_.ban_seconds});
    }
    return result;
}

SourceGuard::Entry* SourceGuard::find_or_add(Shard& shard, const IpAddress& ip, TimePoint now) {
    if (auto it = shard.sources.find(ip); it != shard.sources.end()) {
        return &it->second;
    }
    if (shard.sources.size() >= shard_capacity_) {
        make_room(shard, now);
        if (shard.sources.size() >= shard_capacity_) {
            warn_untracked(ip);
            return nullptr;
        }
    }
    Entry& e = shard.sources[ip];
    e.bucket = TokenBucket(limits_, now);
    e.last_seen = now;
    return &e;
}

void SourceGuard::make_room(Shard& shard, TimePoint now) {
    // Forgetting a source in its initial state loses nothing, so those go first (all of them:
    // one pass then makes room for many new sources). When none is, the source seen least
    // recently goes, unless banned: bans are what the table is for.
    auto oldest = shard.sources.end();
    std::size_t removed = 0;
    for (auto it = shard.sources.begin(); it != shard.sources.end();) {
        if (forgettable(it->second, now)) {
            it = shard.sources.erase(it);
            ++removed;
            continue;
        }
        if (!it->second.banned &&
            (oldest == shard.sources.end() || it->second.last_seen < oldest->second.last_seen)) {
            oldest = it;
        }
        ++it;
    }
    if (removed == 0 && oldest != shard.sources.end()) {
        shard.sources.erase(oldest);
        evicted_.fetch_add(1, std::memory_order_relaxed);
    }
}

bool SourceGuard::forgettable(const Entry& e, TimePoint now) const {
    return !e.banned && e.bucket.full(limits_, now) &&
           e.auth.idle(now, config_.auth_failure_window) &&
           e.scanner.idle(now, config_.auth_failure_window);
}

void SourceGuard::start_ban(Entry& e, BanReason reason, TimePoint now) {
    e.banned = true;
    e.reason = reason;
    e.banned_until = now + config_.ban_seconds;
    active_bans_.fetch_add(1, std::memory_order_relaxed);
    bans_.fetch_add(1, std::memory_order_relaxed);
}

void SourceGuard::lift_ban(Entry& e, TimePoint now) {
    e = Entry{};
    e.bucket = TokenBucket(limits_, now);
    e.last_seen = now;
    active_bans_.fetch_sub(1, std::memory_order_relaxed);
}

void SourceGuard::sweep() {
    std::vector<BanEvent> lifted;
    for (std::size_t i = 0; i < kShards; ++i) {
        Shard& shard = shards_[i];
        std::lock_guard lock(shard.mutex);
        const TimePoint now = clock_.now();
        for (auto it = shard.sources.begin(); it != shard.sources.end();) {
            Entry& e = it->second;
            if (e.banned && now >= e.banned_until) {
                lifted.push_back(BanEvent{it->first, e.reason, true, config_.ban_seconds});
                lift_ban(e, now);
                it = shard.sources.erase(it);
            } else if (forgettable(e, now)) {
                it = shard.sources.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (const BanEvent& e : lifted) {
        report(e);
    }
}

void SourceGuard::report(const BanEvent& event) {
    const std::string ip = event.source.to_string();
    const auto seconds = event.duration.count();
    if (event.lifted) {
        logger()->warn("unbanned {}: the {}s ban for {} is over", ip, seconds,
                       reason_name(event.reason));
    } else {
        switch (event.reason) {
            case BanReason::RequestRate:
                logger()->warn("banned {} for {}s: request rate over {}/s by more than the "
                               "burst of {}",
                               ip, seconds, config_.requests_per_second, config_.burst);
                break;
            case BanReason::AuthFailures:
                logger()->warn("banned {} for {}s: {} failed authentications within {}s", ip,
                               seconds, config_.auth_failures, config_.auth_failure_window.count());
                break;
            case BanReason::Scanner:
                logger()->warn("banned {} for {}s: {} requests from a scanner user agent "
                               "within {}s",
                               ip, seconds, config_.auth_failures,
                               config_.auth_failure_window.count());
                break;
        }
    }
    if (on_ban_) {
        on_ban_(event);
    }
}

void SourceGuard::warn_untracked(const IpAddress& ip) {
    // A degraded mode worth knowing about, but at most once a minute: it happens under attack.
    const std::int64_t now = whole_seconds(clock_.now());
    std::int64_t last = last_untracked_warning_.load(std::memory_order_relaxed);
    if (last != 0 && now - last < 60) {
        return;
    }
    if (!last_untracked_warning_.compare_exchange_strong(last, now, std::memory_order_relaxed)) {
        return;
    }
    // Called with a shard locked: nothing here may lock another (stats() would).
    logger()->warn("source table full (max_tracked_sources = {}, a shard of {} banned sources): "
                   "{} and others are not rate-limited",
                   config_.max_tracked_sources, shard_capacity_, ip.to_string());
}

GuardStats SourceGuard::stats() const {
    GuardStats s;
    for (std::size_t i = 0; i < kShards; ++i) {
        std::lock_guard lock(shards_[i].mutex);
        s.tracked += shards_[i].sources.size();
    }
    s.active_bans = active_bans_.load(std::memory_order_relaxed);
    s.bans = bans_.load(std::memory_order_relaxed);
    s.refused = refused_.load(std::memory_order_relaxed);
    s.untracked = untracked_.load(std::memory_order_relaxed);
    s.evicted = evicted_.load(std::memory_order_relaxed);
    return s;
}

std::string SourceGuard::describe() const {
    std::string whitelist;
    for (const Cidr& c : config_.whitelist) {
        whitelist += (whitelist.empty() ? "" : ", ") + c.to_string();
    }
    std::string scanners = config_.scanner_user_agents.empty()
                               ? "scanner filter off"
                               : fmt::format("{} scanner user agents ({})",
                                             config_.scanner_user_agents.size(),
                                             config_.scanner_action == ScannerAction::Drop
                                                 ? "dropped"
                                                 : "answered 403");
    return fmt::format(
        "protection: {} requests/s per source IP (burst {}), then 503; ban {}s after another "
        "{} over the rate, {} failed authentications or scanner requests within {}s; "
        "whitelist: {}; {}; up to {} sources tracked",
        config_.requests_per_second, config_.burst, config_.ban_seconds.count(), config_.burst,
        config_.auth_failures, config_.auth_failure_window.count(),
        whitelist.empty() ? "none" : whitelist, scanners, config_.max_tracked_sources);
}

}  // namespace sb::protection
