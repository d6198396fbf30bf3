#include "cdr/call_lines.h"

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ctime>

#include "cdr/record.h"
#include "sample_calls.h"

namespace sb::cdr {
namespace {

using dialog::CallEventKind;
using dialog::Outcome;
using dialog::Party;
using test::ended_call;

std::string ended(Outcome o, int status, const std::string& reason, Party by) {
    return describe(CallEventKind::Ended, ended_call("c1", o, status, reason, by));
}

TEST(CallLines, EveryEventReadsAsASentence) {
    dialog::Call c = ended_call("abc123", Outcome::None, 0, "", Party::None);
    c.caller_name = "Alice";
    c.callee_name = "";
    EXPECT_EQ(describe(CallEventKind::Started, c), "Alice called bob@example.com (call abc123)");
    EXPECT_EQ(describe(CallEventKind::Ringing, c), "bob@example.com is ringing (call abc123)");
    EXPECT_EQ(describe(CallEventKind::Answered, c), "bob@example.com answered (call abc123)");
    c.reinvites = 1;
    EXPECT_EQ(describe(CallEventKind::Updated, c, Change::ReInvite),
              "call updated by re-INVITE (1 so far) (call abc123)");
    c.transfer_to = "<sip:carol@example.com>";
    EXPECT_EQ(describe(CallEventKind::Updated, c, Change::Transfer),
              "call transferred to carol@example.com (call abc123)");
}

TEST(CallLines, EveryOutcomeReadsAsASentence) {
    EXPECT_EQ(ended(Outcome::Answered, 200, "OK", Party::Caller),
              "call ended by alice@example.com after 0 s (call c1)");
    dialog::Call talked = ended_call("c1", Outcome::Answered, 200, "OK", Party::Callee);
    talked.answered_ms = talked.invite_ms + 3'000;
    talked.ended_ms = talked.answered_ms + 41'600;  // 41.6 s rounds to 42
    EXPECT_EQ(describe(CallEventKind::Ended, talked), "call ended by Bob after 42 s (call c1)");
    talked.caller_name = "alice";
    talked.ended_by = Party::Caller;
    EXPECT_EQ(describe(CallEventKind::Ended, talked), "call ended by alice after 42 s (call c1)");
    talked.ended_by = Party::Timeout;
    EXPECT_EQ(describe(CallEventKind::Ended, talked),
              "call ended after 42 s without a BYE (timed out) (call c1)");
    EXPECT_EQ(ended(Outcome::Declined, 603, "Decline", Party::Callee), "Bob declined (call c1)");
    EXPECT_EQ(ended(Outcome::Busy, 486, "Busy Here", Party::Callee), "Bob is busy (call c1)");
    EXPECT_EQ(ended(Outcome::Cancelled, 487, "Request Terminated", Party::Caller),
              "alice@example.com cancelled (call c1)");
    EXPECT_EQ(ended(Outcome::NoAnswer, 408, "Request Timeout", Party::Timeout),
              "no answer from Bob (call c1)");
    EXPECT_EQ(ended(Outcome::NotFound, 404, "Not Found", Party::None), "Bob not found (call c1)");
    EXPECT_EQ(ended(Outcome::Unavailable, 480, "Temporarily Unavailable", Party::None),
              "Bob is unavailable (not registered) (call c1)");
    EXPECT_EQ(ended(Outcome::Failed, 500, "Server Internal Error", Party::None),
              "call failed: 500 Server Internal Error (call c1)");
    EXPECT_EQ(ended(Outcome::Interrupted, 200, "OK", Party::None),
              "call interrupted (server stopped) (call c1)");
    EXPECT_EQ(ended(Outcome::Redirected, 302, "Moved Temporarily", Party::None),
              "call to Bob redirected (302 Moved Temporarily) (call c1)");
    dialog::Call moved = ended_call("c1", Outcome::Redirected, 302, "Moved Temporarily", Party::None);
    moved.forwarded_to = "sip:bob@192.0.2.7:5062";
    EXPECT_EQ(describe(CallEventKind::Ended, moved),
              "call to Bob redirected to bob@192.0.2.7:5062 (302 Moved Temporarily) (call c1)");
}

TEST(CallLines, ForwardingIsAnUpdate) {
    dialog::Call c = ended_call("c1", Outcome::None, 0, "", Party::None);
    c.callee_name = "bob";
    c.forwarded_to = "sip:carol@example.com";
    c.forward_reason = "busy";
    EXPECT_EQ(describe(CallEventKind::Updated, c, Change::Forward),
              "call to bob forwarded to carol@example.com (busy) (call c1)");
}

TEST(CallLines, ALineIsOneLineWhateverTheNames) {
    dialog::Call c = ended_call("c1", Outcome::Busy, 486, "Busy", Party::Callee);
    c.callee_name = "Bob\r\nInjected: yes";
    std::string line = text_line(CallEventKind::Ended, c.ended_ms, c);
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    EXPECT_EQ(line.find('\r'), std::string::npos);
}

TEST(CallLines, TextLineStartsWithTheLocalTime) {
    setenv("TZ", "UTC", 1);
    tzset();
    dialog::Call c = ended_call("c1", Outcome::Busy, 486, "Busy Here", Party::Callee);
    // 1764000000 is 2025-11-24 16:00:00 UTC.
    EXPECT_EQ(text_line(CallEventKind::Ended, 1'764'000'001'999, c),
              "2025-11-24 16:00:01 Bob is busy (call c1)\n");
    EXPECT_EQ(iso_time(1'764'000'001'999), "2025-11-24T16:00:01.999Z");
    EXPECT_EQ(iso_time(0), "");
}

TEST(CallLines, IsoTimeAgreesWithGmtime) {
    // Leap days, year ends, before 1970 and far ahead; every step shifts day, hour and millis.
    for (std::int64_t ms = -2'208'988'800'000; ms < 32'503'680'000'000; ms += 86'399'987'654) {
        const std::int64_t seconds = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
        const auto t = static_cast<std::time_t>(seconds);
        std::tm tm{};
        gmtime_r(&t, &tm);
        const std::string expected =
            fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                        static_cast<int>(ms - seconds * 1000));
        ASSERT_EQ(iso_time(ms), expected) << ms;
    }
    EXPECT_EQ(iso_time(951'782'400'000), "2000-02-29T00:00:00.000Z");
    EXPECT_EQ(iso_time(-1), "1969-12-31T23:59:59.999Z");
}

TEST(CallLines, JsonStringsIsAJsonArray) {
    EXPECT_EQ(json_strings({}), "[]");
    const std::vector<std::string> items = {"sip:bob@192.0.2.20:5062", "a \"quoted\" one",
                                            std::string("bad \xff byte")};
    auto parsed = nlohmann::json::parse(json_strings(items));
    ASSERT_EQ(parsed.size(), 3u);
    EXPECT_EQ(parsed[0], items[0]);
    EXPECT_EQ(parsed[1], items[1]);
    EXPECT_EQ(parsed[2], "bad \ufffd byte");
}

TEST(CallLines, JsonLineParsesAndCarriesTheCall) {
    dialog::Call c = test::full_call("c7");
    c.caller_name = "Bad \xff UTF-8";  // must not throw: replaced
    std::string line = json_line(CallEventKind::Ended, c.ended_ms, c);
    ASSERT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["event"], "ended");
    EXPECT_EQ(j["time_ms"], c.ended_ms);
    EXPECT_EQ(j["call_id"], "c7");
    EXPECT_EQ(j["callee"], "sip:bob@example.com");
    EXPECT_EQ(j["outcome"], "answered");
    EXPECT_EQ(j["ended_by"], "caller");
    EXPECT_EQ(j["talk_seconds"], 42.0);
    EXPECT_EQ(j["ring_seconds"], 3.5);
    EXPECT_EQ(j["branches"].size(), 2u);
    EXPECT_EQ(j["rtp_stats"]["lost"], 3);
    EXPECT_EQ(j["invite_time"], iso_time(c.invite_ms));

    dialog::Call started;
    started.call_id = "c8";
    started.invite_ms = 1'764'000'000'000;
    auto s = nlohmann::json::parse(json_line(CallEventKind::Started, started.invite_ms, started));
    EXPECT_EQ(s["event"], "started");
    EXPECT_TRUE(s["outcome"].is_null());
    EXPECT_TRUE(s["answered_ms"].is_null());
    EXPECT_TRUE(s["rtp_stats"].is_null());
}

TEST(CallLines, JsonLineHoldsTheSameFieldsAsTheExport) {
    // calls.jsonl is written without a tree; `switchboard calls --format json` builds one. A
    // script reading either must see the same object.
    for (dialog::Call c : {test::full_call("c9"), dialog::Call{}}) {
        c.rtp_stats = c.rtp_stats.empty() ? "not json" : "{\"lost\":\n 3}";
        auto line = nlohmann::ordered_json::parse(json_line(CallEventKind::Ended, 1'764'000'000'000, c));
        nlohmann::ordered_json tree;
        tree["event"] = "ended";
        tree["time"] = iso_time(1'764'000'000'000);
        tree["time_ms"] = 1'764'000'000'000;
        append_call(tree, c);
        EXPECT_EQ(line, tree);
    }
}

TEST(Record, OutcomeNamesParseInEverySpelling) {
    EXPECT_EQ(parse_outcome("no answer"), Outcome::NoAnswer);
    EXPECT_EQ(parse_outcome("no-answer"), Outcome::NoAnswer);
    EXPECT_EQ(parse_outcome("NOT_FOUND"), Outcome::NotFound);
    EXPECT_EQ(parse_outcome("busy"), Outcome::Busy);
    EXPECT_EQ(parse_outcome("redirected"), Outcome::Redirected);
    EXPECT_FALSE(parse_outcome("sleepy").has_value());
    EXPECT_EQ(person("", "sip:bob@example.com"), "bob@example.com");
    EXPECT_EQ(person("Bob", "sip:bob@example.com"), "Bob");
}

}  // namespace
}  // namespace sb::cdr
