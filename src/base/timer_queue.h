#pragma once

// Timers for protocol code. A target and a tag instead of a closure: scheduling a timer does
// not allocate, and a transaction names its timers after the RFC (TimerName::B ...).

#include <cstdint>

#include "base/clock.h"

namespace sb {

class TimerTarget {
public:
    virtual ~TimerTarget() = default;
    virtual void on_timer(std::uint32_t tag) = 0;
};

/// Identifies a scheduled timer; 0 is never a valid id.
using TimerId = std::uint64_t;

class TimerQueue {
public:
    virtual ~TimerQueue() = default;
    /// Calls `target.on_timer(tag)` once `after` has elapsed. The target must cancel its timers
    /// before it is destroyed.
    virtual TimerId schedule(Duration after, TimerTarget& target, std::uint32_t tag) = 0;
    /// Cancels a pending timer; a timer that already fired or was cancelled is ignored.
    virtual void cancel(TimerId id) = 0;
    virtual TimePoint now() const = 0;
};

}  // namespace sb
