#pragma once

// Reads a descriptor on a worker's loop whenever it has something, through the loop's own
// Asio reactor but without `async_wait`.
//
// Asio's reactor is edge-triggered, and a wait that does not try a read first (`async_wait`)
// re-arms the descriptor with EPOLL_CTL_MOD every time it starts: one system call per wake-up
// on top of the reads. Here the read itself is the reactor operation. A read that says it
// emptied the descriptor (a short batch) is not followed by another one that would only find
// it empty: the operation waits in the reactor, whose next edge is any datagram that arrived
// since, and which needs no re-arm. One wake-up costs the `epoll_wait` and one read.
//
// This reaches into Asio's detail namespace (the reactor and its operation type; Boost 1.81
// as Debian 12 ships it), so that nothing else has to: the rest of the server sees two
// callbacks.

#include <functional>
#include <memory>

#include "base/result.h"
#include "io/worker.h"

namespace sb::io {

class DescriptorReader {
public:
    enum class Outcome {
        Empty,    // nothing to read
        Read,     // read something (or an error worth handing on); more may wait
        Drained,  // read everything there was at the time (fewer than it had room for)
    };
    /// Reads what it can without blocking. It runs inside the reactor and must not start or
    /// stop readers; it only reads.
    using Read = std::function<Outcome()>;
    /// Runs on the loop after each read that was not Empty; the next read comes after it
    /// (and after whatever else the loop had ready), so a busy descriptor cannot starve the
    /// rest of the worker.
    using Deliver = std::function<void()>;

    DescriptorReader(Worker& worker, int fd);
    ~DescriptorReader();
    DescriptorReader(const DescriptorReader&) = delete;
    DescriptorReader& operator=(const DescriptorReader&) = delete;

    /// Registers the descriptor with the worker's reactor and tries the first read.
    Result<void> start(Read read, Deliver deliver);
    /// Unregisters it; a read or delivery still queued never runs. The caller closes the
    /// descriptor afterwards. Call it on the worker's thread, or once the loop has stopped.
    void stop();

private:
    class Op;
    void read_next(std::unique_ptr<Op> op, bool is_continuation);
    void on_read_done(std::unique_ptr<Op> op);

    Worker& worker_;
    const int fd_;
    Read read_;
    Deliver deliver_;
    void* reactor_data_ = nullptr;  // Asio's per-descriptor state while registered
    Op* pending_ = nullptr;         // the one operation out, queued or completed but not run
};

}  // namespace sb::io
