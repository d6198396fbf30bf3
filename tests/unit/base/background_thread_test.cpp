#include "base/background_thread.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace sb {
namespace {

TEST(BackgroundThread, IsNamedAndYieldsToTheOthers) {
    std::string name;
    int nice_before = 0;
    int nice_after = 0;
    std::thread thread([&] {
        nice_before = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
        become_background_thread("sb-test-bg");
        char buffer[16] = {};
        pthread_getname_np(pthread_self(), buffer, sizeof buffer);
        name = buffer;
        nice_after = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
    });
    thread.join();
    EXPECT_EQ(name, "sb-test-bg");
    EXPECT_EQ(nice_after, std::min(nice_before + 10, 19));
    // The calling thread is left as it was.
    EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())), nice_before);
}

}  // namespace
}  // namespace sb
