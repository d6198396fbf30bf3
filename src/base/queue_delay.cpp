#include "base/queue_delay.h"

#include <time.h>

namespace sb {
namespace {
thread_local QueueDelayMonitor* tls_monitor = nullptr;
}

bool QueueDelayMonitor::observe(Duration waited) {
    if (limit_ == Duration::zero()) {
        return false;
    }
    if (overloaded_) {
        if (waited > peak_) {
            peak_ = waited;
        }
        if (waited >= limit_ / 2) {
            return false;
        }
        overloaded_ = false;
        return true;
    }
    if (waited <= limit_) {
        return false;
    }
    overloaded_ = true;
    peak_ = waited;
    return true;
}

QueueDelayMonitor* QueueDelayMonitor::current() { return tls_monitor; }

void QueueDelayMonitor::set_current(QueueDelayMonitor* m) { tls_monitor = m; }

std::int64_t realtime_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Duration waited_since(std::int64_t stamp_ns) {
    if (stamp_ns == 0) {
        return Duration::zero();
    }
    const std::int64_t ns = realtime_ns() - stamp_ns;
    // A wall clock stepped back, or far forward, says nothing about the queue.
    if (ns <= 0 || ns > 60'000'000'000) {
        return Duration::zero();
    }
    return std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(ns));
}

}  // namespace sb
