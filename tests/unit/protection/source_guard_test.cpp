// The per-source table on a manual clock: rate verdicts, bans and their expiry, failed
// authentications, scanner hits, the whitelist, the memory bound, and many threads at once.

#include "protection/source_guard.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "support/manual_clock.h"

namespace sb::protection {
namespace {

using namespace std::chrono_literals;
using Verdict = Admission::Verdict;

transport::Endpoint at(const std::string& ip, std::uint16_t port = 5060) {
    auto e = transport::Endpoint::from(ip, port);
    EXPECT_TRUE(e.has_value()) << ip;
    return e ? *e : transport::Endpoint{};
}

ProtectionConfig small_limits() {
    ProtectionConfig c;
    c.requests_per_second = 20;
    c.burst = 20;
    c.auth_failures = 3;
    c.auth_failure_window = 60s;
    c.ban_seconds = 3s;
    c.max_tracked_sources = 1000;
    return c;
}

class SourceGuardTest : public ::testing::Test {
protected:
    SourceGuardTest()
        : guard(config, clock, [this](const BanEvent& e) { events.push_back(e); }) {}

    std::map<Verdict, int> flood(const transport::Endpoint& from, int requests) {
        std::map<Verdict, int> seen;
        for (int i = 0; i < requests; ++i) {
            ++seen[guard.admit(from).verdict];
        }
        return seen;
    }

    ProtectionConfig config = small_limits();
    test::ManualClock clock;
    std::vector<BanEvent> events;
    SourceGuard guard;
};

TEST_F(SourceGuardTest, BurstThen503ThenBan) {
    const auto src = at("192.0.2.1");
    for (int i = 0; i < 20; ++i) {
        ASSERT_EQ(guard.admit(src).verdict, Verdict::Allow) << i;
    }
    // Over the rate: refused with the time until the next token (at 20/s: under a second).
    Admission a = guard.admit(src);
    EXPECT_EQ(a.verdict, Verdict::Refuse);
    EXPECT_EQ(a.retry_after, 1s);
    for (int i = 0; i < 18; ++i) {
        ASSERT_EQ(guard.admit(src).verdict, Verdict::Refuse) << i;
    }
    // Another burst's worth (20) refused without slowing down: banned.
    EXPECT_FALSE(guard.banned(src));
    EXPECT_EQ(guard.admit(src).verdict, Verdict::Ban);
    EXPECT_TRUE(guard.banned(src));
    EXPECT_TRUE(guard.banned(at("192.0.2.1", 40000)));  // any port of that address
    EXPECT_EQ(guard.admit(src).verdict, Verdict::Ban);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_FALSE(events[0].lifted);
    EXPECT_EQ(events[0].reason, BanReason::RequestRate);
    EXPECT_EQ(events[0].source.to_string(), "192.0.2.1");
    EXPECT_EQ(events[0].duration, 3s);
    EXPECT_EQ(guard.stats().refused, 19u);
    EXPECT_EQ(guard.stats().bans, 1u);
    EXPECT_EQ(guard.stats().active_bans, 1u);
}

TEST_F(SourceGuardTest, RetryAfterGrowsWithTheDebt) {
    const auto src = at("192.0.2.1");
    flood(src, 20);
    std::chrono::seconds last{0};
    for (int i = 0; i < 19; ++i) {
        Admission a = guard.admit(src);
        ASSERT_EQ(a.verdict, Verdict::Refuse);
        EXPECT_GE(a.retry_after, last);
        last = a.retry_after;
    }
    EXPECT_EQ(last, 1s);  // a debt of 19 at 20 a second: one second (rounded up)
}

TEST_F(SourceGuardTest, SlowingDownAvoidsTheBan) {
    const auto src = at("192.0.2.1");
    flood(src, 30);  // 20 allowed, 10 refused
    // A client that honours Retry-After comes back within its rate and is served again.
    clock.advance(1s);
    EXPECT_EQ(guard.admit(src).verdict, Verdict::Allow);
    for (int i = 0; i < 200; ++i) {
        clock.advance(60ms);
        ASSERT_EQ(guard.admit(src).verdict, Verdict::Allow) << i;
    }
    EXPECT_TRUE(events.empty());
}

TEST_F(SourceGuardTest, BanExpiresOnTheClock) {
    const auto src = at("192.0.2.1");
    flood(src, 40);
    ASSERT_TRUE(guard.banned(src));
    clock.advance(2999ms);
    EXPECT_TRUE(guard.banned(src));
    guard.sweep();
    EXPECT_TRUE(guard.banned(src));
    clock.advance(1ms);
    // Lifted by the first look after the expiry, logged once however many look.
    EXPECT_FALSE(guard.banned(src));
    EXPECT_FALSE(guard.banned(src));
    guard.sweep();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_TRUE(events[1].lifted);
    EXPECT_EQ(events[1].reason, BanReason::RequestRate);
    EXPECT_EQ(guard.stats().active_bans, 0u);
    // And it starts again with a full bucket.
    EXPECT_EQ(flood(src, 20)[Verdict::Allow], 20);
}

TEST_F(SourceGuardTest, SweepLiftsBansOfSilentSources) {
    flood(at("192.0.2.1"), 40);
    flood(at("2001:db8::1"), 40);
    EXPECT_EQ(guard.stats().active_bans, 2u);
    clock.advance(3s);
    guard.sweep();
    EXPECT_EQ(guard.stats().active_bans, 0u);
    EXPECT_EQ(guard.stats().tracked, 0u);
    ASSERT_EQ(events.size(), 4u);
    EXPECT_TRUE(events[2].lifted && events[3].lifted);
    guard.sweep();
    EXPECT_EQ(events.size(), 4u);
}

TEST_F(SourceGuardTest, OtherSourcesAreServedDuringABan) {
    flood(at("192.0.2.1"), 40);
    ASSERT_TRUE(guard.banned(at("192.0.2.1")));
    EXPECT_FALSE(guard.banned(at("192.0.2.2")));
    EXPECT_EQ(guard.admit(at("192.0.2.2")).verdict, Verdict::Allow);
    EXPECT_EQ(guard.admit(at("::ffff:192.0.2.3")).verdict, Verdict::Allow);
}

TEST_F(SourceGuardTest, FailedAuthenticationsBan) {
    const auto src = at("198.51.100.7");
    Strike s = guard.auth_failed(src);
    EXPECT_TRUE(s.first);
    EXPECT_FALSE(s.banned);
    clock.advance(30s);
    s = guard.auth_failed(src);
    EXPECT_FALSE(s.first);
    EXPECT_FALSE(guard.banned(src));
    clock.advance(29s);
    s = guard.auth_failed(src);  // the third within 60 s of the first
    EXPECT_TRUE(s.banned);
    EXPECT_TRUE(guard.banned(src));
    EXPECT_EQ(guard.admit(src).verdict, Verdict::Ban);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].reason, BanReason::AuthFailures);
    // Failures while banned neither extend the ban nor log again.
    EXPECT_FALSE(guard.auth_failed(src).banned);
    clock.advance(3s);
    EXPECT_FALSE(guard.banned(src));
    ASSERT_EQ(events.size(), 2u);
    EXPECT_TRUE(events[1].lifted);
    EXPECT_EQ(events[1].reason, BanReason::AuthFailures);
    // The count starts again after a ban.
    EXPECT_TRUE(guard.auth_failed(src).first);
    EXPECT_FALSE(guard.banned(src));
}

TEST_F(SourceGuardTest, FailuresSpreadOverMoreThanTheWindowDoNotBan) {
    const auto src = at("198.51.100.7");
    for (int i = 0; i < 20; ++i) {
        EXPECT_FALSE(guard.auth_failed(src).banned) << i;
        clock.advance(31s);  // two per window at most
    }
    EXPECT_TRUE(events.empty());
}

TEST_F(SourceGuardTest, ScannerHitsBanToo) {
    const auto src = at("203.0.113.5");
    EXPECT_TRUE(guard.scanner_hit(src).first);
    EXPECT_FALSE(guard.scanner_hit(src).first);
    // Scanner hits and failed authentications are counted apart.
    EXPECT_FALSE(guard.auth_failed(src).banned);
    EXPECT_TRUE(guard.scanner_hit(src).banned);
    EXPECT_TRUE(guard.banned(src));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].reason, BanReason::Scanner);
}

TEST(SourceGuard, WhitelistedSourcesAreNeverLimitedOrBanned) {
    ProtectionConfig config = small_limits();
    config.whitelist = {*Cidr::parse("10.0.0.0/8"), *Cidr::parse("2001:db8::/32")};
    test::ManualClock clock;
    int bans = 0;
    SourceGuard guard(config, clock, [&](const BanEvent&) { ++bans; });
    for (const char* ip : {"10.1.2.3", "::ffff:10.9.9.9", "2001:db8::77"}) {
        for (int i = 0; i < 1000; ++i) {
            ASSERT_EQ(guard.admit(at(ip)).verdict, Verdict::Allow) << ip << " " << i;
        }
        for (int i = 0; i < 10; ++i) {
            EXPECT_FALSE(guard.auth_failed(at(ip)).banned);
            EXPECT_FALSE(guard.scanner_hit(at(ip)).banned);
        }
        EXPECT_FALSE(guard.banned(at(ip)));
        EXPECT_TRUE(guard.whitelisted(at(ip)));
    }
    EXPECT_FALSE(guard.whitelisted(at("11.0.0.1")));
    EXPECT_EQ(bans, 0);
    EXPECT_EQ(guard.stats().tracked, 0u);  // not even remembered
}

TEST(SourceGuard, MemoryIsBoundedAndIdleSourcesGoFirst) {
    ProtectionConfig config = small_limits();
    config.max_tracked_sources = 64 * 4;  // four a shard
    config.ban_seconds = 60s;
    test::ManualClock clock;
    SourceGuard guard(config, clock);
    // A banned source stays whatever arrives after it.
    const auto bad = at("192.0.2.1");
    for (int i = 0; i < 40; ++i) {
        guard.admit(bad);
    }
    ASSERT_TRUE(guard.banned(bad));
    for (int i = 0; i < 10000; ++i) {
        const auto src = at(fmt::format("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255));
        EXPECT_EQ(guard.admit(src).verdict, Verdict::Allow);
        ASSERT_LE(guard.stats().tracked, config.max_tracked_sources);
        if (i % 100 == 0) {
            clock.advance(10ms);
        }
    }
    EXPECT_TRUE(guard.banned(bad));
    EXPECT_GT(guard.stats().evicted, 0u);
    // Sources at rest are forgotten by the sweep; the ban is not.
    clock.advance(2s);
    guard.sweep();
    EXPECT_EQ(guard.stats().tracked, 1u);
    EXPECT_TRUE(guard.banned(bad));
}

TEST(SourceGuard, ATableFullOfBansLetsNewSourcesThrough) {
    ProtectionConfig config = small_limits();
    config.burst = 1;
    config.max_tracked_sources = 64;  // one a shard
    test::ManualClock clock;
    SourceGuard guard(config, clock);
    int banned = 0;
    for (int i = 0; i < 2000; ++i) {
        const auto src = at(fmt::format("10.0.{}.{}", i >> 8, i & 255));
        guard.admit(src);
        banned += guard.admit(src).verdict == Verdict::Ban ? 1 : 0;
    }
    EXPECT_GT(banned, 0);
    EXPECT_LE(guard.stats().tracked, 64u);
    EXPECT_GT(guard.stats().untracked, 0u);  // the degraded mode, counted
}

TEST(SourceGuard, DescribesItsThresholds) {
    ProtectionConfig config = small_limits();
    config.whitelist = {*Cidr::parse("10.0.0.0/8")};
    test::ManualClock clock;
    SourceGuard guard(config, clock);
    const std::string d = guard.describe();
    EXPECT_NE(d.find("20 requests/s"), std::string::npos) << d;
    EXPECT_NE(d.find("burst 20"), std::string::npos) << d;
    EXPECT_NE(d.find("ban 3s"), std::string::npos) << d;
    EXPECT_NE(d.find("3 failed authentications"), std::string::npos) << d;
    EXPECT_NE(d.find("10.0.0.0/8"), std::string::npos) << d;
    EXPECT_NE(d.find("12 scanner user agents (dropped)"), std::string::npos) << d;
}

// A clock several threads may read while another moves it.
class SharedClock final : public Clock {
public:
    TimePoint now() const override { return TimePoint(Duration(ticks_.load())); }
    std::int64_t unix_seconds() const override { return 1'700'000'000; }
    void advance(Duration d) { ticks_.fetch_add(d.count()); }

private:
    std::atomic<Duration::rep> ticks_{std::chrono::duration_cast<Duration>(1h).count()};
};

TEST(SourceGuardThreads, OneSourceFromManyThreadsGetsExactlyItsBurst) {
    // The clock stands still, so the outcome is exact whatever the interleaving: the bucket
    // is updated under the shard lock or not at all.
    ProtectionConfig config = small_limits();
    config.burst = 500;
    SharedClock clock;
    std::atomic<int> ban_events{0};
    SourceGuard guard(config, clock, [&](const BanEvent& e) {
        if (!e.lifted) {
            ++ban_events;
        }
    });
    std::atomic<int> allowed{0};
    std::atomic<int> refused{0};
    std::atomic<int> dropped{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            const auto src = at("192.0.2.9", static_cast<std::uint16_t>(5000 + t));
            for (int i = 0; i < 2000; ++i) {
                switch (guard.admit(src).verdict) {
                    case Verdict::Allow: ++allowed; break;
                    case Verdict::Refuse: ++refused; break;
                    case Verdict::Ban: ++dropped; break;
                }
                guard.banned(src);
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(allowed.load(), 500);
    EXPECT_EQ(refused.load(), 499);
    EXPECT_EQ(dropped.load(), 8 * 2000 - 999);
    EXPECT_EQ(ban_events.load(), 1);
    EXPECT_EQ(guard.stats().active_bans, 1u);
}

TEST(SourceGuardThreads, HammeringKeepsEveryBanPairedWithOneUnban) {
    ProtectionConfig config = small_limits();
    config.burst = 5;
    config.requests_per_second = 50;
    config.ban_seconds = 1s;
    config.max_tracked_sources = 64 * 8;
    SharedClock clock;
    std::mutex m;
    std::map<std::string, std::pair<int, int>> per_source;  // bans, unbans
    SourceGuard guard(config, clock, [&](const BanEvent& e) {
        std::lock_guard lock(m);
        auto& [bans, unbans] = per_source[e.source.to_string()];
        ++(e.lifted ? unbans : bans);
    });
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
        threads.emplace_back([&, t] {
            std::mt19937 rng(static_cast<unsigned>(t));
            for (int i = 0; i < 30000; ++i) {
                const auto src = at(fmt::format("10.0.{}.{}", rng() % 4, rng() % 250));
                switch (rng() % 8) {
                    case 0: guard.auth_failed(src); break;
                    case 1: guard.scanner_hit(src); break;
                    case 2: guard.banned(src); break;
                    default: guard.admit(src); break;
                }
            }
        });
    }
    std::thread ticker([&] {
        while (!stop) {
            clock.advance(5ms);
            guard.sweep();
            std::this_thread::yield();
        }
    });
    for (auto& t : threads) {
        t.join();
    }
    stop = true;
    ticker.join();
    ASSERT_LE(guard.stats().tracked, config.max_tracked_sources);
    // Every ban ends, and is logged ended exactly once; every failure series ends too.
    clock.advance(61s);
    guard.sweep();
    const GuardStats s = guard.stats();
    EXPECT_EQ(s.active_bans, 0u);
    EXPECT_EQ(s.tracked, 0u);
    EXPECT_GT(s.bans, 0u);
    std::uint64_t bans = 0;
    for (const auto& [ip, counts] : per_source) {
        EXPECT_EQ(counts.first, counts.second) << ip;
        bans += static_cast<std::uint64_t>(counts.first);
    }
    EXPECT_EQ(bans, s.bans);
}

}  // namespace
}  // namespace sb::protection
