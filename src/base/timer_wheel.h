#pragma once

// A hashed timer wheel (Varghese & Lauck): O(1) schedule and cancel, no heap node per timer
// (nodes live in one pooled vector). The owner advances it with the current time; a worker
// does that from its event loop, tests do it by hand.

#include <cstdint>
#include <optional>
#include <vector>

#include "base/timer_queue.h"

namespace sb {

class TimerWheel final : public TimerQueue {
public:
    static constexpr Duration kDefaultTick = std::chrono::milliseconds(10);

    /// `tick` is the resolution; timers fire at most one tick late.
    explicit TimerWheel(const Clock& clock, Duration tick = kDefaultTick,
                        std::size_t slots = 4096);

    TimerId schedule(Duration after, TimerTarget& target, std::uint32_t tag) override;
    /// When a timer scheduled now with `after` will fire (rounded up to the wheel's tick).
    TimePoint due_time(Duration after) const;
    void cancel(TimerId id) override;
    TimePoint now() const override { return clock_.now(); }

    /// Fires every timer due at `clock.now()`; returns how many fired.
    std::size_t advance();
    /// When the next timer may be due (a lower bound), or nullopt when none is pending.
    std::optional<TimePoint> next_due() const;
    std::size_t pending() const { return pending_; }

private:
    static constexpr std::uint32_t kNone = UINT32_MAX;
    struct Node {
        TimerTarget* target = nullptr;
        std::uint32_t tag = 0;
        std::uint32_t generation = 1;
        std::uint32_t prev = kNone;
        std::uint32_t next = kNone;
        std::uint32_t slot = kNone;  // kNone when free or being fired
        std::uint64_t rounds = 0;
    };

    std::uint64_t tick_of(TimePoint t) const;
    void unlink(std::uint32_t index);
    void release(std::uint32_t index);

    const Clock& clock_;
    Duration tick_;
    TimePoint origin_;
    std::uint64_t current_tick_ = 0;  // every tick before this one has been processed
    std::vector<std::uint32_t> heads_;
    std::vector<std::uint32_t> tails_;  // insertion order within a slot is firing order
    std::vector<Node> nodes_;
    std::vector<std::uint32_t> free_;
    std::vector<TimerId> due_;
    std::size_t pending_ = 0;
};

}  // namespace sb
