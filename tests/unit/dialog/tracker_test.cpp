#include "dialog/tracker.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "sip/parser.h"
#include "support/manual_clock.h"

namespace sb::dialog {
namespace {

using namespace std::chrono_literals;

struct Recorder : CallEventSink {
    struct Seen {
        CallEventKind kind;
        Call call;
    };
    std::vector<Seen> events;
    void on_call_event(const CallEvent& e) override { events.push_back({e.kind, e.call}); }
    const Call& last() const { return events.back().call; }
};

sip::Message msg(std::string_view method, std::string_view to_tag = {}, std::string_view from_tag = "a1",
                 std::string_view extra = {}) {
    std::string text = fmt::format(
        "{} sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
        "From: \"Alice A\" <sip:alice@example.com>;tag={}\r\nTo: Bob <sip:bob@example.com>{}{}\r\n"
        "Call-ID: c1\r\nCSeq: 1 {}\r\n{}\r\n",
        method, from_tag, to_tag.empty() ? "" : ";tag=", to_tag, method, extra);
    auto m = sip::parse_message(std::string_view(text));
    EXPECT_TRUE(m.has_value()) << m.error().text();
    return std::move(*m);
}

class TrackerTest : public ::testing::Test {
protected:
    TrackerTest() : tracker(clock, {&sink}) {
        from.transport = transport::Transport::Udp;
        from.remote = *transport::Endpoint::from("192.0.2.1", 5060);
    }
    test::ManualClock clock;
    Recorder sink;
    Tracker tracker;
    transport::Source from;
};

TEST_F(TrackerTest, AnsweredCallEndedByTheCallee) {
    auto invite = msg("INVITE");
    tracker.on_invite(invite, from);
    tracker.on_branch(invite, "sip:bob@192.0.2.20");
    clock.advance(1s);
    tracker.on_invite_response(invite, 180, "Ringing", "b1", "sip:bob@192.0.2.20");
    clock.advance(3s);
    tracker.on_invite_response(invite, 200, "OK", "b1", "sip:bob@192.0.2.20");
    clock.advance(42s);
    tracker.on_in_dialog(msg("BYE", "a1", "b1"), from);  // from bob: his tag is the From tag
    ASSERT_EQ(sink.events.size(), 4u);
    EXPECT_EQ(sink.events[0].kind, CallEventKind::Started);
    EXPECT_EQ(sink.events[1].kind, CallEventKind::Ringing);
    EXPECT_EQ(sink.events[2].kind, CallEventKind::Answered);
    const Call& c = sink.last();
    EXPECT_EQ(c.caller, "sip:alice@example.com");
    EXPECT_EQ(c.caller_name, "Alice A");
    EXPECT_EQ(c.callee, "sip:bob@example.com");
    EXPECT_EQ(c.source, "udp:192.0.2.1:5060");
    EXPECT_EQ(c.outcome, Outcome::Answered);
    EXPECT_EQ(c.ended_by, Party::Callee);
    EXPECT_DOUBLE_EQ(c.talk_seconds(), 42.0);
    EXPECT_DOUBLE_EQ(c.ring_seconds(), 3.0);
    EXPECT_EQ(c.answered_by, "sip:bob@192.0.2.20");
    EXPECT_EQ(c.branches, std::vector<std::string>{"sip:bob@192.0.2.20"});
    EXPECT_EQ(tracker.active(), 0u);
}

TEST_F(TrackerTest, CallerHangsUp) {
    auto invite = msg("INVITE");
    tracker.on_invite(invite, from);
    tracker.on_invite_response(invite, 200, "OK", "b1", "x");
    tracker.on_in_dialog(msg("BYE", "b1", "a1"), from);
    EXPECT_EQ(sink.last().ended_by, Party::Caller);
}

struct OutcomeCase {
    int status;
    bool rang;
    bool cancelled;
    Outcome outcome;
    Party by;
};

class TrackerOutcome : public TrackerTest, public ::testing::WithParamInterface<OutcomeCase> {};

TEST_P(TrackerOutcome, FinalStatusGivesTheOutcome) {
    const OutcomeCase& c = GetParam();
    auto invite = msg("INVITE");
    tracker.on_invite(invite, from);
    if (c.rang) {
        tracker.on_invite_response(invite, 180, "Ringing", "b1", {});
    }
    if (c.cancelled) {
        tracker.on_cancel(invite);
    }
    tracker.on_invite_response(invite, c.status, "x", "b1", {});
    EXPECT_EQ(sink.last().outcome, c.outcome) << c.status;
    EXPECT_EQ(sink.last().ended_by, c.by) << c.status;
    EXPECT_EQ(sink.last().final_status, c.status);
    EXPECT_EQ(tracker.active(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Statuses, TrackerOutcome,
    ::testing::Values(OutcomeCase{486, true, false, Outcome::Busy, Party::Callee},
                      OutcomeCase{603, true, false, Outcome::Declined, Party::Callee},
                      OutcomeCase{487, true, true, Outcome::Cancelled, Party::Caller},
                      OutcomeCase{487, true, false, Outcome::NoAnswer, Party::Timeout},
                      OutcomeCase{408, false, false, Outcome::NoAnswer, Party::Timeout},
                      OutcomeCase{480, false, false, Outcome::Unavailable, Party::None},
                      OutcomeCase{480, true, false, Outcome::NoAnswer, Party::Timeout},
                      OutcomeCase{404, false, false, Outcome::NotFound, Party::None},
                      OutcomeCase{302, false, false, Outcome::Redirected, Party::None},
                      OutcomeCase{380, true, false, Outcome::Redirected, Party::None},
                      OutcomeCase{500, false, false, Outcome::Failed, Party::None}));

TEST_F(TrackerTest, ChallengeIsNotACall) {
    auto invite = msg("INVITE");
    tracker.on_invite(invite, from);
    tracker.on_invite_response(invite, 407, "Proxy Authentication Required", "b1", {});
    EXPECT_EQ(tracker.active(), 0u);
    EXPECT_EQ(sink.events.size(), 1u);  // started, then dropped without an end
}

TEST_F(TrackerTest, ForkedFailureAfterAnswerDoesNotEndTheCall) {
    auto invite = msg("INVITE");
    tracker.on_invite(invite, from);
    tracker.on_invite_response(invite, 200, "OK", "b1", "x");
    tracker.on_invite_response(invite, 487, "Request Terminated", "b2", "y");
    EXPECT_EQ(tracker.active(), 1u);
}

TEST_F(TrackerTest, ReInviteAndReferUpdateTheCall) {
    auto invite = msg("INVITE");
    tracker.on_invite(invite, from);
    tracker.on_invite_response(invite, 200, "OK", "b1", "x");
    tracker.on_in_dialog(msg("INVITE", "b1"), from);
    tracker.on_in_dialog(msg("REFER", "b1", "a1", "Refer-To: <sip:carol@example.com>\r\n"), from);
    const Call* c = tracker.find("c1");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->reinvites, 1);
    EXPECT_EQ(c->transfer_to, "<sip:carol@example.com>");
}

TEST_F(TrackerTest, VanishedAndInterruptedCalls) {
    auto invite = msg("INVITE");
    tracker.on_invite(invite, from);
    tracker.on_invite_response(invite, 200, "OK", "b1", "x");
    clock.advance(2h);
    tracker.expire(1h);
    EXPECT_EQ(sink.last().ended_by, Party::Timeout);
    EXPECT_EQ(sink.last().outcome, Outcome::Answered);
    tracker.on_invite(msg("INVITE", {}, "z9"), from);
    tracker.interrupt_all();
    EXPECT_EQ(sink.last().outcome, Outcome::Interrupted);
    EXPECT_EQ(tracker.active(), 0u);
}

}  // namespace
}  // namespace sb::dialog
