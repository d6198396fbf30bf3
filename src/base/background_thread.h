#pragma once

// Threads that write behind the workers (the call log, the location store) do work that can
// wait a few milliseconds; the workers' messages cannot.

namespace sb {

/// Names the calling thread and lowers its scheduling priority (nice 10 more, at most 19), so
/// that when it competes with a worker for a core the worker runs first. Failures leave the
/// thread as it is.
void become_background_thread(const char* name);

}  // namespace sb
