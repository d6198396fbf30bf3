// The four RFC 3261 §17 machines, driven on a manual clock: retransmissions, absorption,
// timeouts and the ACK/CANCEL the client INVITE builds.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "base/timer_wheel.h"
#include "sip/parser.h"
#include "support/fake_sender.h"
#include "support/manual_clock.h"
#include "txn/table.h"

namespace sb::txn {
namespace {

using namespace std::chrono_literals;

std::string request(std::string_view method, std::string_view branch, std::string_view extra = {},
                    std::uint32_t cseq = 1, std::string_view cseq_method = {}) {
    return fmt::format(
        "{0} sip:bob@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.1:5060;branch={1}\r\n"
        "Max-Forwards: 70\r\n"
        "To: <sip:bob@example.com>{2}\r\n"
        "From: <sip:alice@example.com>;tag=a1\r\n"
        "Call-ID: call-1\r\n"
        "CSeq: {3} {4}\r\n"
        "Content-Length: 0\r\n\r\n",
        method, branch, extra, cseq, cseq_method.empty() ? method : cseq_method);
}

std::string response_to(const std::string& req, int status, std::string_view to_tag = "b1") {
    auto m = sip::parse_message(std::string_view(req));
    EXPECT_TRUE(m.has_value());
    std::string via(m->top_via().text);
    return fmt::format(
        "SIP/2.0 {} Whatever\r\nVia: {}\r\nTo: <sip:bob@example.com>;tag={}\r\n"
        "From: <sip:alice@example.com>;tag=a1\r\nCall-ID: call-1\r\nCSeq: {} {}\r\n"
        "Content-Length: 0\r\n\r\n",
        status, via, to_tag, m->cseq().number, m->cseq().method_text);
}

sip::Message parse(const std::string& text) {
    auto m = sip::parse_message(std::string_view(text));
    EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().text());
    return std::move(*m);
}

struct RecordingUser : ServerUser, ClientUser {
    void on_request(ServerTransaction& st) override {
        requests.push_back(st.id());
        if (auto_status != 0) {
            st.respond(auto_status);
        }
    }
    void on_stray_ack(const sip::Message&, const transport::Source&) override { ++stray_acks; }
    void on_server_failure(ServerTransaction&) override { ++server_failures; }
    void on_response(ClientTransaction&, const sip::Message& r, const transport::Source&) override {
        responses.push_back(r.status());
    }
    void on_timeout(ClientTransaction&) override { ++timeouts; }
    void on_transport_error(ClientTransaction&) override { ++transport_errors; }

    int auto_status = 0;
    std::vector<TxnId> requests;
    std::vector<int> responses;
    int stray_acks = 0;
    int server_failures = 0;
    int timeouts = 0;
    int transport_errors = 0;
};

class TransactionTest : public ::testing::Test {
protected:
    TransactionTest() : wheel(clock), table(sender, wheel, config, user, 3) {
        source.transport = transport::Transport::Udp;
        source.remote = *transport::Endpoint::from("192.0.2.1", 5060);
        source.listener = 0;
        to.transport = transport::Transport::Udp;
        to.remote = *transport::Endpoint::from("192.0.2.9", 5062);
    }

    void advance(Duration d) {
        // Step in small increments, as a running loop would.
        for (Duration done = 0ms; done < d; done += 10ms) {
            clock.advance(10ms);
            wheel.advance();
        }
    }

    void receive(const std::string& text) { table.on_request(parse(text), source); }

    test::ManualClock clock;
    TimerWheel wheel;
    TimerConfig config;
    test::FakeSender sender;
    RecordingUser user;
    TransactionTable table;
    transport::Source source;
    transport::Destination to;
};

TEST_F(TransactionTest, NonInviteServerAbsorbsRetransmissionsAndResendsTheFinalResponse) {
    std::string req = request("OPTIONS", "z9hG4bKn1");
    receive(req);
    ASSERT_EQ(user.requests.size(), 1u);
    receive(req);  // Trying: nothing to resend, nothing new for the TU
    EXPECT_EQ(user.requests.size(), 1u);
    EXPECT_EQ(sender.count(), 0u);
    table.find_server(user.requests[0])->respond(200);
    EXPECT_EQ(sender.count(), 1u);
    receive(req);  // Completed: the 200 again
    ASSERT_EQ(sender.count(), 2u);
    EXPECT_EQ(sender.sent[0].bytes, sender.sent[1].bytes);
    EXPECT_EQ(user.requests.size(), 1u);
    advance(config.timer_j(false) + 20ms);  // Timer J ends it
    EXPECT_EQ(table.server_count(), 0u);
    receive(req);  // now it is a new request again
    EXPECT_EQ(user.requests.size(), 2u);
}

TEST_F(TransactionTest, CompletedNonInviteServerKeepsOnlyItsResponse) {
    std::string req = request("REGISTER", "z9hG4bKn2");
    receive(req);
    ASSERT_EQ(user.requests.size(), 1u);
    ServerTransaction* st = table.find_server(user.requests[0]);
    st->respond(200);
    EXPECT_FALSE(st->request().bytes().empty());  // whoever answered may still read it
    advance(config.t1 + 20ms);
    ASSERT_EQ(table.server_count(), 1u);
    EXPECT_TRUE(st->request().bytes().empty());  // released: Completed needs only the 200
    EXPECT_TRUE(st->response_via().empty());
    receive(req);
    ASSERT_EQ(sender.count(), 2u);
    EXPECT_EQ(sender.sent[0].bytes, sender.sent[1].bytes);
    EXPECT_EQ(user.requests.size(), 1u);
    advance(config.timer_j(false) - config.t1 - 100ms);
    EXPECT_EQ(table.server_count(), 1u);  // Timer J in all is still 64*T1
    advance(200ms);
    EXPECT_EQ(table.server_count(), 0u);
}

TEST_F(TransactionTest, ResponsesToLateRetransmissionsGoWhereTheFirstWent) {
    // The request is released after T1; where its responses go must not depend on it.
    source.remote = *transport::Endpoint::from("198.51.100.7", 40001);
    const std::string with_rport =
        "REGISTER sip:b SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bKlate1;rport\r\n"
        "To: <sip:a@b>\r\nFrom: <sip:a@b>;tag=1\r\nCall-ID: late1\r\nCSeq: 1 REGISTER\r\n\r\n";
    const std::string without_rport =
        "REGISTER sip:b SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKlate2\r\n"
        "To: <sip:a@b>\r\nFrom: <sip:a@b>;tag=1\r\nCall-ID: late2\r\nCSeq: 1 REGISTER\r\n\r\n";
    user.auto_status = 200;
    receive(with_rport);
    receive(without_rport);
    ASSERT_EQ(sender.count(), 2u);
    advance(config.t1 + 20ms);
    receive(with_rport);
    receive(without_rport);
    ASSERT_EQ(sender.count(), 4u);
    EXPECT_EQ(user.requests.size(), 2u);
    EXPECT_EQ(sender.sent[2].to.remote.to_string(), "198.51.100.7:40001");
    EXPECT_EQ(sender.sent[3].to.remote.to_string(), "198.51.100.7:5070");
    EXPECT_EQ(sender.sent[2].bytes, sender.sent[0].bytes);
    EXPECT_EQ(sender.sent[3].bytes, sender.sent[1].bytes);
}

TEST_F(TransactionTest, ResponsesGoToTheSentByPortWithoutRport) {
    source.remote.set_port(40000);
    user.auto_status = 200;
    receive(request("OPTIONS", "z9hG4bKport"));
    ASSERT_EQ(sender.count(), 1u);
    EXPECT_EQ(sender.sent[0].to.remote.port(), 5060);
    sip::Message r = sender.message(0);
    EXPECT_EQ(r.top_via().received, std::nullopt);  // sent-by host matches the source address
}

TEST_F(TransactionTest, RportIsFilledAndUsed) {
    source.remote = *transport::Endpoint::from("198.51.100.7", 40001);
    user.auto_status = 200;
    receive(fmt::format("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKr;rport\r\n"
                        "To: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: r1\r\nCSeq: 1 OPTIONS\r\n\r\n"));
    ASSERT_EQ(sender.count(), 1u);
    EXPECT_EQ(sender.sent[0].to.remote.to_string(), "198.51.100.7:40001");
    sip::Message r = sender.message(0);
    EXPECT_EQ(r.top_via().rport, "40001");
    EXPECT_EQ(r.top_via().received, "198.51.100.7");
}

TEST_F(TransactionTest, InviteServerRetransmitsNonSuccessUntilAck) {
    std::string invite = request("INVITE", "z9hG4bKi1");
    receive(invite);
    ServerTransaction* st = table.find_server(user.requests.at(0));
    ASSERT_NE(st, nullptr);
    st->respond(100);
    receive(invite);  // Proceeding: resend the 100
    EXPECT_EQ(sender.count(), 2u);
    st->respond(486);
    EXPECT_EQ(st->state(), State::Completed);
    sender.clear();
    advance(500ms + 10ms);  // Timer G: T1
    EXPECT_EQ(sender.count(), 1u);
    advance(1000ms);  // then 2*T1
    EXPECT_EQ(sender.count(), 2u);
    sip::Message resent = sender.message(1);
    EXPECT_EQ(resent.status(), 486);
    // The ACK (same branch) stops the retransmissions; it does not reach the TU.
    std::string ack = request("ACK", "z9hG4bKi1", ";tag=" + st->local_tag());
    receive(ack);
    EXPECT_EQ(st->state(), State::Confirmed);
    EXPECT_EQ(user.stray_acks, 0);
    sender.clear();
    advance(5s);
    EXPECT_EQ(sender.count(), 0u);
    EXPECT_EQ(table.server_count(), 0u);  // Timer I (T4) ended it
}

TEST_F(TransactionTest, InviteServerTimerHReportsAMissingAck) {
    receive(request("INVITE", "z9hG4bKh"));
    table.find_server(user.requests.at(0))->respond(603);
    advance(config.timer_h() + 20ms);
    EXPECT_EQ(user.server_failures, 1);
    EXPECT_EQ(table.server_count(), 0u);
}

TEST_F(TransactionTest, InviteServerAcceptedAbsorbsRetransmissionsAndPassesAcksUp) {
    std::string invite = request("INVITE", "z9hG4bKacc");
    receive(invite);
    ServerTransaction* st = table.find_server(user.requests.at(0));
    st->respond(200);
    EXPECT_EQ(st->state(), State::Accepted);
    std::size_t sent = sender.count();
    receive(invite);
    EXPECT_EQ(sender.count(), sent);  // RFC 6026: the TU retransmits 2xx, not the transaction
    receive(request("ACK", "z9hG4bKnewbranch", ";tag=x"));
    EXPECT_EQ(user.stray_acks, 1);
    // A second 2xx (another fork's answer) may still be sent; a 4xx may not.
    st->send_response(response_to(invite, 200, "other"), 200);
    EXPECT_EQ(sender.count(), sent + 1);
    st->send_response(response_to(invite, 486), 486);
    EXPECT_EQ(sender.count(), sent + 1);
    advance(config.timer_l() + 20ms);
    EXPECT_EQ(table.server_count(), 0u);
}

TEST_F(TransactionTest, Rfc2543RequestsMatchWithoutACookie) {
    std::string req = request("OPTIONS", "oldbranch");
    receive(req);
    receive(req);
    EXPECT_EQ(user.requests.size(), 1u);
    receive(request("OPTIONS", "oldbranch", {}, 2));  // a new CSeq is a new request
    EXPECT_EQ(user.requests.size(), 2u);
}

TEST_F(TransactionTest, CancelFindsItsInvite) {
    receive(request("INVITE", "z9hG4bKc1"));
    receive(request("CANCEL", "z9hG4bKc1"));
    ASSERT_EQ(user.requests.size(), 2u);
    ServerTransaction* cancel = table.find_server(user.requests[1]);
    ServerTransaction* invite = table.find_invite_for(cancel->request());
    ASSERT_NE(invite, nullptr);
    EXPECT_EQ(invite->id(), user.requests[0]);
}

TEST_F(TransactionTest, ClientInviteRetransmitsUntilProvisionalAndTimesOutWithTimerB) {
    std::string branch = table.new_branch();
    EXPECT_EQ(TransactionTable::owner_of_branch(branch), 3);
    ClientTransaction* ct = table.start_client(request("INVITE", branch), to, user, 7);
    ASSERT_NE(ct, nullptr);
    EXPECT_EQ(ct->token(), 7u);
    EXPECT_EQ(sender.count(), 1u);
    advance(500ms + 10ms);
    EXPECT_EQ(sender.count(), 2u);  // Timer A: T1
    advance(1000ms);
    EXPECT_EQ(sender.count(), 3u);  // 2*T1
    advance(config.timer_b());
    EXPECT_EQ(user.timeouts, 1);
    EXPECT_EQ(table.client_count(), 0u);
}

TEST_F(TransactionTest, ClientInviteAcknowledgesAFailureHopByHop) {
    std::string branch = table.new_branch();
    std::string invite = request("INVITE", branch, {}, 5);
    table.start_client(invite, to, user, 0);
    EXPECT_TRUE(table.on_response(parse(response_to(invite, 180)), source));
    advance(2s);
    EXPECT_EQ(sender.count(), 1u);  // no retransmission after a provisional
    EXPECT_TRUE(table.on_response(parse(response_to(invite, 486)), source));
    EXPECT_EQ(user.responses, (std::vector<int>{180, 486}));
    ASSERT_EQ(sender.count(), 2u);
    sip::Message ack = sender.message(1);
    EXPECT_EQ(ack.method(), sip::Method::Ack);
    EXPECT_EQ(ack.top_via().branch, branch);
    EXPECT_EQ(ack.to_tag(), "b1");
    EXPECT_EQ(ack.cseq().number, 5u);
    EXPECT_EQ(ack.request_uri(), "sip:bob@example.com");
    // A retransmitted 486 is acknowledged again and not passed up.
    table.on_response(parse(response_to(invite, 486)), source);
    EXPECT_EQ(sender.count(), 3u);
    EXPECT_EQ(user.responses.size(), 2u);
}

TEST_F(TransactionTest, ClientInviteBuildsItsCancel) {
    std::string branch = table.new_branch();
    auto* ct = static_cast<ClientInvite*>(
        table.start_client(request("INVITE", branch, {}, 9), to, user, 0));
    sip::Message cancel = parse(ct->build_cancel("SIP;cause=200;text=\"Call completed elsewhere\""));
    EXPECT_EQ(cancel.method(), sip::Method::Cancel);
    EXPECT_EQ(cancel.top_via().branch, branch);
    EXPECT_EQ(cancel.cseq().number, 9u);
    EXPECT_EQ(cancel.cseq().method, sip::Method::Cancel);
    EXPECT_EQ(cancel.to_tag(), "");
    EXPECT_NE(cancel.first(sip::HeaderId::Reason), nullptr);
}

TEST_F(TransactionTest, ClientInviteHasNothingToCancelOnceAFinalResponseCame) {
    // The request's bytes are let go with the final response: an answered call's transaction
    // lives on for Timer M without them.
    for (int status : {200, 486}) {
        std::string invite = request("INVITE", table.new_branch());
        auto* ct = static_cast<ClientInvite*>(table.start_client(invite, to, user, 0));
        table.on_response(parse(response_to(invite, 180)), source);
        EXPECT_FALSE(ct->build_cancel().empty());
        table.on_response(parse(response_to(invite, status)), source);
        EXPECT_EQ(ct->build_cancel(), "") << status;
    }
}

TEST_F(TransactionTest, ClientInvitePassesForkedSuccessesUp) {
    std::string branch = table.new_branch();
    std::string invite = request("INVITE", branch);
    table.start_client(invite, to, user, 0);
    table.on_response(parse(response_to(invite, 200, "x1")), source);
    table.on_response(parse(response_to(invite, 200, "x2")), source);
    EXPECT_EQ(user.responses, (std::vector<int>{200, 200}));
    advance(config.timer_m() + 20ms);
    EXPECT_EQ(table.client_count(), 0u);
}

TEST_F(TransactionTest, ClientNonInviteBacksOffToT2AndTimesOutWithTimerF) {
    table.start_client(request("MESSAGE", table.new_branch()), to, user, 0);
    // Retransmissions at 0.5, 1.5, 3.5, 7.5, 11.5, 15.5 ... (capped at T2 = 4 s).
    advance(7600ms);
    EXPECT_EQ(sender.count(), 5u);
    advance(4000ms);
    EXPECT_EQ(sender.count(), 6u);
    advance(config.timer_f());
    EXPECT_EQ(user.timeouts, 1);
}

TEST_F(TransactionTest, ClientNonInviteCompletesOnFinalAndAbsorbsRetransmissions) {
    std::string req = request("BYE", table.new_branch());
    table.start_client(req, to, user, 0);
    table.on_response(parse(response_to(req, 200)), source);
    table.on_response(parse(response_to(req, 200)), source);
    EXPECT_EQ(user.responses, (std::vector<int>{200}));
    advance(6s);
    EXPECT_EQ(sender.count(), 1u);
    EXPECT_EQ(table.client_count(), 0u);
}

TEST_F(TransactionTest, OverStreamsThereAreNoRetransmissionsAndNoWaiting) {
    to.transport = transport::Transport::Tcp;
    std::string req = request("BYE", table.new_branch());
    table.start_client(req, to, user, 0);
    advance(3s);
    EXPECT_EQ(sender.count(), 1u);
    table.on_response(parse(response_to(req, 200)), source);
    advance(20ms);
    EXPECT_EQ(table.client_count(), 0u);  // Timer K is 0
}

TEST_F(TransactionTest, SendFailureIsATransportError) {
    sender.fail_sends(true);
    EXPECT_NE(table.start_client(request("BYE", table.new_branch()), to, user, 0), nullptr);
    EXPECT_EQ(user.transport_errors, 1);
    advance(20ms);
    EXPECT_EQ(table.client_count(), 0u);
}

TEST_F(TransactionTest, UnmatchedResponsesAreReported) {
    EXPECT_FALSE(table.on_response(parse(response_to(request("BYE", "z9hG4bKnone"), 200)), source));
}

TEST(TimerConfig, TimersMayFireATenthOfT1Late) {
    using std::chrono::milliseconds;
    EXPECT_EQ(TimerConfig{}.resolution(), milliseconds(50));
    EXPECT_EQ(TimerConfig{.t1 = milliseconds(50)}.resolution(), milliseconds(5));
    EXPECT_EQ(TimerConfig{.t1 = milliseconds(5)}.resolution(), milliseconds(1));
}

}  // namespace
}  // namespace sb::txn
