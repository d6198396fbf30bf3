#pragma once

// A worker thread with its own event loop and timer wheel. Each worker owns its sockets,
// connections, transactions and timers; other threads hand it work with post() instead of
// sharing state behind locks.

#include <cstddef>
#include <memory>
#include <optional>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/queue_delay.h"
#include "base/timer_wheel.h"

namespace sb::io {

class Worker final : public TimerQueue {
public:
    /// Timers fire at most `tick` late.
    Worker(std::size_t index, const Clock& clock, Duration tick = TimerWheel::kDefaultTick);
    ~Worker() override;
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    std::size_t index() const { return index_; }
    boost::asio::io_context& context() { return context_; }

    /// Runs `fn` on this worker's thread.
    template <class F>
    void post(F&& fn) {
        boost::asio::post(context_, std::forward<F>(fn));
    }

    /// Starts the thread that runs the loop (or runs it on the caller's thread with run()).
    void start();
    void run();
    /// Asks the loop to return; pending handlers are dropped.
    void stop();
    void join();

    /// How long messages wait for this worker, and whether it is over capacity.
    QueueDelayMonitor& queue_delay() { return queue_delay_; }

    /// The worker whose loop is running on this thread, or nullptr.
    static Worker* current();

    // TimerQueue: only call from this worker's thread.
    TimerId schedule(Duration after, TimerTarget& target, std::uint32_t tag) override;
    void cancel(TimerId id) override { wheel_.cancel(id); }
    TimePoint now() const override { return wheel_.now(); }

private:
    void arm(TimePoint due);
    void on_tick();

    std::size_t index_;
    boost::asio::io_context context_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
    TimerWheel wheel_;
    QueueDelayMonitor queue_delay_;
    boost::asio::steady_timer tick_timer_;
    std::optional<TimePoint> armed_;
    std::thread thread_;
};

}  // namespace sb::io
