#include "protection/token_bucket.h"

#include <algorithm>
#include <chrono>

namespace sb::protection {

double TokenBucket::level(const BucketLimits& limits, TimePoint now) const {
    if (now <= updated_) {
        return tokens_;
    }
    const double elapsed = std::chrono::duration<double>(now - updated_).count();
    return std::min(limits.burst, tokens_ + elapsed * limits.rate);
}

double TokenBucket::take(const BucketLimits& limits, TimePoint now) {
    tokens_ = std::max(-limits.burst, level(limits, now) - 1);
    updated_ = std::max(updated_, now);
    return tokens_;
}

Duration TokenBucket::wait(const BucketLimits& limits, TimePoint now) const {
    const double missing = 1 - level(limits, now);
    if (missing <= 0) {
        return Duration::zero();
    }
    return std::chrono::duration_cast<Duration>(
        std::chrono::duration<double>(missing / limits.rate));
}

}  // namespace sb::protection
