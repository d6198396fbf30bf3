#pragma once

// RFC 3261 §17 timer names and values (Table 4), and RFC 6026's L and M.

#include <algorithm>
#include <cstdint>

#include "base/clock.h"

namespace sb::txn {

enum class TimerName : std::uint32_t { A, B, D, E, F, G, H, I, J, K, L, M };

struct TimerConfig {
    Duration t1 = std::chrono::milliseconds(500);  // RTT estimate
    Duration t2 = std::chrono::seconds(4);         // longest retransmit interval (non-INVITE)
    Duration t4 = std::chrono::seconds(5);         // longest time a message stays in the network

    Duration timer_b() const { return 64 * t1; }   // INVITE transaction timeout
    Duration timer_f() const { return 64 * t1; }   // non-INVITE transaction timeout
    Duration timer_h() const { return 64 * t1; }   // wait for ACK
    Duration timer_l() const { return 64 * t1; }   // RFC 6026: accepted INVITE server wait
    Duration timer_m() const { return 64 * t1; }   // RFC 6026: accepted INVITE client wait
    /// Timer D: wait for response retransmits (at least 32 s over UDP, 0 over streams).
    Duration timer_d(bool reliable) const {
        return reliable ? Duration::zero() : std::max<Duration>(std::chrono::seconds(32), 64 * t1);
    }
    /// Timers I and K: T4 over UDP, 0 over streams.
    Duration timer_i(bool reliable) const { return reliable ? Duration::zero() : t4; }
    Duration timer_k(bool reliable) const { return reliable ? Duration::zero() : t4; }
    /// Timer J: 64*T1 over UDP, 0 over streams.
    Duration timer_j(bool reliable) const { return reliable ? Duration::zero() : 64 * t1; }

    /// How late a worker's timers may fire: a tenth of T1 (50 ms at the default), at least
    /// 1 ms. Every tick with a timer due wakes the worker, so a finer tick costs wake-ups
    /// that no SIP timer needs.
    Duration resolution() const {
        return std::max<Duration>(std::chrono::milliseconds(1), t1 / 10);
    }
};

}  // namespace sb::txn
