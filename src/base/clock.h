#pragma once

// Time is an input: protocol code asks a Clock, so tests can move time by hand.

#include <chrono>
#include <cstdint>

namespace sb {

using Duration = std::chrono::steady_clock::duration;
using TimePoint = std::chrono::steady_clock::time_point;
using namespace std::chrono_literals;

class Clock {
public:
    virtual ~Clock() = default;
    /// Monotonic time, for timers and ages.
    virtual TimePoint now() const = 0;
    /// Wall-clock seconds since the Unix epoch, for what is stored or shown to people.
    virtual std::int64_t unix_seconds() const = 0;
    /// Wall-clock milliseconds since the Unix epoch (call timings).
    virtual std::int64_t unix_millis() const { return unix_seconds() * 1000; }
};

/// The real clocks of the machine.
class SystemClock final : public Clock {
public:
    TimePoint now() const override { return std::chrono::steady_clock::now(); }
    std::int64_t unix_seconds() const override {
        return std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
    std::int64_t unix_millis() const override {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

}  // namespace sb
