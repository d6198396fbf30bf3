#include "io/worker.h"

namespace sb::io {
namespace {
thread_local Worker* tls_current = nullptr;
}

Worker::Worker(std::size_t index, const Clock& clock, Duration tick)
    : index_(index),
      context_(1),
      guard_(boost::asio::make_work_guard(context_)),
      wheel_(clock, tick),
      tick_timer_(context_) {}

Worker::~Worker() {
    stop();
    join();
}

Worker* Worker::current() { return tls_current; }

void Worker::start() {
    thread_ = std::thread([this] { run(); });
}

void Worker::run() {
    tls_current = this;
    QueueDelayMonitor::set_current(&queue_delay_);
    context_.run();
    QueueDelayMonitor::set_current(nullptr);
    tls_current = nullptr;
}

void Worker::stop() {
    guard_.reset();
    context_.stop();
}

void Worker::join() {
    if (thread_.joinable()) {
        thread_.join();
    }
}

TimerId Worker::schedule(Duration after, TimerTarget& target, std::uint32_t tag) {
    TimerId id = wheel_.schedule(after, target, tag);
    // Only a timer due before the armed one re-arms the loop's timer: no scan of the wheel.
    TimePoint due = wheel_.due_time(after);
    if (!armed_ || due < *armed_) {
        arm(due);
    }
    return id;
}

void Worker::arm(TimePoint due) {
    armed_ = due;
    tick_timer_.expires_at(due);
    tick_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
            on_tick();
        }
    });
}

void Worker::on_tick() {
    armed_.reset();
    wheel_.advance();
    // A timer scheduled while advancing armed the loop for itself, which may be later than
    // one already waiting in the wheel.
    if (auto due = wheel_.next_due(); due && (!armed_ || *due < *armed_)) {
        arm(*due);
    }
}

}  // namespace sb::io
