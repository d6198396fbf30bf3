#include "dns/locator.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <utility>

namespace sb::dns {
namespace {

using transport::Endpoint;
using transport::Transport;
using Status = Answer::Status;

Endpoint ip(const char* text, std::uint16_t port = 0) { return *Endpoint::from(text, port); }

/// Canned answers by name and type; a name it has no answer for does not exist. Answers at
/// once, or, when deferred, when the test says so (in any order).
class CannedLookup final : public Lookup {
public:
    void set(const std::string& name, RecordType type, Answer answer) {
        answers_[{name, type}] = std::move(answer);
    }
    void addresses(const std::string& name, std::vector<Endpoint> v4, std::vector<Endpoint> v6) {
        Answer a;
        a.addresses = std::move(v4);
        set(name, RecordType::A, a);
        a.addresses = std::move(v6);
        set(name, RecordType::Aaaa, a);
    }
    void srv(const std::string& name, std::vector<SrvRecord> records) {
        Answer a;
        a.srv = std::move(records);
        set(name, RecordType::Srv, a);
    }
    void naptr(const std::string& name, std::vector<NaptrRecord> records) {
        Answer a;
        a.naptr = std::move(records);
        set(name, RecordType::Naptr, a);
    }
    /// The name exists, with no records of any type not set.
    void exists(const std::string& name) { existing_.push_back(name); }

    void lookup(const std::string& name, RecordType type,
                std::function<void(const Answer&)> done) override {
        asked_.emplace_back(name, type);
        if (deferred_) {
            waiting_.emplace_back(std::make_pair(name, type), std::move(done));
            return;
        }
        done(answer(name, type));
    }

    Answer answer(const std::string& name, RecordType type) const {
        if (auto it = answers_.find({name, type}); it != answers_.end()) {
            return it->second;
        }
        bool known = std::find(existing_.begin(), existing_.end(), name) != existing_.end() ||
                     std::any_of(answers_.begin(), answers_.end(),
                                 [&](const auto& kv) { return kv.first.first == name; });
        Answer a;
        a.status = known ? Status::Ok : Status::NxDomain;
        return a;
    }

    void defer() { deferred_ = true; }
    /// Answers the deferred queries, last asked first.
    void answer_backwards() {
        while (!waiting_.empty()) {
            auto [key, done] = std::move(waiting_.back());
            waiting_.pop_back();
            done(answer(key.first, key.second));
        }
    }

    const std::vector<std::pair<std::string, RecordType>>& asked() const { return asked_; }

private:
    std::map<std::pair<std::string, RecordType>, Answer> answers_;
    std::vector<std::string> existing_;
    std::vector<std::pair<std::string, RecordType>> asked_;
    bool deferred_ = false;
    std::vector<std::pair<std::pair<std::string, RecordType>, std::function<void(const Answer&)>>>
        waiting_;
};

class LocateTest : public ::testing::Test {
protected:
    std::optional<Resolution> run(std::string_view text) {
        auto uri = sip::parse_uri(text);
        EXPECT_TRUE(uri.has_value()) << text;
        std::optional<Resolution> result;
        int calls = 0;
        locate(plan_for(*uri), dns_, first_of_range_,
               [&](Resolution r) {
                   ++calls;
                   result = std::move(r);
               });
        EXPECT_LE(calls, 1);
        return result;
    }

    static std::vector<std::pair<Transport, Endpoint>> pairs(const Resolution& r) {
        std::vector<std::pair<Transport, Endpoint>> out;
        for (const auto& d : r.destinations) {
            out.emplace_back(d.transport, d.remote);
        }
        return out;
    }

    CannedLookup dns_;
    // Always draws 0: within a priority, zero weights first, then the order given.
    RandomSource first_of_range_ = [](std::uint32_t) { return 0u; };
};

using Pairs = std::vector<std::pair<Transport, Endpoint>>;

TEST_F(LocateTest, IpLiteralNeedsNoQuery) {
    auto r = run("sip:alice@192.0.2.1:5070;transport=tcp");
    ASSERT_TRUE(r);
    EXPECT_EQ(pairs(*r), (Pairs{{Transport::Tcp, ip("192.0.2.1", 5070)}}));
    EXPECT_TRUE(dns_.asked().empty());
}

TEST_F(LocateTest, NaptrThenSrvThenAddresses) {
    dns_.naptr("example.com", {{20, 10, "s", "SIP+D2U", "", "_sip._udp.example.com"},
                               {10, 10, "s", "SIP+D2T", "", "_sip._tcp.example.com"}});
    dns_.srv("_sip._tcp.example.com", {{10, 0, 5070, "tcp1.example.com"}});
    dns_.srv("_sip._udp.example.com", {{20, 0, 5080, "udp2.example.com"},
                                       {10, 0, 5060, "udp1.example.com"}});
    dns_.addresses("tcp1.example.com", {ip("192.0.2.1")}, {ip("2001:db8::1")});
    dns_.addresses("udp1.example.com", {}, {ip("2001:db8::2")});
    dns_.addresses("udp2.example.com", {ip("192.0.2.3"), ip("192.0.2.4")}, {});
    auto r = run("sip:bob@example.com");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->error, "");
    EXPECT_EQ(pairs(*r), (Pairs{{Transport::Tcp, ip("192.0.2.1", 5070)},
                                {Transport::Tcp, ip("2001:db8::1", 5070)},
                                {Transport::Udp, ip("2001:db8::2", 5060)},
                                {Transport::Udp, ip("192.0.2.3", 5080)},
                                {Transport::Udp, ip("192.0.2.4", 5080)}}));
    EXPECT_EQ(dns_.asked().front(), std::make_pair(std::string("example.com"), RecordType::Naptr));
}

TEST_F(LocateTest, WithoutNaptrSrvForUdpThenTcp) {
    dns_.exists("example.com");
    dns_.srv("_sip._tcp.example.com", {{10, 0, 5070, "tcp.example.com"}});
    dns_.srv("_sip._udp.example.com", {{10, 0, 5060, "udp.example.com"}});
    dns_.addresses("tcp.example.com", {ip("192.0.2.1")}, {});
    dns_.addresses("udp.example.com", {ip("192.0.2.2")}, {});
    auto r = run("sip:example.com");
    ASSERT_TRUE(r);
    EXPECT_EQ(pairs(*r), (Pairs{{Transport::Udp, ip("192.0.2.2", 5060)},
                                {Transport::Tcp, ip("192.0.2.1", 5070)}}));
}

TEST_F(LocateTest, SipsWithoutNaptrAsksSipsTcpOnly) {
    dns_.exists("example.com");
    dns_.srv("_sip._udp.example.com", {{10, 0, 5060, "udp.example.com"}});
    dns_.srv("_sips._tcp.example.com", {{10, 0, 5061, "tls.example.com"}});
    dns_.addresses("tls.example.com", {ip("192.0.2.5")}, {});
    auto r = run("sips:example.com");
    ASSERT_TRUE(r);
    EXPECT_EQ(pairs(*r), (Pairs{{Transport::Tls, ip("192.0.2.5", 5061)}}));
    for (const auto& [name, type] : dns_.asked()) {
        EXPECT_NE(name, "_sip._udp.example.com");
    }
}

TEST_F(LocateTest, SipsIgnoresPlainNaptrServices) {
    dns_.naptr("example.com", {{10, 10, "s", "SIP+D2U", "", "_sip._udp.example.com"},
                               {20, 10, "s", "SIPS+D2T", "", "_sips._tcp.example.com"}});
    dns_.srv("_sip._udp.example.com", {{10, 0, 5060, "udp.example.com"}});
    dns_.srv("_sips._tcp.example.com", {{10, 0, 5061, "tls.example.com"}});
    dns_.addresses("udp.example.com", {ip("192.0.2.1")}, {});
    dns_.addresses("tls.example.com", {ip("192.0.2.2")}, {});
    auto r = run("sips:example.com");
    ASSERT_TRUE(r);
    EXPECT_EQ(pairs(*r), (Pairs{{Transport::Tls, ip("192.0.2.2", 5061)}}));
}

TEST_F(LocateTest, NoNaptrNoSrvMeansAddressesWithTheDefaultPort) {
    dns_.addresses("example.com", {ip("192.0.2.9")}, {ip("2001:db8::9")});
    auto r = run("sip:example.com");
    ASSERT_TRUE(r);
    EXPECT_EQ(pairs(*r), (Pairs{{Transport::Udp, ip("192.0.2.9", 5060)},
                                {Transport::Udp, ip("2001:db8::9", 5060)}}));
    auto sips = run("sips:example.com");
    ASSERT_TRUE(sips);
    EXPECT_EQ(pairs(*sips), (Pairs{{Transport::Tls, ip("192.0.2.9", 5061)},
                                   {Transport::Tls, ip("2001:db8::9", 5061)}}));
}

TEST_F(LocateTest, OnlyIpv6) {
    dns_.addresses("example.com", {}, {ip("2001:db8::9")});
    auto r = run("sip:example.com:5070");
    ASSERT_TRUE(r);
    EXPECT_EQ(pairs(*r), (Pairs{{Transport::Udp, ip("2001:db8::9", 5070)}}));
}

TEST_F(LocateTest, TransportParamAsksSrvForThatTransportOnly) {
    dns_.srv("_sip._tcp.example.com", {{10, 0, 5090, "tcp.example.com"}});
    dns_.addresses("tcp.example.com", {ip("192.0.2.1")}, {});
    auto r = run("sip:example.com;transport=tcp");
    ASSERT_TRUE(r);
    EXPECT_EQ(pairs(*r), (Pairs{{Transport::Tcp, ip("192.0.2.1", 5090)}}));
    EXPECT_EQ(dns_.asked().front(),
              std::make_pair(std::string("_sip._tcp.example.com"), RecordType::Srv));
    for (const auto& [name, type] : dns_.asked()) {
        EXPECT_NE(type, RecordType::Naptr);
    }
}

TEST_F(LocateTest, TransportParamWithoutSrvUsesAddressesAndTheDefaultPort) {
    dns_.addresses("example.com", {ip("192.0.2.1")}, {});
    auto r = run("sip:example.com;transport=tcp");
    ASSERT_TRUE(r);
    EXPECT_EQ(pairs(*r), (Pairs{{Transport::Tcp, ip("192.0.2.1", 5060)}}));
}

TEST_F(LocateTest, ExplicitPortAsksOnlyAddresses) {
    dns_.naptr("example.com", {{10, 10, "s", "SIP+D2T", "", "_sip._tcp.example.com"}});
    dns_.addresses("example.com", {ip("192.0.2.1")}, {});
    auto r = run("sip:example.com:5099");
    ASSERT_TRUE(r);
    EXPECT_EQ(pairs(*r), (Pairs{{Transport::Udp, ip("192.0.2.1", 5099)}}));
    ASSERT_EQ(dns_.asked().size(), 2u);
    EXPECT_EQ(dns_.asked()[0].second, RecordType::A);
    EXPECT_EQ(dns_.asked()[1].second, RecordType::Aaaa);
}

TEST_F(LocateTest, WeightsUseTheInjectedRandomSource) {
    dns_.exists("example.com");
    dns_.srv("_sip._udp.example.com", {{10, 10, 5060, "light.example.com"},
                                       {10, 90, 5060, "heavy.example.com"}});
    dns_.addresses("light.example.com", {ip("192.0.2.1")}, {});
    dns_.addresses("heavy.example.com", {ip("192.0.2.2")}, {});
    std::vector<std::uint32_t> bounds;
    first_of_range_ = [&](std::uint32_t max) {
        bounds.push_back(max);
        return 50u;  // beyond light's running sum of 10
    };
    auto r = run("sip:example.com");
    ASSERT_TRUE(r);
    EXPECT_EQ(pairs(*r), (Pairs{{Transport::Udp, ip("192.0.2.2", 5060)},
                                {Transport::Udp, ip("192.0.2.1", 5060)}}));
    EXPECT_EQ(bounds, (std::vector<std::uint32_t>{100}));
}

TEST_F(LocateTest, NxDomainAtNaptrEndsAtOnce) {
    auto r = run("sip:alice@example.invalid");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->destinations.empty());
    EXPECT_EQ(r->error, "no such domain example.invalid");
    EXPECT_EQ(dns_.asked().size(), 1u);
}

TEST_F(LocateTest, NxDomainForAddresses) {
    auto r = run("sip:example.invalid:5060");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->error, "no such domain example.invalid");
}

TEST_F(LocateTest, NoAddresses) {
    dns_.exists("example.com");
    auto r = run("sip:example.com");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->error, "no address for example.com");
}

TEST_F(LocateTest, TimeoutAtAnyStepIsTimeout) {
    Answer timeout;
    timeout.status = Status::Timeout;
    dns_.set("example.com", RecordType::Naptr, timeout);
    EXPECT_EQ(run("sip:example.com")->error, "timeout");

    dns_.set("example.com", RecordType::Naptr, Answer{});
    dns_.set("_sip._udp.example.com", RecordType::Srv, timeout);
    EXPECT_EQ(run("sip:example.com")->error, "timeout");

    dns_.set("example.com", RecordType::A, timeout);
    EXPECT_EQ(run("sip:example.com:5060")->error, "timeout");
}

TEST_F(LocateTest, FailedNaptrQueryFallsBackToSrv) {
    Answer refused;
    refused.status = Status::Failure;
    refused.error = "REFUSED";
    dns_.set("example.com", RecordType::Naptr, refused);
    dns_.srv("_sip._udp.example.com", {{10, 0, 5060, "udp.example.com"}});
    dns_.addresses("udp.example.com", {ip("192.0.2.2")}, {});
    auto r = run("sip:example.com");
    ASSERT_TRUE(r);
    EXPECT_EQ(pairs(*r), (Pairs{{Transport::Udp, ip("192.0.2.2", 5060)}}));
}

TEST_F(LocateTest, SrvTargetDotMeansNoService) {
    dns_.exists("example.com");
    dns_.srv("_sip._udp.example.com", {{0, 0, 0, "."}});
    dns_.addresses("example.com", {ip("192.0.2.1")}, {});
    auto r = run("sip:example.com");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->destinations.empty());
    EXPECT_EQ(r->error, "no SIP service at example.com");
}

TEST_F(LocateTest, SrvTargetThatIsAnAddress) {
    dns_.exists("example.com");
    dns_.srv("_sip._udp.example.com", {{10, 0, 5062, "192.0.2.44"}});
    auto r = run("sip:example.com");
    ASSERT_TRUE(r);
    EXPECT_EQ(pairs(*r), (Pairs{{Transport::Udp, ip("192.0.2.44", 5062)}}));
}

TEST_F(LocateTest, AnswersInAnyOrderKeepTheQueryOrder) {
    dns_.exists("example.com");
    dns_.srv("_sip._udp.example.com", {{10, 0, 5060, "udp.example.com"}});
    dns_.srv("_sip._tcp.example.com", {{10, 0, 5060, "tcp.example.com"}});
    dns_.addresses("udp.example.com", {ip("192.0.2.1")}, {ip("2001:db8::1")});
    dns_.addresses("tcp.example.com", {ip("192.0.2.2")}, {});
    dns_.defer();
    std::optional<Resolution> result;
    auto uri = sip::parse_uri("sip:example.com");
    locate(plan_for(*uri), dns_, first_of_range_, [&](Resolution r) { result = std::move(r); });
    while (!result) {
        ASSERT_FALSE(dns_.asked().empty());
        dns_.answer_backwards();
    }
    EXPECT_EQ(pairs(*result), (Pairs{{Transport::Udp, ip("192.0.2.1", 5060)},
                                     {Transport::Udp, ip("2001:db8::1", 5060)},
                                     {Transport::Tcp, ip("192.0.2.2", 5060)}}));
}

TEST_F(LocateTest, UnusableUriIsAnError) {
    auto r = run("sips:example.com;transport=udp");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->error, "a SIPS URI cannot use UDP");
    EXPECT_TRUE(dns_.asked().empty());
}

}  // namespace
}  // namespace sb::dns
