#include "base/queue_delay.h"

#include <gtest/gtest.h>

#include <thread>

namespace sb {
namespace {

TEST(QueueDelayMonitor, ZeroLimitIsNeverOverloaded) {
    QueueDelayMonitor m;
    EXPECT_FALSE(m.observe(std::chrono::seconds(30)));
    EXPECT_FALSE(m.overloaded());
}

TEST(QueueDelayMonitor, EntersAboveTheLimitAndLeavesBelowHalfOfIt) {
    QueueDelayMonitor m;
    m.set_limit(200ms);
    EXPECT_FALSE(m.observe(150ms));
    EXPECT_FALSE(m.observe(200ms));  // at the limit is still fine
    EXPECT_FALSE(m.overloaded());
    EXPECT_TRUE(m.observe(201ms));
    EXPECT_TRUE(m.overloaded());
    EXPECT_EQ(m.peak(), 201ms);
    // Between half the limit and the limit: still overloaded (no flapping).
    EXPECT_FALSE(m.observe(150ms));
    EXPECT_FALSE(m.observe(450ms));
    EXPECT_FALSE(m.observe(100ms));
    EXPECT_TRUE(m.overloaded());
    EXPECT_EQ(m.peak(), 450ms);
    EXPECT_TRUE(m.observe(99ms));
    EXPECT_FALSE(m.overloaded());
    EXPECT_EQ(m.peak(), 450ms);  // kept for the line that reports the recovery
    EXPECT_FALSE(m.observe(199ms));
    EXPECT_TRUE(m.observe(300ms));
    EXPECT_EQ(m.peak(), 300ms);
}

TEST(QueueDelayMonitor, WaitsComeFromTheWallClockAndIgnoreSteps) {
    EXPECT_EQ(waited_since(0), Duration::zero());
    const std::int64_t now = realtime_ns();
    EXPECT_GE(waited_since(now - 50'000'000), 50ms);
    EXPECT_LT(waited_since(now - 50'000'000), 10s);
    EXPECT_EQ(waited_since(now + 10'000'000'000), Duration::zero());      // stamped "later"
    EXPECT_EQ(waited_since(now - 3600'000'000'000), Duration::zero());    // an hour: a step
}

TEST(QueueDelayMonitor, CurrentIsPerThread) {
    QueueDelayMonitor m;
    QueueDelayMonitor::set_current(&m);
    EXPECT_EQ(QueueDelayMonitor::current(), &m);
    QueueDelayMonitor* other = &m;
    std::thread([&] { other = QueueDelayMonitor::current(); }).join();
    EXPECT_EQ(other, nullptr);
    QueueDelayMonitor::set_current(nullptr);
}

}  // namespace
}  // namespace sb
