#pragma once

// A clock that moves only when a test says so.

#include "base/clock.h"

namespace sb::test {

class ManualClock final : public Clock {
public:
    TimePoint now() const override { return now_; }
    std::int64_t unix_seconds() const override {
        return 1'700'000'000 + std::chrono::duration_cast<std::chrono::seconds>(now_.time_since_epoch()).count();
    }
    std::int64_t unix_millis() const override {
        return 1'700'000'000'000 +
               std::chrono::duration_cast<std::chrono::milliseconds>(now_.time_since_epoch()).count();
    }
    void advance(Duration d) { now_ += d; }

private:
    TimePoint now_{std::chrono::hours(1)};
};

}  // namespace sb::test
