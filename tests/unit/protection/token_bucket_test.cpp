// The token bucket on a manual clock: burst, refill, debt and its floor.

#include "protection/token_bucket.h"

#include <gtest/gtest.h>

#include "support/manual_clock.h"

namespace sb::protection {
namespace {

using namespace std::chrono_literals;

TEST(TokenBucket, BurstThenRate) {
    test::ManualClock clock;
    const BucketLimits limits{.rate = 10, .burst = 5};
    TokenBucket b(limits, clock.now());
    EXPECT_TRUE(b.full(limits, clock.now()));
    for (int i = 0; i < 5; ++i) {
        EXPECT_GE(b.take(limits, clock.now()), 0) << i;
    }
    EXPECT_LT(b.take(limits, clock.now()), 0);  // the sixth at once: none left
    EXPECT_DOUBLE_EQ(b.level(limits, clock.now()), -1);
    // At 10 a second the debt of one is paid in 100 ms, the next token comes 100 ms later.
    EXPECT_NEAR(std::chrono::duration<double>(b.wait(limits, clock.now())).count(), 0.2, 1e-6);
    clock.advance(199ms);
    EXPECT_LT(b.level(limits, clock.now()), 1);
    clock.advance(1ms);
    EXPECT_GE(b.take(limits, clock.now()), 0);
    EXPECT_LT(b.take(limits, clock.now()), 0);
    clock.advance(10s);
    EXPECT_TRUE(b.full(limits, clock.now()));  // capped at the burst, however long the pause
    EXPECT_DOUBLE_EQ(b.level(limits, clock.now()), 5);
}

TEST(TokenBucket, SteadyRateIsNeverRefused) {
    test::ManualClock clock;
    const BucketLimits limits{.rate = 20, .burst = 1};
    TokenBucket b(limits, clock.now());
    for (int i = 0; i < 1000; ++i) {
        ASSERT_GE(b.take(limits, clock.now()), 0) << i;
        clock.advance(50ms);
    }
}

TEST(TokenBucket, DebtStopsAtMinusBurst) {
    test::ManualClock clock;
    const BucketLimits limits{.rate = 1, .burst = 3};
    TokenBucket b(limits, clock.now());
    for (int i = 0; i < 100; ++i) {
        b.take(limits, clock.now());
    }
    EXPECT_DOUBLE_EQ(b.level(limits, clock.now()), -3);
    EXPECT_NEAR(std::chrono::duration<double>(b.wait(limits, clock.now())).count(), 4.0, 1e-6);
}

TEST(TokenBucket, TimeGoingBackwardsAddsNothing) {
    // Threads read the clock before taking the lock; the later reading may be applied first.
    test::ManualClock clock;
    const BucketLimits limits{.rate = 1, .burst = 2};
    TokenBucket b(limits, clock.now());
    const TimePoint early = clock.now();
    clock.advance(1s);
    b.take(limits, clock.now());
    b.take(limits, clock.now());
    EXPECT_LT(b.take(limits, early), 0);
    EXPECT_DOUBLE_EQ(b.level(limits, clock.now()), -1);
}

}  // namespace
}  // namespace sb::protection
