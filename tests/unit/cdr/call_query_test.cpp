#include "cdr/call_query.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cdr/call_store.h"
#include "cdr/export.h"
#include "sample_calls.h"

namespace sb::cdr {
namespace {

using dialog::Call;
using dialog::Outcome;
using dialog::Party;

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kT0 = 1'764'000'000'000;  // 2025-11-24 16:00:00 UTC

Call make(const std::string& id, const std::string& caller, const std::string& callee,
          std::int64_t invite_ms, Outcome outcome) {
    Call c =
        test::ended_call(id, outcome, outcome == Outcome::Answered ? 200 : 486, "X", Party::Callee);
    c.caller = caller;
    c.callee = callee;
    c.callee_name = "";
    c.invite_ms = invite_ms;
    c.ended_ms = invite_ms + 1'000;
    return c;
}

class CallQueryTest : public ::testing::Test {
protected:
    void SetUp() override {
        path = dir.path() + "/calls.db";
        auto store = CallStore::open(path, false);
        ASSERT_TRUE(store.has_value()) << store.error().message;
        std::vector<Call> calls = {
            make("c1", "sip:alice@example.com", "sip:bob@example.com", kT0, Outcome::Answered),
            make("c2", "sip:carol@example.com", "sip:alice@example.com", kT0 + kDay, Outcome::Busy),
            make("c3", "sip:bob@example.com", "sip:dave@other.net", kT0 + 2 * kDay,
                 Outcome::NoAnswer),
            make("c4", "sip:bobby@example.com", "tel:+15551234", kT0 + 3 * kDay, Outcome::Answered),
            make("c5", "sips:bob@secure.example.com", "sip:alice@other.net", kT0 + 4 * kDay,
                 Outcome::Busy),
        };
        std::vector<const Call*> rows;
        for (const Call& c : calls) {
            rows.push_back(&c);
        }
        ASSERT_TRUE((*store)->insert(rows).has_value());
        auto q = CallQuery::open(path);
        ASSERT_TRUE(q.has_value()) << q.error().message;
        query = std::move(*q);
    }

    std::string ids(const CallFilter& f) {
        auto calls = query->find(f);
        EXPECT_TRUE(calls.has_value()) << calls.error().message;
        std::string out;
        for (const Call& c : *calls) {
            out += (out.empty() ? "" : ",") + c.call_id;
        }
        return out;
    }

    test::TempDir dir;
    std::string path;
    std::unique_ptr<CallQuery> query;
};

TEST_F(CallQueryTest, AllCallsOldestFirst) { EXPECT_EQ(ids({}), "c1,c2,c3,c4,c5"); }

TEST_F(CallQueryTest, ByUserPartAorOrUri) {
    EXPECT_EQ(ids({.user = "alice"}), "c1,c2,c5");
    EXPECT_EQ(ids({.user = "bob"}), "c1,c3,c5");  // not bobby
    EXPECT_EQ(ids({.user = "bob@example.com"}), "c1,c3");
    EXPECT_EQ(ids({.user = "sip:bob@example.com"}), "c1,c3");
    EXPECT_EQ(ids({.user = "bob@secure.example.com"}), "c5");  // a sips: AOR
    EXPECT_EQ(ids({.user = "+15551234"}), "c4");              // a tel: URI
    EXPECT_EQ(ids({.user = "bo"}), "");
    EXPECT_EQ(ids({.user = "%"}), "");
}

TEST_F(CallQueryTest, ByTimeOutcomeAndLimit) {
    EXPECT_EQ(ids({.since_ms = kT0 + kDay}), "c2,c3,c4,c5");
    EXPECT_EQ(ids({.since_ms = kT0 + kDay, .until_ms = kT0 + 3 * kDay}), "c2,c3");
    EXPECT_EQ(ids({.outcome = Outcome::Busy}), "c2,c5");
    EXPECT_EQ(ids({.user = "alice", .outcome = Outcome::Busy}), "c2,c5");
    EXPECT_EQ(ids({.limit = 2}), "c4,c5");  // the latest two, oldest first
    EXPECT_EQ(ids({.user = "bob", .limit = 2}), "c3,c5");
}

TEST_F(CallQueryTest, OpensReadOnlyWhileAWriterHoldsTheFile) {
    auto writer = CallStore::open(path, false);
    ASSERT_TRUE(writer.has_value());
    Call late =
        make("c6", "sip:erin@example.com", "sip:bob@example.com", kT0 + 5 * kDay, Outcome::Busy);
    const Call* row = &late;
    ASSERT_TRUE((*writer)->insert({&row, 1}).has_value());
    EXPECT_EQ(ids({.user = "erin"}), "c6");
}

TEST(CallQueryOpen, MissingFileIsNamed) {
    auto q = CallQuery::open("/nonexistent/calls.db");
    ASSERT_FALSE(q.has_value());
    EXPECT_NE(q.error().message.find("/nonexistent/calls.db"), std::string::npos);
}

// RFC 4180 fields of one CSV text, for checking the quoting from the other side.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows(1);
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            rows.back().push_back(std::move(field));
            field.clear();
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            rows.back().push_back(std::move(field));
            field.clear();
            rows.emplace_back();
            ++i;
        } else {
            field += c;
        }
    }
    rows.pop_back();  // after the last CRLF
    return rows;
}

TEST(Export, CsvQuotesCommasQuotesAndLineBreaks) {
    EXPECT_EQ(csv_field("plain"), "plain");
    EXPECT_EQ(csv_field("Smith, \"Bob\""), "\"Smith, \"\"Bob\"\"\"");
    EXPECT_EQ(csv_field("two\r\nlines"), "\"two\r\nlines\"");

    Call c = test::full_call("q1");
    c.caller_name = "Smith, \"Bob\"";
    std::string csv = format_csv({c});
    EXPECT_NE(csv.find(",\"Smith, \"\"Bob\"\"\","), std::string::npos) << csv;
    auto rows = parse_csv(csv);
    ASSERT_EQ(rows.size(), 2u);
    ASSERT_EQ(rows[0].size(), rows[1].size());
    auto column = [&](const std::string& name) {
        auto it = std::find(rows[0].begin(), rows[0].end(), name);
        EXPECT_NE(it, rows[0].end()) << name;
        return rows[1][static_cast<std::size_t>(it - rows[0].begin())];
    };
    EXPECT_EQ(column("caller_name"), "Smith, \"Bob\"");
    EXPECT_EQ(column("call_id"), "q1");
    EXPECT_EQ(column("outcome"), "answered");
    EXPECT_EQ(column("ended_by"), "caller");
    EXPECT_EQ(column("talk_seconds"), "42.0");
    EXPECT_EQ(column("branches"),
              R"(["sip:bob@192.0.2.20:5062","sip:bob@192.0.2.21;transport=tcp"])");
    EXPECT_EQ(column("invite_ms"), std::to_string(c.invite_ms));

    EXPECT_EQ(parse_csv(format_csv({})).size(), 1u);  // the header alone
}

TEST(Export, JsonIsAnArrayOfEveryField) {
    Call c = test::full_call("j1");
    auto j = nlohmann::json::parse(format_json({c, c}));
    ASSERT_TRUE(j.is_array());
    ASSERT_EQ(j.size(), 2u);
    EXPECT_EQ(j[0]["call_id"], "j1");
    EXPECT_EQ(j[0]["forward_reason"], "busy");
    EXPECT_EQ(j[0]["ended_time"], "2025-11-24T16:00:46.623Z");
    EXPECT_EQ(nlohmann::json::parse(format_json({})), nlohmann::json::array());
}

TEST(Export, TableHasOneRowPerCallAndACount) {
    Call c = test::full_call("t1");
    std::string table = format_table({c});
    EXPECT_NE(table.find("STARTED"), std::string::npos);
    EXPECT_NE(table.find("Alice Ä <alice@example.com>"), std::string::npos) << table;
    EXPECT_NE(table.find("answered"), std::string::npos);
    EXPECT_NE(table.find("42.0"), std::string::npos);
    EXPECT_NE(table.find("\n1 call\n"), std::string::npos) << table;
}

TEST(ParseTime, UnixSecondsDatesAndTimes) {
    setenv("TZ", "UTC", 1);
    tzset();
    EXPECT_EQ(*parse_time_ms("1764000000"), kT0);
    EXPECT_EQ(*parse_time_ms("2025-11-24T16:00:00Z"), kT0);
    EXPECT_EQ(*parse_time_ms("2025-11-24 16:00"), kT0);
    EXPECT_EQ(*parse_time_ms("2025-11-24T17:00:00+01:00"), kT0);
    EXPECT_EQ(*parse_time_ms("2025-11-24T16:00:00.250Z"), kT0 + 250);
    EXPECT_EQ(*parse_time_ms("2025-11-24"), kT0 - 16 * 3'600'000);
    EXPECT_EQ(*parse_time_ms("2025-11-24", DayEdge::End), kT0 + 8 * 3'600'000);
    EXPECT_EQ(*parse_time_ms("2025-12-31", DayEdge::End), *parse_time_ms("2026-01-01"));
    for (const char* bad : {"", "yesterday", "2025-13-01", "2025-11-24T25:00", "2025-11-24X",
                            "2025-11-24T16:00+1", "-5"}) {
        EXPECT_FALSE(parse_time_ms(bad).has_value()) << bad;
    }
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    EXPECT_EQ(*parse_time_ms("2025-11-24 17:00"), kT0);  // local time without a zone
    setenv("TZ", "UTC", 1);
    tzset();
}

}  // namespace
}  // namespace sb::cdr
