#include "io/worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace sb::io {
namespace {

// Records when each of its timers fired; tag 1 schedules a far timer while the wheel ticks.
struct Timers final : TimerTarget {
    explicit Timers(Worker& w) : worker(w) {}
    void on_timer(std::uint32_t tag) override {
        if (tag == 1) {
            worker.schedule(std::chrono::seconds(30), *this, 3);
        }
        if (tag == 2) {
            near_fired = true;
        }
    }
    Worker& worker;
    std::atomic<bool> near_fired{false};
};

TEST(Worker, ATimerScheduledDuringATickDoesNotDelayAnEarlierOne) {
    SystemClock clock;
    Worker worker(0, clock);
    Timers timers(worker);
    worker.post([&] {
        worker.schedule(std::chrono::milliseconds(300), timers, 2);
        worker.schedule(std::chrono::milliseconds(50), timers, 1);
    });
    worker.start();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (!timers.near_fired && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(timers.near_fired) << "the 300 ms timer waited for the 30 s one";
    worker.stop();
    worker.join();
}

// Records when each tag fired.
struct Stamps final : TimerTarget {
    void on_timer(std::uint32_t tag) override {
        fired[tag] = std::chrono::steady_clock::now();
        count.fetch_add(1);
    }
    std::chrono::steady_clock::time_point fired[2];
    std::atomic<int> count{0};
};

TEST(Worker, TimersDueWithinOneTickFireTogether) {
    SystemClock clock;
    Worker worker(0, clock, std::chrono::milliseconds(500));
    Stamps stamps;
    // Scheduled at the start of a tick (the wheel counts ticks from its creation), so both are
    // due at its end: one wake-up serves both.
    worker.post([&] {
        worker.schedule(std::chrono::milliseconds(1), stamps, 0);
        worker.schedule(std::chrono::milliseconds(200), stamps, 1);
    });
    worker.start();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (stamps.count < 2 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    worker.stop();
    worker.join();
    ASSERT_EQ(stamps.count, 2);
    EXPECT_LT(stamps.fired[1] - stamps.fired[0], std::chrono::milliseconds(60))
        << "the 1 ms and 200 ms timers fired on different ticks";
}

}  // namespace
}  // namespace sb::io
