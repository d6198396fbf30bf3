#pragma once

// How long messages wait before their worker gets to them, and whether that says the worker
// is over capacity. The wait is measured from the kernel's receive timestamp, so it counts
// the socket's queue as well as any handoff between workers: a worker that cannot keep up
// sees it grow, whatever the cause. The verdict has hysteresis, so one late message does not
// flap it: overloaded once a message waited longer than the limit, normal again once one
// waited less than half of it.

#include <cstdint>

#include "base/clock.h"

namespace sb {

class QueueDelayMonitor {
public:
    /// A zero limit turns the verdict off: never overloaded.
    void set_limit(Duration limit) { limit_ = limit; }
    Duration limit() const { return limit_; }

    /// Records one message's wait; true when the verdict changed with it.
    bool observe(Duration waited);
    bool overloaded() const { return overloaded_; }
    /// The longest wait seen during the last (or current) overload, for the lines that report it.
    Duration peak() const { return peak_; }

    /// The monitor of the worker running on this thread, or nullptr.
    static QueueDelayMonitor* current();
    static void set_current(QueueDelayMonitor* m);

private:
    Duration limit_{};
    Duration peak_{};
    bool overloaded_ = false;
};

/// Wall-clock nanoseconds, the clock the kernel stamps received datagrams with.
std::int64_t realtime_ns();

/// How long ago `stamp_ns` (realtime) was; zero for no stamp, or one the clock stepped over.
Duration waited_since(std::int64_t stamp_ns);

}  // namespace sb
