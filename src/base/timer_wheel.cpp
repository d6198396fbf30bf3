#include "base/timer_wheel.h"

#include <cassert>

namespace sb {

TimerWheel::TimerWheel(const Clock& clock, Duration tick, std::size_t slots)
    : clock_(clock), tick_(tick), origin_(clock.now()), heads_(slots, kNone), tails_(slots, kNone) {}

std::uint64_t TimerWheel::tick_of(TimePoint t) const {
    if (t <= origin_) {
        return 0;
    }
    return static_cast<std::uint64_t>((t - origin_) / tick_);
}

TimerId TimerWheel::schedule(Duration after, TimerTarget& target, std::uint32_t tag) {
    std::uint32_t index;
    if (!free_.empty()) {
        index = free_.back();
        free_.pop_back();
    } else {
        index = static_cast<std::uint32_t>(nodes_.size());
        nodes_.emplace_back();
    }
    // Round up so a timer never fires early; never schedule into a tick already processed.
    std::uint64_t due = tick_of(clock_.now() + after + tick_ - Duration(1));
    if (due < current_tick_) {
        due = current_tick_;
    }
    Node& n = nodes_[index];
    n.target = &target;
    n.tag = tag;
    n.rounds = (due - current_tick_) / heads_.size();
    n.slot = static_cast<std::uint32_t>(due % heads_.size());
    n.next = kNone;
    n.prev = tails_[n.slot];
    if (n.prev != kNone) {
        nodes_[n.prev].next = index;
    } else {
        heads_[n.slot] = index;
    }
    tails_[n.slot] = index;
    ++pending_;
    return (static_cast<TimerId>(n.generation) << 32) | index;
}

void TimerWheel::unlink(std::uint32_t index) {
    Node& n = nodes_[index];
    if (n.prev != kNone) {
        nodes_[n.prev].next = n.next;
    } else {
        heads_[n.slot] = n.next;
    }
    if (n.next != kNone) {
        nodes_[n.next].prev = n.prev;
    } else {
        tails_[n.slot] = n.prev;
    }
    n.prev = n.next = n.slot = kNone;
}

void TimerWheel::release(std::uint32_t index) {
    Node& n = nodes_[index];
    ++n.generation;
    n.target = nullptr;
    free_.push_back(index);
    --pending_;
}

void TimerWheel::cancel(TimerId id) {
    auto index = static_cast<std::uint32_t>(id & 0xffffffffu);
    auto generation = static_cast<std::uint32_t>(id >> 32);
    if (id == 0 || index >= nodes_.size() || nodes_[index].generation != generation ||
        nodes_[index].target == nullptr) {
        return;
    }
    if (nodes_[index].slot != kNone) {
        unlink(index);
    }
    release(index);
}

std::size_t TimerWheel::advance() {
    const std::uint64_t now_tick = tick_of(clock_.now());
    std::size_t fired = 0;
    while (current_tick_ <= now_tick && pending_ > 0) {
        // Collect first: callbacks may schedule or cancel timers, even in this slot.
        due_.clear();
        const auto slot = static_cast<std::uint32_t>(current_tick_ % heads_.size());
        for (std::uint32_t i = heads_[slot]; i != kNone;) {
            Node& n = nodes_[i];
            std::uint32_t next = n.next;
            if (n.rounds == 0) {
                unlink(i);
                due_.push_back((static_cast<TimerId>(n.generation) << 32) | i);
            } else {
                --n.rounds;
            }
            i = next;
        }
        ++current_tick_;
        for (TimerId id : due_) {
            auto index = static_cast<std::uint32_t>(id & 0xffffffffu);
            Node& n = nodes_[index];
            if (n.generation != static_cast<std::uint32_t>(id >> 32) || n.target == nullptr) {
                continue;  // cancelled by an earlier callback
            }
            TimerTarget* target = n.target;
            std::uint32_t tag = n.tag;
            release(index);
            target->on_timer(tag);
            ++fired;
        }
    }
    if (pending_ == 0 && current_tick_ <= now_tick) {
        current_tick_ = now_tick + 1;
    }
    return fired;
}

TimePoint TimerWheel::due_time(Duration after) const {
    std::uint64_t due = tick_of(clock_.now() + after + tick_ - Duration(1));
    if (due < current_tick_) {
        due = current_tick_;
    }
    return origin_ + tick_ * static_cast<std::int64_t>(due);
}

std::optional<TimePoint> TimerWheel::next_due() const {
    if (pending_ == 0) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < heads_.size(); ++i) {
        std::uint64_t t = current_tick_ + i;
        if (heads_[t % heads_.size()] != kNone) {
            return origin_ + tick_ * static_cast<std::int64_t>(t);
        }
    }
    return origin_ + tick_ * static_cast<std::int64_t>(current_tick_ + heads_.size());
}

}  // namespace sb
