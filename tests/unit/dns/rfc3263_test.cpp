#include "dns/rfc3263.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <random>

namespace sb::dns {
namespace {

using transport::Endpoint;
using transport::Transport;

Plan plan(std::string_view text) {
    auto uri = sip::parse_uri(text);
    EXPECT_TRUE(uri.has_value()) << text;
    return plan_for(*uri);
}

Endpoint ip(const char* text, std::uint16_t port = 0) { return *Endpoint::from(text, port); }

/// Hands out the draws a test chose, and remembers the bounds it was asked for.
struct ScriptedRandom {
    std::deque<std::uint32_t> draws;
    std::vector<std::uint32_t> bounds;

    RandomSource source() {
        return [this](std::uint32_t max) {
            bounds.push_back(max);
            EXPECT_FALSE(draws.empty()) << "an unexpected draw";
            std::uint32_t v = draws.empty() ? 0 : draws.front();
            if (!draws.empty()) {
                draws.pop_front();
            }
            return v;
        };
    }
};

std::vector<std::string> targets_of(const std::vector<SrvRecord>& records) {
    std::vector<std::string> out;
    for (const auto& r : records) {
        out.push_back(r.target);
    }
    return out;
}

// --- What the URI asks for (RFC 3263 §4.1, §4.2) ---

TEST(PlanFor, Ipv4LiteralUsesUdpAnd5060) {
    Plan p = plan("sip:alice@192.0.2.1");
    ASSERT_EQ(p.step, Plan::Step::Done);
    ASSERT_TRUE(p.literal);
    EXPECT_EQ(p.literal->transport, Transport::Udp);
    EXPECT_EQ(p.literal->remote, ip("192.0.2.1", 5060));
}

TEST(PlanFor, SipsLiteralUsesTlsAnd5061) {
    Plan p = plan("sips:alice@192.0.2.1");
    ASSERT_TRUE(p.literal);
    EXPECT_EQ(p.literal->transport, Transport::Tls);
    EXPECT_EQ(p.literal->remote, ip("192.0.2.1", 5061));
}

TEST(PlanFor, LiteralKeepsPortAndTransportParam) {
    Plan p = plan("sip:[2001:db8::1]:5080;transport=TCP");
    ASSERT_TRUE(p.literal);
    EXPECT_EQ(p.literal->transport, Transport::Tcp);
    EXPECT_EQ(p.literal->remote, ip("2001:db8::1", 5080));
}

TEST(PlanFor, MaddrIsTheTarget) {
    Plan p = plan("sip:alice@example.com;maddr=192.0.2.7");
    ASSERT_TRUE(p.literal);
    EXPECT_EQ(p.literal->remote, ip("192.0.2.7", 5060));
}

TEST(PlanFor, NameWithPortLooksUpAddressesOnly) {
    Plan p = plan("sip:alice@Example.COM.:5070");
    EXPECT_EQ(p.step, Plan::Step::Addresses);
    EXPECT_EQ(p.target, "example.com");
    EXPECT_EQ(p.port, 5070);
    EXPECT_EQ(p.transport, Transport::Udp);
}

TEST(PlanFor, SipsNameWithPortUsesTls) {
    Plan p = plan("sips:example.com:5071");
    EXPECT_EQ(p.step, Plan::Step::Addresses);
    EXPECT_EQ(p.transport, Transport::Tls);
    EXPECT_EQ(p.port, 5071);
}

TEST(PlanFor, NameWithPortAndTransportParam) {
    Plan p = plan("sip:example.com:5070;transport=tcp");
    EXPECT_EQ(p.step, Plan::Step::Addresses);
    EXPECT_EQ(p.transport, Transport::Tcp);
}

TEST(PlanFor, TransportParamWithoutPortAsksSrvOfThatTransport) {
    Plan p = plan("sip:example.com;transport=tcp");
    EXPECT_EQ(p.step, Plan::Step::Srv);
    EXPECT_EQ(p.transport, Transport::Tcp);
    EXPECT_EQ(p.port, 5060);  // for A/AAAA when there is no SRV record
}

TEST(PlanFor, SipsWithTransportTcpMeansTls) {
    Plan p = plan("sips:example.com;transport=tcp");
    EXPECT_EQ(p.step, Plan::Step::Srv);
    EXPECT_EQ(p.transport, Transport::Tls);
    EXPECT_EQ(p.port, 5061);
}

TEST(PlanFor, NoPortNoTransportStartsWithNaptr) {
    Plan p = plan("sip:bob@example.com");
    EXPECT_EQ(p.step, Plan::Step::Naptr);
    EXPECT_EQ(p.target, "example.com");
    EXPECT_FALSE(p.sips);
    EXPECT_EQ(p.transport, Transport::Udp);
    EXPECT_EQ(p.port, 5060);
    EXPECT_TRUE(plan("sips:bob@example.com").sips);
    EXPECT_EQ(plan("sips:bob@example.com").port, 5061);
}

TEST(PlanFor, WebSocketHasNoSrvSoAddressesWithTheDefaultPort) {
    Plan p = plan("sip:example.com;transport=ws");
    EXPECT_EQ(p.step, Plan::Step::Addresses);
    EXPECT_EQ(p.transport, Transport::Ws);
    EXPECT_EQ(p.port, 5060);
}

TEST(PlanFor, Errors) {
    EXPECT_EQ(plan("tel:+15550123").error, "not a SIP or SIPS URI");
    EXPECT_EQ(plan("sip:example.com;transport=sctp").error, "unsupported transport sctp");
    EXPECT_EQ(plan("sips:example.com;transport=udp").error, "a SIPS URI cannot use UDP");
    EXPECT_EQ(plan("sip:example.com;transport=sctp").step, Plan::Step::Done);
}

// --- NAPTR (RFC 3263 §4.1, RFC 3403) ---

NaptrRecord naptr(std::uint16_t order, std::uint16_t pref, std::string service,
                  std::string replacement, std::string flags = "s") {
    return NaptrRecord{order, pref, std::move(flags), std::move(service), "",
                       std::move(replacement)};
}

TEST(SelectNaptr, OrderThenPreference) {
    auto q = select_naptr({naptr(20, 10, "SIP+D2U", "_sip._udp.example.com"),
                           naptr(10, 50, "SIP+D2T", "_sip._tcp.example.com"),
                           naptr(10, 20, "SIPS+D2T", "_sips._tcp.example.com")},
                          false);
    EXPECT_EQ(q, (std::vector<SrvQuery>{{"_sips._tcp.example.com", Transport::Tls},
                                        {"_sip._tcp.example.com", Transport::Tcp},
                                        {"_sip._udp.example.com", Transport::Udp}}));
}

TEST(SelectNaptr, DropsWhatWeCannotUse) {
    auto q = select_naptr({naptr(10, 10, "SIP+D2W", "_sip._ws.example.com"),
                           naptr(10, 10, "SIPS+D2W", "_sips._ws.example.com"),
                           naptr(10, 10, "SIP+D2S", "_sip._sctp.example.com"),
                           naptr(10, 10, "E2U+sip", "_sip._udp.example.com"),
                           naptr(10, 10, "SIP+D2U", "_sip._udp.example.com", "a"),
                           naptr(10, 10, "SIP+D2U", "."),
                           naptr(10, 20, "sip+d2u", "_SIP._UDP.Example.com", "S")},
                          false);
    EXPECT_EQ(q, (std::vector<SrvQuery>{{"_sip._udp.example.com", Transport::Udp}}));
}

TEST(SelectNaptr, SipsTakesOnlySipsD2t) {
    auto q = select_naptr({naptr(10, 10, "SIP+D2U", "_sip._udp.example.com"),
                           naptr(10, 20, "SIP+D2T", "_sip._tcp.example.com"),
                           naptr(20, 10, "SIPS+D2T", "_sips._tcp.example.com")},
                          true);
    EXPECT_EQ(q, (std::vector<SrvQuery>{{"_sips._tcp.example.com", Transport::Tls}}));
}

TEST(DefaultSrvQueries, SipTriesUdpThenTcp) {
    EXPECT_EQ(default_srv_queries("example.com", false),
              (std::vector<SrvQuery>{{"_sip._udp.example.com", Transport::Udp},
                                     {"_sip._tcp.example.com", Transport::Tcp}}));
}

TEST(DefaultSrvQueries, SipsTriesTlsOnly) {
    EXPECT_EQ(default_srv_queries("example.com", true),
              (std::vector<SrvQuery>{{"_sips._tcp.example.com", Transport::Tls}}));
}

// --- SRV (RFC 2782) ---

TEST(OrderSrv, LowestPriorityFirst) {
    ScriptedRandom random;
    auto out = order_srv({{20, 0, 5060, "c"}, {10, 0, 5060, "a"}, {15, 0, 5060, "b"}},
                         random.source());
    EXPECT_EQ(targets_of(out), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_TRUE(random.bounds.empty());  // one record per priority: nothing to draw
}

TEST(OrderSrv, WeightedDrawsWithinAPriority) {
    // Zero weights go first, so the running sums are z:0, a:60, b:100.
    ScriptedRandom random;
    random.draws = {50, 10};
    auto out = order_srv(
        {{10, 60, 5060, "a"}, {10, 40, 5060, "b"}, {10, 0, 5060, "z"}, {5, 1, 5060, "first"}},
        random.source());
    // 50 of 100 reaches a's running sum; then b, with the running sum z:0, b:40, is reached by 10.
    EXPECT_EQ(targets_of(out), (std::vector<std::string>{"first", "a", "b", "z"}));
    EXPECT_EQ(random.bounds, (std::vector<std::uint32_t>{100, 40}));
}

TEST(OrderSrv, DrawOfZeroPicksAZeroWeightRecord) {
    ScriptedRandom random;
    random.draws = {0, 0};
    auto out = order_srv({{10, 60, 5060, "a"}, {10, 40, 5060, "b"}, {10, 0, 5060, "z"}},
                         random.source());
    EXPECT_EQ(targets_of(out), (std::vector<std::string>{"z", "a", "b"}));
    EXPECT_EQ(random.bounds, (std::vector<std::uint32_t>{100, 100}));
}

TEST(OrderSrv, TopOfTheRangePicksTheLastRecord) {
    ScriptedRandom random;
    random.draws = {100};
    auto out = order_srv({{10, 60, 5060, "a"}, {10, 40, 5060, "b"}}, random.source());
    EXPECT_EQ(targets_of(out), (std::vector<std::string>{"b", "a"}));
}

TEST(OrderSrv, AllZeroWeightsKeepTheirOrder) {
    ScriptedRandom random;
    auto out = order_srv({{10, 0, 5060, "a"}, {10, 0, 5060, "b"}, {10, 0, 5060, "c"}},
                         random.source());
    EXPECT_EQ(targets_of(out), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(OrderSrv, WeightsShareTheFirstPlaceInProportion) {
    std::mt19937 engine(1234);
    RandomSource random = [&](std::uint32_t max) {
        return std::uniform_int_distribution<std::uint32_t>(0, max)(engine);
    };
    int heavy_first = 0;
    constexpr int kRuns = 4000;
    for (int i = 0; i < kRuns; ++i) {
        auto out = order_srv({{10, 30, 5060, "heavy"}, {10, 10, 5060, "light"}}, random);
        heavy_first += out.front().target == "heavy" ? 1 : 0;
    }
    // 31 of the 41 draws in [0, 40] land on "heavy": about 76%.
    EXPECT_NEAR(static_cast<double>(heavy_first) / kRuns, 31.0 / 41.0, 0.03);
}

TEST(SrvTargets, QueriesInOrderDotDroppedDuplicatesOnce) {
    ScriptedRandom random;
    std::vector<SrvQuery> queries{{"_sip._udp.example.com", Transport::Udp},
                                  {"_sip._tcp.example.com", Transport::Tcp},
                                  {"_sips._tcp.example.com", Transport::Tls}};
    std::vector<Answer> answers(3);
    answers[0].srv = {{20, 0, 5062, "b.example.com"}, {10, 0, 5060, "a.example.com"},
                      {30, 0, 5060, "a.example.com"}};
    answers[1].status = Answer::Status::NxDomain;
    answers[2].srv = {{10, 0, 0, "."}, {20, 0, 5061, "A.Example.com."}};
    auto targets = srv_targets(queries, answers, random.source());
    EXPECT_EQ(targets, (std::vector<AddressTarget>{{"a.example.com", 5060, Transport::Udp},
                                                   {"b.example.com", 5062, Transport::Udp},
                                                   {"a.example.com", 5061, Transport::Tls}}));
}

// --- A and AAAA ---

TEST(OrderAddresses, Ipv4BeforeIpv6) {
    auto out = order_addresses({ip("2001:db8::1"), ip("192.0.2.1"), ip("2001:db8::2"),
                                ip("192.0.2.2")},
                               5070);
    EXPECT_EQ(out, (std::vector<Endpoint>{ip("192.0.2.1", 5070), ip("192.0.2.2", 5070),
                                          ip("2001:db8::1", 5070), ip("2001:db8::2", 5070)}));
}

TEST(OrderAddresses, OnlyIpv6) {
    auto out = order_addresses({ip("2001:db8::1"), ip("2001:db8::2")}, 5060);
    EXPECT_EQ(out, (std::vector<Endpoint>{ip("2001:db8::1", 5060), ip("2001:db8::2", 5060)}));
}

TEST(AppendDestinations, SkipsDuplicates) {
    std::vector<transport::Destination> out;
    AddressTarget t{"a.example.com", 5060, Transport::Udp};
    append_destinations(t, {ip("192.0.2.1"), ip("192.0.2.1")}, out);
    append_destinations(t, {ip("192.0.2.1")}, out);
    append_destinations({"a.example.com", 5060, Transport::Tcp}, {ip("192.0.2.1")}, out);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].transport, Transport::Udp);
    EXPECT_EQ(out[1].transport, Transport::Tcp);
}

}  // namespace
}  // namespace sb::dns
