#pragma once

// A token bucket that remembers debt. It holds up to `burst` tokens and gains `rate` tokens a
// second; every request takes one. A request that finds no token still takes one, down to
// -burst: the level then says how far past its allowance a source has gone without slowing
// down, which is what decides a ban, at no extra cost per source.

#include "base/clock.h"

namespace sb::protection {

struct BucketLimits {
    double rate = 1;   // tokens gained per second (> 0)
    double burst = 1;  // capacity (>= 1)
};

class TokenBucket {
public:
    TokenBucket() = default;
    /// A full bucket at `now`.
    TokenBucket(const BucketLimits& limits, TimePoint now) : tokens_(limits.burst), updated_(now) {}

    /// Refills for the time since the last call and takes one token, even when none is left
    /// (but never below -burst). Returns the level after taking: >= 0 means a token was
    /// there. A `now` earlier than the last call (another thread read the clock first) adds
    /// nothing.
    double take(const BucketLimits& limits, TimePoint now);
    /// The level at `now`, without taking.
    double level(const BucketLimits& limits, TimePoint now) const;
    /// How long until the next take() finds a token (zero when one is there now).
    Duration wait(const BucketLimits& limits, TimePoint now) const;
    /// Full: the bucket is in the state of one never used, so forgetting it changes nothing.
    bool full(const BucketLimits& limits, TimePoint now) const {
        return level(limits, now) >= limits.burst;
    }

private:
    double tokens_ = 0;
    TimePoint updated_{};
};

}  // namespace sb::protection
