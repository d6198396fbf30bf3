#include "dns/cares_resolver.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "base/clock.h"
#include "unit/dns/fake_dns_server.h"
#include "io/worker.h"

namespace sb::dns {
namespace {

using namespace std::chrono_literals;
using transport::Endpoint;
using transport::Transport;
using Pairs = std::vector<std::pair<Transport, Endpoint>>;

Endpoint ip(const char* text, std::uint16_t port) { return *Endpoint::from(text, port); }

Pairs pairs(const Resolution& r) {
    Pairs out;
    for (const auto& d : r.destinations) {
        out.emplace_back(d.transport, d.remote);
    }
    return out;
}

struct Reply {
    Resolution resolution;
    bool on_worker = false;  // ran on the worker's thread, inside its loop
};

class CaresResolverTest : public ::testing::Test {
protected:
    CaresResolverTest() { worker_.start(); }

    std::unique_ptr<CaresResolver> make(DnsConfig config = {}) {
        config.servers = {dns_.address()};
        auto resolver = CaresResolver::create(config);
        EXPECT_TRUE(resolver.has_value()) << resolver.error().message;
        return resolver ? std::move(*resolver) : nullptr;
    }

    /// Resolves and waits for the reply. The URI text dies before the reply comes, as a
    /// request's buffer may.
    std::future<Reply> start(Resolver& resolver, std::string text) {
        auto promise = std::make_shared<std::promise<Reply>>();
        auto future = promise->get_future();
        {
            auto uri = sip::parse_uri(text);
            EXPECT_TRUE(uri.has_value()) << text;
            resolver.resolve(*uri, worker_, [this, promise](Resolution r) {
                promise->set_value(Reply{std::move(r), io::Worker::current() == &worker_});
            });
            text.assign(text.size(), 'x');
        }
        return future;
    }

    Reply resolve(Resolver& resolver, std::string text) {
        auto future = start(resolver, std::move(text));
        if (future.wait_for(10s) != std::future_status::ready) {
            ADD_FAILURE() << "no reply";
            return {};
        }
        Reply reply = future.get();
        EXPECT_TRUE(reply.on_worker);
        return reply;
    }

    test::FakeDnsServer dns_;
    SystemClock clock_;
    io::Worker worker_{0, clock_};  // outlives every resolver, as the contract asks
};

TEST_F(CaresResolverTest, NaptrSrvAddressChain) {
    dns_.add_naptr("example.com", 10, 20, "S", "SIP+D2U", "_sip._udp.example.com");
    dns_.add_naptr("example.com", 10, 10, "S", "SIP+D2T", "_sip._tcp.example.com");
    dns_.add_srv("_sip._tcp.example.com", 10, 0, 5070, "tcp.example.com");
    dns_.add_srv("_sip._udp.example.com", 10, 0, 5080, "udp.example.com");
    dns_.add_a("tcp.example.com", "192.0.2.1");
    dns_.add_aaaa("tcp.example.com", "2001:db8::1");
    dns_.add_a("udp.example.com", "192.0.2.2");
    auto resolver = make();
    Reply reply = resolve(*resolver, "sip:bob@example.com");
    EXPECT_EQ(reply.resolution.error, "");
    EXPECT_EQ(pairs(reply.resolution), (Pairs{{Transport::Tcp, ip("192.0.2.1", 5070)},
                                              {Transport::Tcp, ip("2001:db8::1", 5070)},
                                              {Transport::Udp, ip("192.0.2.2", 5080)}}));
    EXPECT_EQ(dns_.queries("example.com", RecordType::Naptr), 1);
    EXPECT_EQ(dns_.queries("_sip._tcp.example.com", RecordType::Srv), 1);
    EXPECT_EQ(dns_.queries("_sip._udp.example.com", RecordType::Srv), 1);
}

TEST_F(CaresResolverTest, SrvOnlyDomain) {
    dns_.add_name("srv.test");
    dns_.add_srv("_sip._udp.srv.test", 10, 0, 5062, "host.srv.test");
    dns_.add_a("host.srv.test", "192.0.2.10");
    auto resolver = make();
    Reply reply = resolve(*resolver, "sip:srv.test");
    EXPECT_EQ(pairs(reply.resolution), (Pairs{{Transport::Udp, ip("192.0.2.10", 5062)}}));
    EXPECT_EQ(dns_.queries("srv.test", RecordType::Naptr), 1);
    EXPECT_EQ(dns_.queries("_sip._tcp.srv.test", RecordType::Srv), 1);
}

TEST_F(CaresResolverTest, AddressOnlyDomain) {
    dns_.add_a("a.test", "192.0.2.20");
    dns_.add_aaaa("a.test", "2001:db8::20");
    auto resolver = make();
    Reply reply = resolve(*resolver, "sips:alice@a.test");
    EXPECT_EQ(pairs(reply.resolution), (Pairs{{Transport::Tls, ip("192.0.2.20", 5061)},
                                              {Transport::Tls, ip("2001:db8::20", 5061)}}));
    EXPECT_EQ(dns_.queries("_sips._tcp.a.test", RecordType::Srv), 1);
}

TEST_F(CaresResolverTest, NxDomain) {
    auto resolver = make();
    Reply reply = resolve(*resolver, "sip:alice@example.invalid");
    EXPECT_TRUE(reply.resolution.destinations.empty());
    EXPECT_EQ(reply.resolution.error, "no such domain example.invalid");
    EXPECT_EQ(dns_.total_queries(), 1);  // NXDOMAIN at NAPTR ends it
}

TEST_F(CaresResolverTest, TimeoutWithinTimeoutTimesTries) {
    dns_.drop("slow.test");
    DnsConfig config;
    config.timeout = 200ms;
    config.tries = 2;
    auto resolver = make(config);
    auto begin = std::chrono::steady_clock::now();
    Reply reply = resolve(*resolver, "sip:slow.test");
    auto elapsed = std::chrono::steady_clock::now() - begin;
    EXPECT_TRUE(reply.resolution.destinations.empty());
    EXPECT_EQ(reply.resolution.error, "timeout");
    EXPECT_GE(elapsed, 350ms);
    EXPECT_LE(elapsed, 400ms + 250ms);  // timeout * tries, and some scheduling slack
    EXPECT_GE(dns_.queries("slow.test", RecordType::Naptr), 2);  // c-ares did retry
}

TEST_F(CaresResolverTest, CachedAnswersSendNoQuery) {
    dns_.add_a("a.test", "192.0.2.20");
    auto resolver = make();
    Reply first = resolve(*resolver, "sip:a.test");
    EXPECT_EQ(pairs(first.resolution), (Pairs{{Transport::Udp, ip("192.0.2.20", 5060)}}));
    int queries = dns_.total_queries();
    EXPECT_EQ(queries, 5);  // NAPTR, two SRV, A, AAAA

    Reply second = resolve(*resolver, "sip:a.test;lr");
    EXPECT_EQ(pairs(second.resolution), pairs(first.resolution));
    EXPECT_EQ(dns_.total_queries(), queries);

    // Negative answers are cached too (the SOA says 60 s).
    resolve(*resolver, "sip:gone.test");
    queries = dns_.total_queries();
    EXPECT_EQ(resolve(*resolver, "sip:gone.test").resolution.error, "no such domain gone.test");
    EXPECT_EQ(dns_.total_queries(), queries);
}

TEST_F(CaresResolverTest, CacheHonoursTheMaximumTtl) {
    dns_.add_a("a.test", "192.0.2.20", 3600);
    DnsConfig config;
    config.cache_max_ttl = 1s;
    auto resolver = make(config);
    resolve(*resolver, "sip:a.test:5060");
    EXPECT_EQ(dns_.queries("a.test", RecordType::A), 1);
    resolve(*resolver, "sip:a.test:5060");
    EXPECT_EQ(dns_.queries("a.test", RecordType::A), 1);
    std::this_thread::sleep_for(1100ms);
    resolve(*resolver, "sip:a.test:5060");
    EXPECT_EQ(dns_.queries("a.test", RecordType::A), 2);
}

TEST_F(CaresResolverTest, ConcurrentResolutionsShareQueries) {
    dns_.add_a("a.test", "192.0.2.20");
    auto resolver = make();
    std::vector<std::future<Reply>> replies;
    for (int i = 0; i < 5; ++i) {
        replies.push_back(start(*resolver, "sip:a.test:5060"));
    }
    for (auto& f : replies) {
        ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
        Reply reply = f.get();
        EXPECT_TRUE(reply.on_worker);
        EXPECT_EQ(pairs(reply.resolution), (Pairs{{Transport::Udp, ip("192.0.2.20", 5060)}}));
    }
    EXPECT_EQ(dns_.queries("a.test", RecordType::A), 1);
}

TEST_F(CaresResolverTest, LiteralNeedsNoDnsAndNeverRepliesInsideTheCall) {
    SystemClock clock;
    io::Worker idle(1, clock);  // not running yet: a reply can only be queued
    auto resolver = make();
    bool called = false;
    auto uri = sip::parse_uri("sip:192.0.2.1:5070;transport=tcp");
    resolver->resolve(*uri, idle, [&](Resolution r) {
        called = true;
        EXPECT_EQ(pairs(r), (Pairs{{Transport::Tcp, ip("192.0.2.1", 5070)}}));
        EXPECT_EQ(io::Worker::current(), &idle);
        idle.stop();
    });
    EXPECT_FALSE(called);
    idle.run();
    EXPECT_TRUE(called);
    EXPECT_EQ(dns_.total_queries(), 0);
}

TEST_F(CaresResolverTest, UnusableUriIsAnError) {
    auto resolver = make();
    Reply reply = resolve(*resolver, "tel:+15550123");
    EXPECT_EQ(reply.resolution.error, "not a SIP or SIPS URI");
}

TEST_F(CaresResolverTest, DestructionEndsPendingResolutions) {
    dns_.drop("slow.test");
    DnsConfig config;
    config.timeout = 5s;
    auto resolver = make(config);
    auto future = start(*resolver, "sip:slow.test");
    while (dns_.total_queries() == 0) {
        std::this_thread::sleep_for(5ms);
    }
    auto begin = std::chrono::steady_clock::now();
    resolver.reset();
    ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
    EXPECT_LT(std::chrono::steady_clock::now() - begin, 1s);
    Reply reply = future.get();
    EXPECT_TRUE(reply.on_worker);
    EXPECT_EQ(reply.resolution.error, "resolver stopped");
}

TEST_F(CaresResolverTest, DestructionWithAStoppedWorkerIsSafe) {
    dns_.drop("slow.test");
    SystemClock clock;
    io::Worker stopped(1, clock);
    stopped.start();
    stopped.stop();
    stopped.join();
    DnsConfig config;
    config.timeout = 5s;
    auto resolver = make(config);
    auto uri = sip::parse_uri("sip:slow.test");
    resolver->resolve(*uri, stopped,
                      [](Resolution) { ADD_FAILURE() << "a stopped worker ran it"; });
    while (dns_.total_queries() == 0) {
        std::this_thread::sleep_for(5ms);
    }
    resolver.reset();  // the reply is queued on a loop that never runs again
}

TEST(CaresResolverCreate, RejectsBadServers) {
    for (const char* bad : {"example.com", "192.0.2.1:0", "192.0.2.1:99999", "[2001:db8::1",
                            "[2001:db8::1]53", "192.0.2.1:"}) {
        DnsConfig config;
        config.servers = {bad};
        auto resolver = CaresResolver::create(config);
        EXPECT_FALSE(resolver.has_value()) << bad;
    }
    DnsConfig config;
    config.tries = 0;
    EXPECT_FALSE(CaresResolver::create(config).has_value());
}

TEST(CaresResolverCreate, AcceptsServerForms) {
    DnsConfig config;
    config.servers = {"192.0.2.53", "192.0.2.53:5353", "[2001:db8::53]", "[2001:db8::53]:5353",
                      "2001:db8::54"};
    auto resolver = CaresResolver::create(config);
    EXPECT_TRUE(resolver.has_value()) << resolver.error().message;
}

}  // namespace
}  // namespace sb::dns
