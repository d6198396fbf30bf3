// The protection stages behind a real transaction table: 503 with Retry-After over the rate,
// silence once banned (and no transaction left behind), scanners dropped or refused with 403.

#include "protection/rate_limit_stage.h"
#include "protection/scanner_stage.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <vector>

#include "base/timer_wheel.h"
#include "sip/parser.h"
#include "support/fake_sender.h"
#include "support/manual_clock.h"
#include "txn/table.h"

namespace sb::protection {
namespace {

using namespace std::chrono_literals;

// Runs the stages as the proxy core does, and answers 200 for whatever they let through.
struct StageRunner : txn::ServerUser {
    void on_request(txn::ServerTransaction& st) override {
        for (proxy::RequestStage* stage : stages) {
            if (stage->on_request(st) == proxy::StageResult::Done) {
                return;
            }
        }
        st.respond(200);
    }
    void on_stray_ack(const sip::Message&, const transport::Source&) override { ++stray_acks; }
    void on_server_failure(txn::ServerTransaction&) override {}

    std::vector<proxy::RequestStage*> stages;
    int stray_acks = 0;
};

class StagesTest : public ::testing::Test {
protected:
    StagesTest() : wheel(clock), table(sender, wheel, timers, runner, 0) {
        config.requests_per_second = 5;
        config.burst = 5;
        config.auth_failures = 3;
        config.ban_seconds = 10s;
        source.transport = transport::Transport::Udp;
        source.remote = *transport::Endpoint::from("192.0.2.1", 5060);
        source.listener = 0;
    }

    void build() {
        guard = std::make_unique<SourceGuard>(config, clock);
        rate = std::make_unique<RateLimitStage>(*guard);
        scanner = std::make_unique<ScannerStage>(config, *guard);
        runner.stages = {rate.get(), scanner.get()};
    }

    void SetUp() override { build(); }

    std::string request(std::string_view method = "OPTIONS", std::string_view user_agent = {},
                        std::string branch = {}) {
        if (branch.empty()) {
            branch = fmt::format("z9hG4bK{}", ++n);
        }
        return fmt::format(
            "{0} sip:bob@example.com SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch={1}\r\n"
            "Max-Forwards: 70\r\n"
            "To: <sip:bob@example.com>\r\n"
            "From: <sip:alice@example.com>;tag=a1\r\n"
            "Call-ID: call-{2}\r\n"
            "CSeq: 1 {0}\r\n"
            "{3}"
            "Content-Length: 0\r\n\r\n",
            method, branch, n,
            user_agent.empty() ? std::string() : fmt::format("User-Agent: {}\r\n", user_agent));
    }

    // Sends a request; returns the status of its answer, 0 for none. Timers due first fire
    // first, so their retransmissions are not taken for the answer.
    int send(const std::string& text) {
        wheel.advance();
        auto m = sip::parse_message(std::string_view(text));
        EXPECT_TRUE(m.has_value());
        const std::string branch(m->top_via().branch);
        const std::size_t before = sender.count();
        table.on_request(std::move(*m), source);
        wheel.advance();
        int status = 0;
        for (std::size_t i = before; i < sender.count(); ++i) {
            sip::Message sent = sender.message(i);
            if (sent.top_via().branch == branch) {
                status = sent.status();
            }
        }
        return status;
    }

    ProtectionConfig config;
    test::ManualClock clock;
    TimerWheel wheel;
    txn::TimerConfig timers;
    test::FakeSender sender;
    StageRunner runner;
    txn::TransactionTable table;
    std::unique_ptr<SourceGuard> guard;
    std::unique_ptr<RateLimitStage> rate;
    std::unique_ptr<ScannerStage> scanner;
    transport::Source source;
    int n = 0;
};

TEST_F(StagesTest, OverTheRate503WithRetryAfterThenSilence) {
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(send(request()), 200) << i;
    }
    EXPECT_EQ(send(request("INVITE")), 503);
    sip::Message refused = sender.message(sender.count() - 1);
    EXPECT_EQ(refused.value(sip::HeaderId::RetryAfter), "1");
    EXPECT_EQ(refused.reason(), "Service Unavailable (rate limit)");
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(send(request()), 503) << i;
    }
    // The fifth refused request starts the ban: no answer, and no transaction kept for it.
    const std::size_t open = table.server_count();
    EXPECT_EQ(send(request()), 0);
    EXPECT_EQ(table.server_count(), open);
    EXPECT_TRUE(guard->banned(source.remote));
    EXPECT_EQ(send(request()), 0);
    clock.advance(10s);
    EXPECT_FALSE(guard->banned(source.remote));
    EXPECT_EQ(send(request()), 200);
}

TEST_F(StagesTest, RetransmissionsAreNotCountedTwice) {
    const std::string once = request("OPTIONS", {}, "z9hG4bKsame");
    EXPECT_EQ(send(once), 200);
    for (int i = 0; i < 20; ++i) {
        auto again = sip::parse_message(std::string_view(once));
        ASSERT_TRUE(again.has_value());
        table.on_request(std::move(*again), source);
    }
    // The table absorbed them (resending the 200); four of the five tokens are left.
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(send(request()), 200) << i;
    }
    EXPECT_EQ(send(request()), 503);
}

TEST_F(StagesTest, AckIsNeverLimited) {
    for (int i = 0; i < 9; ++i) {
        send(request());  // 5 answered, 4 refused: one more would be banned
    }
    ASSERT_FALSE(guard->banned(source.remote));
    // An ACK for a 2xx has no transaction: it goes past the stages to the core.
    EXPECT_EQ(send(request("ACK")), 0);
    EXPECT_EQ(runner.stray_acks, 1);
}

TEST_F(StagesTest, ScannerIsDroppedByDefaultAndBannedWhenRepeated) {
    EXPECT_EQ(send(request("OPTIONS", "friendly-scanner")), 0);
    EXPECT_EQ(table.server_count(), 0u);  // dropped, not left open
    EXPECT_EQ(send(request("REGISTER", "SIPVicious 0.3")), 0);
    EXPECT_EQ(send(request("OPTIONS", "Linphone/5.2")), 200);
    EXPECT_FALSE(guard->banned(source.remote));
    EXPECT_EQ(send(request("INVITE", "sipcli/v1.8")), 0);  // the third hit: banned
    EXPECT_TRUE(guard->banned(source.remote));
}

TEST_F(StagesTest, ScannerGets403WhenConfigured) {
    config.scanner_action = ScannerAction::Forbidden;
    build();
    EXPECT_EQ(send(request("OPTIONS", "friendly-scanner")), 403);
    EXPECT_EQ(send(request("OPTIONS", "sipsak 0.9.8.1")), 200);
    EXPECT_EQ(send(request("OPTIONS")), 200);
}

TEST_F(StagesTest, WhitelistedSourcesPassEverything) {
    config.whitelist = {*Cidr::parse("192.0.2.0/24")};
    build();
    for (int i = 0; i < 50; ++i) {
        ASSERT_EQ(send(request("OPTIONS", i % 2 == 0 ? "friendly-scanner" : "")), 200) << i;
    }
    EXPECT_FALSE(guard->banned(source.remote));
}

TEST_F(StagesTest, EmptyScannerListLetsEverythingThrough) {
    config.scanner_user_agents.clear();
    build();
    EXPECT_EQ(send(request("OPTIONS", "friendly-scanner")), 200);
}

}  // namespace
}  // namespace sb::protection
