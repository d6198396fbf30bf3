#pragma once

// Waiting for what another thread does: polls a condition until it holds or a bounded time
// passes, so a test neither sleeps longer than it must nor hangs.

#include <chrono>
#include <thread>

namespace sb::test {

/// True as soon as `condition()` is; false if it still is not after `timeout`.
template <class Condition>
bool eventually(Condition condition,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return condition();
}

}  // namespace sb::test
