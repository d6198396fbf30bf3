#include "base/timer_wheel.h"

#include <gtest/gtest.h>

#include <vector>

#include "support/manual_clock.h"

namespace sb {
namespace {

using namespace std::chrono_literals;

struct Recorder : TimerTarget {
    void on_timer(std::uint32_t tag) override { fired.push_back(tag); }
    std::vector<std::uint32_t> fired;
};

TEST(TimerWheel, FiresInOrderAndNeverEarly) {
    test::ManualClock clock;
    TimerWheel wheel(clock, 10ms, 64);
    Recorder r;
    wheel.schedule(30ms, r, 3);
    wheel.schedule(10ms, r, 1);
    wheel.schedule(2s, r, 200);  // beyond one turn of the wheel (640 ms)
    clock.advance(9ms);
    wheel.advance();
    EXPECT_TRUE(r.fired.empty());
    clock.advance(30ms);
    wheel.advance();
    EXPECT_EQ(r.fired, (std::vector<std::uint32_t>{1, 3}));
    clock.advance(1900ms);
    wheel.advance();
    EXPECT_EQ(r.fired.size(), 2u);
    clock.advance(100ms);
    wheel.advance();
    EXPECT_EQ(r.fired.back(), 200u);
    EXPECT_EQ(wheel.pending(), 0u);
    EXPECT_FALSE(wheel.next_due().has_value());
}

TEST(TimerWheel, CancelIsSafeAtAnyTime) {
    test::ManualClock clock;
    TimerWheel wheel(clock, 10ms, 64);
    Recorder r;
    TimerId a = wheel.schedule(10ms, r, 1);
    wheel.cancel(a);
    wheel.cancel(a);   // twice
    wheel.cancel(0);   // never valid
    clock.advance(20ms);
    wheel.advance();
    EXPECT_TRUE(r.fired.empty());
    TimerId b = wheel.schedule(10ms, r, 2);  // reuses the node; the old id stays dead
    wheel.cancel(a);
    clock.advance(20ms);
    wheel.advance();
    EXPECT_EQ(r.fired, (std::vector<std::uint32_t>{2}));
    wheel.cancel(b);  // already fired
}

struct Canceller : TimerTarget {
    TimerWheel* wheel = nullptr;
    TimerId other = 0;
    std::vector<std::uint32_t> fired;
    void on_timer(std::uint32_t tag) override {
        fired.push_back(tag);
        wheel->cancel(other);
        if (tag == 1) {
            wheel->schedule(0ms, *this, 9);  // schedule from inside a callback
        }
    }
};

TEST(TimerWheel, CallbacksMayCancelAndSchedule) {
    test::ManualClock clock;
    TimerWheel wheel(clock, 10ms, 64);
    Canceller c;
    c.wheel = &wheel;
    wheel.schedule(10ms, c, 1);
    c.other = wheel.schedule(10ms, c, 2);  // same slot, cancelled by the first callback
    clock.advance(10ms);
    wheel.advance();
    clock.advance(10ms);
    wheel.advance();
    EXPECT_EQ(c.fired, (std::vector<std::uint32_t>{1, 9}));
}

}  // namespace
}  // namespace sb
