// The stateful proxy core driven through its transaction table on a manual clock: routing to
// registered contacts, forking, best-response selection, CANCEL, Timer C, loose routing,
// Record-Route, loops, and the stateless and redirect modes.

#include "proxy/core.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>

#include "base/timer_wheel.h"
#include "phrases/builtin.h"
#include "location/memory_store.h"
#include "proxy/flow_token.h"
#include "sip/header_values.h"
#include "sip/parser.h"
#include "support/fake_sender.h"
#include "support/manual_clock.h"

namespace sb::proxy {
namespace {

using namespace std::chrono_literals;
using transport::Transport;

constexpr std::string_view kProxy = "192.0.2.10:5060";

class ProxyTest : public ::testing::Test {
protected:
    ProxyTest() : wheel(clock) {
        sender.add_listener(Transport::Udp, "192.0.2.10", 5060);
        sender.add_listener(Transport::Tcp, "192.0.2.10", 5060);
        local = std::make_unique<LocalDomains>(std::vector<std::string>{"example.com"}, sender);
        caller.transport = Transport::Udp;
        caller.remote = *transport::Endpoint::from("192.0.2.1", 5060);
        caller.listener = 0;
    }

    struct FakeServices : CallServices {
        std::map<std::string, CalleePolicy, std::less<>> policies;
        CalleePolicy policy(std::string_view, std::string_view callee) override {
            auto it = policies.find(callee);
            return it == policies.end() ? CalleePolicy{} : it->second;
        }
    };

    void make_core() {
        table.reset();  // it refers to the core it replaces
        core = std::make_unique<Core>(Core::Deps{.config = config,
                                                 .local = *local,
                                                 .store = store,
                                                 .users = users,
                                                 .clock = clock,
                                                 .sender = sender,
                                                 .timers = wheel,
                                                 .stages = {},
                                                 .observer = nullptr,
                                                 .server_header = "Switchboard",
                                                 .services = &services});
        table = std::make_unique<txn::TransactionTable>(sender, wheel, timers, *core, 0);
        core->attach(*table);
    }

    void SetUp() override { make_core(); }

    void bind(const std::string& user, const std::string& contact, int q = -1,
              const std::string& received = {}) {
        auto r = store.update("sip:" + user + "@example.com", clock.unix_seconds(),
                              [&](const std::vector<location::Binding>& current)
                                  -> Result<std::vector<location::Binding>> {
                                  auto next = current;
                                  location::Binding b;
                                  b.aor = "sip:" + user + "@example.com";
                                  b.contact = contact;
                                  b.q = q;
                                  b.expires_at = clock.unix_seconds() + 3600;
                                  b.call_id = "reg-" + contact;
                                  b.received = received;
                                  next.push_back(b);
                                  return next;
                              });
        ASSERT_TRUE(r.has_value());
    }

    std::string invite(std::string_view ruri = "sip:bob@example.com", std::string_view extra = {},
                       std::string_view branch = "z9hG4bKcaller1", int max_forwards = 70,
                       std::string_view contact = "<sip:alice@192.0.2.1:5060>") {
        return fmt::format(
            "INVITE {} SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch={};rport\r\n"
            "Max-Forwards: {}\r\n"
            "From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n"
            "To: <sip:bob@example.com>\r\n"
            "Call-ID: call-1@192.0.2.1\r\n"
            "CSeq: 1 INVITE\r\n"
            "Contact: {}\r\n"
            "{}"
            "Content-Type: application/sdp\r\n"
            "Content-Length: 4\r\n\r\nv=0\n",
            ruri, branch, max_forwards, contact, extra);
    }

    void receive(const std::string& text, transport::Source from) {
        auto m = sip::parse_message(std::string_view(text));
        ASSERT_TRUE(m.has_value()) << m.error().text() << "\n" << text;
        table->on_request(std::move(*m), from);
    }
    void receive(const std::string& text) { receive(text, caller); }

    // A response to the n-th message the proxy sent, as its target would answer.
    std::string answer(std::size_t sent_index, int status, std::string_view to_tag = "b1",
                       std::string_view extra = {}) {
        sip::Message req = sender.message(sent_index);
        std::string vias;
        for (const auto& h : req.headers()) {
            if (h.id == sip::HeaderId::Via) {
                vias += "Via: " + std::string(h.value) + "\r\n";
            }
        }
        std::string rr;
        for (const auto& h : req.headers()) {
            if (h.id == sip::HeaderId::RecordRoute) {
                rr += "Record-Route: " + std::string(h.value) + "\r\n";
            }
        }
        std::string to(req.value(sip::HeaderId::To));
        if (req.to_tag().empty() && status > 100) {
            to += ";tag=" + std::string(to_tag);
        }
        return fmt::format("SIP/2.0 {} Whatever\r\n{}{}From: {}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: {}\r\n{}"
                           "Content-Length: 0\r\n\r\n",
                           status, vias, status / 100 == 2 ? rr : "", req.value(sip::HeaderId::From),
                           to, req.call_id(), req.value(sip::HeaderId::CSeq), extra);
    }

    void respond(std::size_t sent_index, int status, std::string_view to_tag = "b1") {
        std::string text = answer(sent_index, status, to_tag);
        auto m = sip::parse_message(std::string_view(text));
        ASSERT_TRUE(m.has_value()) << m.error().text();
        transport::Source from{Transport::Udp, sender.sent.at(sent_index).to.remote, 0, 0};
        if (!table->on_response(*m, from)) {
            core->on_unmatched_response(*m, from);
        }
    }

    void advance(Duration d) {
        for (Duration done = 0ms; done < d; done += 100ms) {
            clock.advance(100ms);
            wheel.advance();
        }
    }

    // Index of every message sent so far matching a predicate.
    std::vector<std::size_t> sent_where(std::function<bool(const sip::Message&)> pred) {
        std::vector<std::size_t> out;
        for (std::size_t i = 0; i < sender.count(); ++i) {
            if (pred(sender.message(i))) {
                out.push_back(i);
            }
        }
        return out;
    }
    std::vector<std::size_t> requests(sip::Method m) {
        return sent_where([m](const sip::Message& x) { return x.is_request() && x.method() == m; });
    }
    std::vector<std::size_t> responses(int status) {
        return sent_where([status](const sip::Message& x) { return x.status() == status; });
    }

    test::ManualClock clock;
    TimerWheel wheel;
    test::FakeSender sender;
    location::MemoryStore store;
    NoUserDirectory users;
    ProxyConfig config;
    FakeServices services;
    txn::TimerConfig timers;
    std::unique_ptr<LocalDomains> local;
    std::unique_ptr<Core> core;
    std::unique_ptr<txn::TransactionTable> table;
    transport::Source caller;
};

TEST_F(ProxyTest, InviteGoesToTheRegisteredContact) {
    bind("bob", "sip:bob@192.0.2.20:5062");
    receive(invite());
    ASSERT_EQ(responses(100).size(), 1u);
    auto invites = requests(sip::Method::Invite);
    ASSERT_EQ(invites.size(), 1u);
    sip::Message out = sender.message(invites[0]);
    EXPECT_EQ(out.request_uri(), "sip:bob@192.0.2.20:5062");
    EXPECT_EQ(sender.sent[invites[0]].to.remote.to_string(), "192.0.2.20:5062");
    EXPECT_EQ(out.max_forwards(), 69);
    EXPECT_EQ(out.top_via().host, "192.0.2.10");
    EXPECT_TRUE(out.top_via().rfc3261_branch());
    EXPECT_EQ(out.value(sip::HeaderId::RecordRoute), "<sip:192.0.2.10:5060;lr>");
    // The caller's Via now carries received/rport (RFC 3581) for the way back.
    std::vector<std::string_view> vias;
    sip::for_each_list_value(out.headers()[2].value, [&](std::string_view v) {
        vias.push_back(v);
        return true;
    });
    EXPECT_EQ(out.body(), "v=0\n");
    EXPECT_NE(std::string(out.bytes()).find("branch=z9hG4bKcaller1;rport=5060;received=192.0.2.1"),
              std::string::npos)
        << out.bytes();
}

TEST_F(ProxyTest, ProvisionalAndFinalResponsesAreRelayedWithoutOurVia) {
    bind("bob", "sip:bob@192.0.2.20:5062");
    receive(invite());
    std::size_t inv = requests(sip::Method::Invite).at(0);
    respond(inv, 100);  // hop by hop: not relayed
    respond(inv, 180);
    respond(inv, 200);
    auto ringing = responses(180);
    auto ok = responses(200);
    ASSERT_EQ(ringing.size(), 1u);
    ASSERT_EQ(ok.size(), 1u);
    EXPECT_EQ(responses(100).size(), 1u);  // only ours
    sip::Message r = sender.message(ok[0]);
    EXPECT_EQ(r.top_via().branch, "z9hG4bKcaller1");
    EXPECT_EQ(r.count(sip::HeaderId::Via), 1u);
    EXPECT_EQ(sender.sent[ok[0]].to.remote.to_string(), "192.0.2.1:5060");
    EXPECT_EQ(r.value(sip::HeaderId::RecordRoute), "<sip:192.0.2.10:5060;lr>");
}

TEST_F(ProxyTest, AnsweredInviteLetsItsRequestGoAndStillAbsorbsRetransmissions) {
    bind("bob", "sip:bob@192.0.2.20:5062");
    receive(invite());
    std::size_t inv = requests(sip::Method::Invite).at(0);
    respond(inv, 180);
    respond(inv, 200);
    EXPECT_EQ(core->context_count(), 0u);
    const std::string cancel =
        "CANCEL sip:bob@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKcaller1;rport\r\n"
        "Max-Forwards: 70\r\nFrom: \"Alice\" <sip:alice@example.com>;tag=a1\r\n"
        "To: <sip:bob@example.com>\r\nCall-ID: call-1@192.0.2.1\r\nCSeq: 1 CANCEL\r\n"
        "Content-Length: 0\r\n\r\n";
    txn::ServerTransaction* st =
        table->find_invite_for(*sip::parse_message(std::string_view(cancel)));
    ASSERT_NE(st, nullptr);
    EXPECT_TRUE(st->request().bytes().empty());  // the transaction lives on with its key only
    std::size_t before = sender.count();
    receive(invite());  // a retransmission: absorbed, nothing sent
    EXPECT_EQ(sender.count(), before);
    respond(inv, 200);  // the callee retransmits its 2xx: it still goes upstream
    EXPECT_EQ(responses(200).size(), 2u);
    receive(cancel);  // too late to change anything: answered, not forwarded
    EXPECT_EQ(requests(sip::Method::Cancel).size(), 0u);
    EXPECT_EQ(sent_where([](const sip::Message& m) {
                  return m.status() == 200 && m.cseq().method == sip::Method::Cancel;
              }).size(),
              1u);
}

TEST_F(ProxyTest, UnknownUserAndForeignDomain) {
    receive(invite("sip:nobody@example.com"));
    EXPECT_EQ(responses(404).size(), 1u);
    receive(invite("sip:bob@elsewhere.org", {}, "z9hG4bKcaller2"));
    EXPECT_EQ(responses(403).size(), 1u);
    EXPECT_TRUE(requests(sip::Method::Invite).empty());
}

TEST_F(ProxyTest, KnownUserWithoutBindingsIsTemporarilyUnavailable) {
    struct Known : UserDirectory {
        bool exists(std::string_view aor) const override { return aor == "sip:carol@example.com"; }
    } known;
    core = std::make_unique<Core>(Core::Deps{.config = config, .local = *local, .store = store,
                                             .users = known, .clock = clock, .sender = sender,
                                             .timers = wheel, .stages = {}, .observer = nullptr,
                                             .server_header = {}});
    table = std::make_unique<txn::TransactionTable>(sender, wheel, timers, *core, 0);
    core->attach(*table);
    receive(invite("sip:carol@example.com"));
    EXPECT_EQ(responses(480).size(), 1u);
}

TEST_F(ProxyTest, MaxForwardsZeroIsTooManyHops) {
    bind("bob", "sip:bob@192.0.2.20:5062");
    receive(invite("sip:bob@example.com", {}, "z9hG4bKmf", 0));
    EXPECT_EQ(responses(483).size(), 1u);
}

TEST_F(ProxyTest, ParallelForkFirstAnswerWinsAndTheOtherBranchIsCancelled) {
    bind("bob", "sip:bob@192.0.2.20:5062");
    bind("bob", "sip:bob@192.0.2.21:5062");
    receive(invite());
    auto invites = requests(sip::Method::Invite);
    ASSERT_EQ(invites.size(), 2u);
    respond(invites[0], 180, "t1");
    respond(invites[1], 180, "t2");
    respond(invites[1], 200, "t2");
    auto cancels = requests(sip::Method::Cancel);
    ASSERT_EQ(cancels.size(), 1u);
    EXPECT_EQ(sender.sent[cancels[0]].to.remote.to_string(), "192.0.2.20:5062");
    sip::Message cancel = sender.message(cancels[0]);
    EXPECT_EQ(cancel.top_via().branch, sender.message(invites[0]).top_via().branch);
    EXPECT_NE(cancel.first(sip::HeaderId::Reason), nullptr);
    respond(invites[0], 487, "t1");  // the cancelled branch ends; not relayed
    EXPECT_TRUE(responses(487).empty() ||
                sender.message(responses(487).back()).top_via().host == "192.0.2.20");
    EXPECT_EQ(responses(200).size(), 1u);
    advance(40s);
    EXPECT_EQ(core->context_count(), 0u);
}

TEST_F(ProxyTest, BestResponseIsChosenWhenEveryBranchFails) {
    bind("bob", "sip:bob@192.0.2.20:5062");
    bind("bob", "sip:bob@192.0.2.21:5062");
    receive(invite());
    auto invites = requests(sip::Method::Invite);
    respond(invites[0], 486);
    EXPECT_TRUE(responses(486).empty() || sender.sent[responses(486)[0]].to.remote.port() == 5062);
    respond(invites[1], 480);
    // 486 (a specific answer) beats 480; it goes upstream once, the ACKs went downstream.
    auto busy = sent_where([](const sip::Message& m) {
        return m.status() == 486 && m.top_via().branch == "z9hG4bKcaller1";
    });
    EXPECT_EQ(busy.size(), 1u);
    EXPECT_EQ(requests(sip::Method::Ack).size(), 2u);
}

TEST_F(ProxyTest, GlobalFailureEndsTheSearch) {
    bind("bob", "sip:bob@192.0.2.20:5062");
    bind("bob", "sip:bob@192.0.2.21:5062");
    receive(invite());
    auto invites = requests(sip::Method::Invite);
    respond(invites[0], 180, "t1");
    respond(invites[1], 603, "t2");
    EXPECT_EQ(requests(sip::Method::Cancel).size(), 1u);
    respond(invites[0], 487, "t1");
    auto decline = sent_where([](const sip::Message& m) {
        return m.is_response() && m.top_via().branch == "z9hG4bKcaller1" && m.status() >= 300;
    });
    ASSERT_EQ(decline.size(), 1u);
    EXPECT_EQ(sender.message(decline[0]).status(), 603);
}

TEST_F(ProxyTest, SerialForkingByQValue) {
    bind("bob", "sip:bob@192.0.2.20:5062", 500);
    bind("bob", "sip:bob@192.0.2.21:5062", 1000);
    receive(invite());
    auto invites = requests(sip::Method::Invite);
    ASSERT_EQ(invites.size(), 1u);
    EXPECT_EQ(sender.message(invites[0]).request_uri(), "sip:bob@192.0.2.21:5062");
    respond(invites[0], 480);
    invites = requests(sip::Method::Invite);
    ASSERT_EQ(invites.size(), 2u);
    EXPECT_EQ(sender.message(invites[1]).request_uri(), "sip:bob@192.0.2.20:5062");
    respond(invites[1], 200);
    EXPECT_EQ(responses(200).size(), 1u);
}

TEST_F(ProxyTest, CallerCancelsWhileRinging) {
    bind("bob", "sip:bob@192.0.2.20:5062");
    receive(invite());
    std::size_t inv = requests(sip::Method::Invite).at(0);
    respond(inv, 180);
    receive("CANCEL sip:bob@example.com SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKcaller1;rport\r\n"
            "Max-Forwards: 70\r\nFrom: \"Alice\" <sip:alice@example.com>;tag=a1\r\n"
            "To: <sip:bob@example.com>\r\nCall-ID: call-1@192.0.2.1\r\nCSeq: 1 CANCEL\r\n"
            "Content-Length: 0\r\n\r\n");
    auto ok = sent_where([](const sip::Message& m) {
        return m.status() == 200 && m.cseq().method == sip::Method::Cancel;
    });
    EXPECT_EQ(ok.size(), 1u);
    ASSERT_EQ(requests(sip::Method::Cancel).size(), 1u);
    respond(inv, 487);
    auto terminated = sent_where([](const sip::Message& m) {
        return m.status() == 487 && m.top_via().branch == "z9hG4bKcaller1";
    });
    EXPECT_EQ(terminated.size(), 1u);
    EXPECT_EQ(core->context_count(), 0u);
}

TEST_F(ProxyTest, CancelForAnUnknownTransactionIs481) {
    receive("CANCEL sip:bob@example.com SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKnothing\r\n"
            "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>\r\n"
            "Call-ID: x\r\nCSeq: 1 CANCEL\r\n\r\n");
    EXPECT_EQ(responses(481).size(), 1u);
}

TEST_F(ProxyTest, TimerCCancelsABranchThatRingsTooLong) {
    config.timer_c = std::chrono::seconds(10);
    bind("bob", "sip:bob@192.0.2.20:5062");
    receive(invite());
    std::size_t inv = requests(sip::Method::Invite).at(0);
    respond(inv, 180);
    advance(9s);
    EXPECT_TRUE(requests(sip::Method::Cancel).empty());
    advance(1200ms);
    auto cancels = requests(sip::Method::Cancel);
    ASSERT_GE(cancels.size(), 1u);  // and its UDP retransmissions, all the same request
    for (std::size_t i : cancels) {
        EXPECT_EQ(sender.sent[i].bytes, sender.sent[cancels[0]].bytes);
    }
    respond(inv, 487);
    EXPECT_EQ(sent_where([](const sip::Message& m) {
                  return m.status() == 487 && m.top_via().branch == "z9hG4bKcaller1";
              }).size(),
              1u);
}

TEST_F(ProxyTest, NoAnswerAtAllIsATimeout) {
    bind("bob", "sip:bob@192.0.2.20:5062");
    receive(invite());
    advance(32100ms);  // Timer B
    EXPECT_EQ(sent_where([](const sip::Message& m) {
                  return m.status() == 408 && m.top_via().branch == "z9hG4bKcaller1";
              }).size(),
              1u);
    EXPECT_EQ(core->context_count(), 0u);
}

TEST_F(ProxyTest, TimerCEndsABranchThatNeverAnswersAndFreesItsContext) {
    // The context ends inside Timer C's own event: nothing else reaches it afterwards.
    config.timer_c = std::chrono::seconds(10);
    bind("bob", "sip:bob@192.0.2.20:5062");
    receive(invite());
    advance(10200ms);
    EXPECT_EQ(sent_where([](const sip::Message& m) {
                  return m.status() == 408 && m.top_via().branch == "z9hG4bKcaller1";
              }).size(),
              1u);
    EXPECT_EQ(core->context_count(), 0u);
}

TEST_F(ProxyTest, LoopIsDetected) {
    // An AOR whose contact is the proxy itself: the request keeps coming back.
    ASSERT_TRUE(store.update("sip:bob@192.0.2.10", 0, [](const std::vector<location::Binding>&)
                                 -> Result<std::vector<location::Binding>> {
        location::Binding b;
        b.aor = "sip:bob@192.0.2.10";
        b.contact = "sip:bob@192.0.2.10:5060";
        b.expires_at = 1LL << 40;
        return std::vector<location::Binding>{b};
    }).has_value());
    receive(invite("sip:bob@192.0.2.10"));
    std::size_t first = requests(sip::Method::Invite).at(0);
    std::string looped(sender.sent[first].bytes);
    transport::Source self{Transport::Udp, *transport::Endpoint::from("192.0.2.10", 5060), 0, 0};
    receive(looped, self);
    std::size_t second = requests(sip::Method::Invite).at(1);
    receive(std::string(sender.sent[second].bytes), self);
    EXPECT_EQ(responses(482).size(), 1u);
}

TEST_F(ProxyTest, InDialogRequestFollowsOurRouteToTheRequestUri) {
    receive("BYE sip:alice@192.0.2.1:5060 SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 192.0.2.20:5062;branch=z9hG4bKbye1\r\n"
            "Route: <sip:192.0.2.10:5060;lr>\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:bob@example.com>;tag=b1\r\n"
            "To: \"Alice\" <sip:alice@example.com>;tag=a1\r\nCall-ID: call-1@192.0.2.1\r\n"
            "CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
            transport::Source{Transport::Udp, *transport::Endpoint::from("192.0.2.20", 5062), 0, 0});
    auto byes = requests(sip::Method::Bye);
    ASSERT_EQ(byes.size(), 1u);
    sip::Message out = sender.message(byes[0]);
    EXPECT_EQ(out.first(sip::HeaderId::Route), nullptr);
    EXPECT_EQ(out.request_uri(), "sip:alice@192.0.2.1:5060");
    EXPECT_EQ(sender.sent[byes[0]].to.remote.to_string(), "192.0.2.1:5060");
    EXPECT_EQ(out.first(sip::HeaderId::RecordRoute), nullptr);
    respond(byes[0], 200);
    EXPECT_EQ(responses(200).size(), 1u);
}

TEST_F(ProxyTest, NextRouteAfterOursIsTheNextHop) {
    receive("MESSAGE sip:carol@far.example.net SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKm1\r\n"
            "Route: <sip:192.0.2.10:5060;lr>, <sip:198.51.100.9:5070;lr>\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\n"
            "To: <sip:carol@far.example.net>\r\nCall-ID: m1\r\nCSeq: 1 MESSAGE\r\n"
            "Content-Length: 0\r\n\r\n");
    auto msgs = requests(sip::Method::Message);
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(sender.sent[msgs[0]].to.remote.to_string(), "198.51.100.9:5070");
    EXPECT_EQ(sender.message(msgs[0]).value(sip::HeaderId::Route), "<sip:198.51.100.9:5070;lr>");
}

TEST_F(ProxyTest, TransportChangeGetsTwoRecordRoutes) {
    bind("bob", "sip:bob@192.0.2.20:5062;transport=tcp");
    receive(invite());
    auto invites = requests(sip::Method::Invite);
    ASSERT_EQ(invites.size(), 1u);
    EXPECT_EQ(sender.sent[invites[0]].to.transport, Transport::Tcp);
    sip::Message out = sender.message(invites[0]);
    // The callee's side faces TCP (and names the connection as a flow); the caller's UDP.
    std::vector<std::string_view> rr;
    sip::for_each_list_value(out.value(sip::HeaderId::RecordRoute), [&](std::string_view v) {
        rr.push_back(v);
        return true;
    });
    ASSERT_EQ(rr.size(), 2u);
    EXPECT_TRUE(rr[0].ends_with("@192.0.2.10:5060;transport=tcp;lr>")) << rr[0];
    EXPECT_EQ(rr[1], "<sip:192.0.2.10:5060;lr>");
    EXPECT_EQ(out.top_via().transport, "TCP");
    EXPECT_NE(out.first(sip::HeaderId::ContentLength), nullptr);
}

TEST_F(ProxyTest, CallerBehindNatGetsAFlowTokenItsPeerRoutesBackThrough) {
    bind("bob", "sip:bob@192.0.2.20:5062");
    // The caller's Contact names a private address it cannot be reached at.
    receive(invite("sip:bob@example.com", {}, "z9hG4bKnat", 70, "<sip:alice@10.0.0.5:5060>"));
    sip::Message out = sender.message(requests(sip::Method::Invite).at(0));
    std::vector<std::string_view> rr;
    sip::for_each_list_value(out.value(sip::HeaderId::RecordRoute), [&](std::string_view v) {
        rr.push_back(v);
        return true;
    });
    ASSERT_EQ(rr.size(), 2u);
    std::string flow = encode_flow({Transport::Udp, caller.remote, 0, 0});
    EXPECT_EQ(rr[1], "<sip:" + flow + "@192.0.2.10:5060;lr>");
    // bob hangs up: his BYE carries the route set as he learned it from the Record-Route.
    receive(fmt::format("BYE sip:alice@10.0.0.5:5060 SIP/2.0\r\n"
                        "Via: SIP/2.0/UDP 192.0.2.20:5062;branch=z9hG4bKbye2\r\n"
                        "Route: {}, {}\r\nMax-Forwards: 70\r\nFrom: <sip:bob@example.com>;tag=b1\r\n"
                        "To: <sip:alice@example.com>;tag=a1\r\nCall-ID: call-1@192.0.2.1\r\n"
                        "CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
                        rr[0], rr[1]),
            transport::Source{Transport::Udp, *transport::Endpoint::from("192.0.2.20", 5062), 0, 0});
    auto byes = requests(sip::Method::Bye);
    ASSERT_EQ(byes.size(), 1u);
    EXPECT_EQ(sender.sent[byes[0]].to.remote.to_string(), "192.0.2.1:5060");
    EXPECT_EQ(sender.message(byes[0]).request_uri(), "sip:alice@10.0.0.5:5060");
}

TEST_F(ProxyTest, NatedContactIsReachedAtItsSourceAddress) {
    bind("bob", "sip:bob@10.0.0.7:5060", -1, "udp:198.51.100.7:40123");
    receive(invite());
    auto invites = requests(sip::Method::Invite);
    ASSERT_EQ(invites.size(), 1u);
    EXPECT_EQ(sender.sent[invites[0]].to.remote.to_string(), "198.51.100.7:40123");
    EXPECT_EQ(sender.message(invites[0]).request_uri(), "sip:bob@10.0.0.7:5060");
}

TEST_F(ProxyTest, OptionsToTheServerItself) {
    receive("OPTIONS sip:192.0.2.10:5060 SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKo1\r\n"
            "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:192.0.2.10>\r\n"
            "Call-ID: o1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 0\r\n\r\n");
    auto ok = responses(200);
    ASSERT_EQ(ok.size(), 1u);
    EXPECT_NE(sender.message(ok[0]).first(sip::HeaderId::Allow), nullptr);
    receive("INFO sip:192.0.2.10:5060 SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKo2\r\n"
            "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:192.0.2.10>\r\n"
            "Call-ID: o2\r\nCSeq: 1 INFO\r\n\r\n");
    EXPECT_EQ(responses(405).size(), 1u);
}

TEST_F(ProxyTest, RedirectModeAnswers302WithTheContacts) {
    config.mode = Mode::Redirect;
    bind("bob", "sip:bob@192.0.2.20:5062", 700);
    receive(invite());
    auto moved = responses(302);
    ASSERT_EQ(moved.size(), 1u);
    EXPECT_EQ(sender.message(moved[0]).value(sip::HeaderId::Contact), "<sip:bob@192.0.2.20:5062>;q=0.700");
    EXPECT_TRUE(requests(sip::Method::Invite).empty());
}

TEST_F(ProxyTest, RedirectPerDomainAnswers302OnlyForThatDomain) {
    local = std::make_unique<LocalDomains>(std::vector<std::string>{"example.com", "example.org"},
                                           sender);
    config.domains["example.org"] = Mode::Redirect;
    make_core();
    bind("bob", "sip:bob@192.0.2.20:5062");
    auto org = store.update("sip:bob@example.org", clock.unix_seconds(),
                            [&](const std::vector<location::Binding>&)
                                -> Result<std::vector<location::Binding>> {
                                location::Binding b;
                                b.aor = "sip:bob@example.org";
                                b.contact = "sip:bob@192.0.2.21:5062";
                                b.expires_at = clock.unix_seconds() + 3600;
                                b.call_id = "reg-org";
                                return std::vector<location::Binding>{b};
                            });
    ASSERT_TRUE(org.has_value());
    receive(invite("sip:bob@EXAMPLE.org"));
    auto moved = responses(302);
    ASSERT_EQ(moved.size(), 1u);
    EXPECT_EQ(sender.message(moved[0]).value(sip::HeaderId::Contact), "<sip:bob@192.0.2.21:5062>");
    EXPECT_TRUE(requests(sip::Method::Invite).empty());
    receive(invite("sip:bob@example.com", {}, "z9hG4bKcaller2"));
    auto invites = requests(sip::Method::Invite);
    ASSERT_EQ(invites.size(), 1u);
    EXPECT_EQ(sender.message(invites[0]).request_uri(), "sip:bob@192.0.2.20:5062");
    EXPECT_EQ(responses(302).size(), 1u);
}

TEST_F(ProxyTest, RedirectSendsTheCallerToTheForwardingTarget) {
    config.domains["example.com"] = Mode::Redirect;
    bind("bob", "sip:bob@192.0.2.20:5062");
    services.policies["sip:bob@example.com"] =
        CalleePolicy{.known = true, .always = Forward{"sip:carol@example.net", "always"}};
    services.policies["sip:dave@example.com"] = CalleePolicy{
        .known = true, .on_unavailable = Forward{"sip:erin@example.net", "unavailable"}};
    receive(invite());
    receive(invite("sip:dave@example.com", {}, "z9hG4bKcaller2"));
    auto moved = responses(302);
    ASSERT_EQ(moved.size(), 2u);
    EXPECT_EQ(sender.message(moved[0]).value(sip::HeaderId::Contact), "<sip:carol@example.net>");
    EXPECT_EQ(sender.message(moved[1]).value(sip::HeaderId::Contact), "<sip:erin@example.net>");
    EXPECT_TRUE(requests(sip::Method::Invite).empty());
}

TEST_F(ProxyTest, StatelessPerDomainSkipsTransactionsOnlyForThatDomain) {
    config.domains["example.com"] = Mode::Stateless;
    auto ours = sip::parse_message(std::string_view(invite()));
    auto other = sip::parse_message(std::string_view(invite("sip:bob@example.net")));
    ASSERT_TRUE(ours.has_value() && other.has_value());
    EXPECT_FALSE(core->wants_transaction(*ours));
    EXPECT_TRUE(core->wants_transaction(*other));
}

TEST_F(ProxyTest, StatelessModeRelaysWithTheSameBranchEachTime) {
    config.mode = Mode::Stateless;
    bind("bob", "sip:bob@192.0.2.20:5062");
    auto msg = sip::parse_message(std::string_view(invite()));
    ASSERT_TRUE(core->wants_transaction(*msg) == false);
    core->on_stateless_request(*msg, caller);
    core->on_stateless_request(*msg, caller);  // a retransmission
    auto invites = requests(sip::Method::Invite);
    ASSERT_EQ(invites.size(), 2u);
    EXPECT_EQ(sender.message(invites[0]).top_via().branch, sender.message(invites[1]).top_via().branch);
    EXPECT_TRUE(responses(100).empty());
    // The answer comes back statelessly by the Via.
    respond(invites[0], 180);
    ASSERT_EQ(responses(180).size(), 1u);
    EXPECT_EQ(sender.sent[responses(180)[0]].to.remote.to_string(), "192.0.2.1:5060");
}


TEST_F(ProxyTest, DoNotDisturbRefusesWithoutRinging) {
    bind("bob", "sip:bob@192.0.2.20:5062");
    services.policies["sip:bob@example.com"] = CalleePolicy{.known = true, .refuse_status = 486,
                                                           .refuse_detail = "do not disturb"};
    receive(invite());
    auto busy = responses(486);
    ASSERT_EQ(busy.size(), 1u);
    EXPECT_EQ(sender.message(busy[0]).reason(), "Busy Here (do not disturb)");
    EXPECT_TRUE(requests(sip::Method::Invite).empty());
}

TEST_F(ProxyTest, ForwardAlwaysRingsTheTargetWithADiversion) {
    bind("bob", "sip:bob@192.0.2.20:5062");
    bind("carol", "sip:carol@192.0.2.30:5064");
    services.policies["sip:bob@example.com"] =
        CalleePolicy{.known = true, .always = Forward{"sip:carol@example.com", "always"}};
    receive(invite());
    auto invites = requests(sip::Method::Invite);
    ASSERT_EQ(invites.size(), 1u);
    sip::Message out = sender.message(invites[0]);
    EXPECT_EQ(out.request_uri(), "sip:carol@192.0.2.30:5064");
    EXPECT_EQ(out.value(sip::HeaderId::To), "<sip:bob@example.com>");
    ASSERT_NE(out.find("Diversion"), nullptr);
    EXPECT_EQ(out.find("Diversion")->value, "<sip:bob@example.com>;reason=unconditional;counter=1");
}

TEST_F(ProxyTest, ForwardOnBusyTriesTheTargetInsteadOfRelayingTheBusy) {
    bind("bob", "sip:bob@192.0.2.20:5062");
    bind("carol", "sip:carol@192.0.2.30:5064");
    services.policies["sip:bob@example.com"] =
        CalleePolicy{.known = true, .on_busy = Forward{"sip:carol@example.com", "busy"}};
    receive(invite());
    respond(requests(sip::Method::Invite).at(0), 486);
    auto invites = requests(sip::Method::Invite);
    ASSERT_EQ(invites.size(), 2u);
    EXPECT_EQ(sender.message(invites[1]).request_uri(), "sip:carol@192.0.2.30:5064");
    EXPECT_NE(std::string(sender.message(invites[1]).bytes()).find("reason=user-busy"),
              std::string::npos);
    EXPECT_TRUE(sent_where([](const sip::Message& m) {
                    return m.status() == 486 && m.top_via().branch == "z9hG4bKcaller1";
                }).empty());
    respond(invites[1], 200);
    EXPECT_EQ(responses(200).size(), 1u);
}

TEST_F(ProxyTest, ForwardOnNoAnswerCancelsTheRingingPhone) {
    bind("bob", "sip:bob@192.0.2.20:5062");
    bind("carol", "sip:carol@192.0.2.30:5064");
    services.policies["sip:bob@example.com"] = CalleePolicy{
        .known = true, .on_no_answer = Forward{"sip:carol@example.com", "no-answer"},
        .no_answer_after = 5};
    receive(invite());
    std::size_t first = requests(sip::Method::Invite).at(0);
    respond(first, 180);
    advance(4s);
    EXPECT_EQ(requests(sip::Method::Invite).size(), 1u);
    advance(1200ms);
    auto invites = requests(sip::Method::Invite);
    ASSERT_EQ(invites.size(), 2u);
    EXPECT_EQ(sender.message(invites[1]).request_uri(), "sip:carol@192.0.2.30:5064");
    EXPECT_FALSE(requests(sip::Method::Cancel).empty());
    respond(first, 487);  // bob's phone stops: not relayed, the call goes on at carol
    EXPECT_TRUE(responses(487).empty() ||
                sender.message(responses(487).back()).top_via().branch != "z9hG4bKcaller1");
    respond(invites[1], 200, "c1");
    EXPECT_EQ(responses(200).size(), 1u);
}

TEST_F(ProxyTest, ForwardWhenUnavailableAndLoopsStop) {
    bind("carol", "sip:carol@192.0.2.30:5064");
    services.policies["sip:bob@example.com"] =
        CalleePolicy{.known = true, .on_unavailable = Forward{"sip:carol@example.com", "unavailable"}};
    receive(invite());
    auto invites = requests(sip::Method::Invite);
    ASSERT_EQ(invites.size(), 1u);
    EXPECT_EQ(sender.message(invites[0]).request_uri(), "sip:carol@192.0.2.30:5064");
    // A user forwarding to itself gets no ringing loop: the caller is told it is unavailable.
    services.policies["sip:dave@example.com"] =
        CalleePolicy{.known = true, .always = Forward{"sip:dave@example.com", "always"}};
    receive(invite("sip:dave@example.com", {}, "z9hG4bKloop"));
    EXPECT_EQ(responses(480).size(), 1u);
}

TEST_F(ProxyTest, TranslatedAndExplainedPhrases) {
    sip::PhraseTable slovak = *phrases::builtin("sk");
    slovak.rewrite_relayed = true;
    slovak.set_explanation(404, "No such user on this exchange");
    table->set_phrases(slovak, "switchboard");
    receive(invite("sip:nobody@example.com"));
    auto missing = responses(404);
    ASSERT_EQ(missing.size(), 1u);
    sip::Message r = sender.message(missing[0]);
    EXPECT_EQ(r.reason(), "Nenájdené");
    EXPECT_EQ(r.value(sip::HeaderId::Warning), "399 switchboard \"No such user on this exchange\"");
    bind("bob", "sip:bob@192.0.2.20:5062");
    receive(invite("sip:bob@example.com", {}, "z9hG4bKsk"));
    respond(requests(sip::Method::Invite).at(0), 486);
    auto busy = sent_where([](const sip::Message& m) {
        return m.status() == 486 && m.top_via().branch == "z9hG4bKsk";
    });
    ASSERT_EQ(busy.size(), 1u);
    EXPECT_EQ(sender.message(busy[0]).reason(), "Obsadené");
}

TEST(BetterResponse, FollowsSection16_7) {
    EXPECT_TRUE(better_response(486, 0));
    EXPECT_TRUE(better_response(603, 486));
    EXPECT_FALSE(better_response(486, 603));
    EXPECT_TRUE(better_response(302, 486));
    EXPECT_TRUE(better_response(486, 480));
    EXPECT_TRUE(better_response(480, 408));
    EXPECT_TRUE(better_response(407, 486));
    EXPECT_TRUE(better_response(486, 503));
}

TEST(FlowToken, RoundTrips) {
    for (const char* ip : {"192.0.2.1", "2001:db8::7"}) {
        transport::Destination d{Transport::Tcp, *transport::Endpoint::from(ip, 5070), 0, 0};
        auto back = decode_flow(encode_flow(d));
        ASSERT_TRUE(back.has_value()) << encode_flow(d);
        EXPECT_EQ(back->transport, Transport::Tcp);
        EXPECT_EQ(back->remote, d.remote);
    }
    EXPECT_FALSE(decode_flow("sbfuzz").has_value());
    EXPECT_FALSE(decode_flow("alice").has_value());
}

}  // namespace
}  // namespace sb::proxy
