#include "base/background_thread.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace sb {

void become_background_thread(const char* name) {
    pthread_setname_np(pthread_self(), name);
    // For PRIO_PROCESS, Linux takes a thread id and sets that thread's nice value alone.
    const auto self = static_cast<id_t>(gettid());
    errno = 0;
    const int nice = getpriority(PRIO_PROCESS, self);
    if (errno == 0) {
        (void)setpriority(PRIO_PROCESS, self, std::min(nice + 10, 19));
    }
}

}  // namespace sb
