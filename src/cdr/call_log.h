#pragma once

// The call log: a call event sink that records every call in <dir>/calls.db (one row per
// finished call, SQLite, WAL), <dir>/calls.log (one line for people per event) and
// <dir>/calls.jsonl (one JSON object per event).
//
// Workers must never wait for a disk, so on_call_event only copies the call into a bounded
// queue; a writer thread of its own drains it in batches: the lines first, then one SQLite
// transaction, so a call whose row is committed also has its lines in the files. A write that
// fails (full disk, read-only file, removed directory) is logged once per failure streak,
// counted, and retried with the held events until it works again; what does not fit in the
// queue is dropped, counted and logged, never waited for.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "cdr/call_lines.h"
#include "dialog/events.h"

namespace sb::cdr {

class CallStore;

struct CallLogOptions {
    std::string dir;                    // where calls.db, calls.log and calls.jsonl live
    std::size_t queue_limit = 100000;   // call events held in memory at most, written or not
    std::chrono::milliseconds flush_interval{100};  // the longest an event waits, and the retry
                                                    // period while writing fails
    // How long the writer lets events gather after the first one before writing them: a few
    // commits a second under load instead of one per event. Bounded by flush_interval.
    std::chrono::milliseconds batch_delay{50};
    // false: a committed call survives a crash or kill -9 of the process (the data is in the
    // kernel's hands); true: also a power cut, at the cost of an fsync per batch.
    bool synchronous_full = false;
};

class CallLog final : public dialog::CallEventSink {
public:
    /// Opens (or creates) the three files and starts the writer. Fails naming the file that
    /// cannot be opened, so the server refuses to start without its call log.
    static Result<std::unique_ptr<CallLog>> open(CallLogOptions options, const Clock& clock);
    /// Stops, writing what is queued first.
    ~CallLog() override;
    CallLog(const CallLog&) = delete;
    CallLog& operator=(const CallLog&) = delete;

    /// On any worker: copies the event into the queue and returns; drops it (counted) when the
    /// queue is full or the log stopped.
    void on_call_event(const dialog::CallEvent& event) override;

    /// Writes everything queued, then ends the writer. Events arriving after are dropped. If
    /// writing fails, it retries for a few flush intervals, then reports what it lost.
    void stop();

    /// Waits until every event received so far is written (tests); false on timeout, which is
    /// what happens while writes fail.
    bool wait_idle(std::chrono::milliseconds timeout);

    /// Write attempts that failed, over all three files.
    std::uint64_t failed_writes() const { return failed_writes_.load(std::memory_order_acquire); }
    /// Events not recorded: the queue was full, or the log had stopped.
    std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
    /// Finished calls committed to calls.db.
    std::uint64_t committed() const { return committed_.load(std::memory_order_relaxed); }

    /// Test hook: calls.db refuses writes (PRAGMA query_only) from the next batch on, as a
    /// read-only file would, or accepts them again.
    void set_read_only_for_test(bool on) { read_only_for_test_.store(on); }

    std::string db_path() const { return dir_ + "/calls.db"; }
    std::string text_path() const { return dir_ + "/calls.log"; }
    std::string json_path() const { return dir_ + "/calls.jsonl"; }

private:
    struct Event;
    struct Held;
    struct Lines;
    class OutFile;
    struct Target;

    CallLog(CallLogOptions options, const Clock& clock);
    void run();
    std::size_t absorb(std::span<Event> events);  // returns the events it had to drop
    Change what_changed(const dialog::Call& call);
    void flush();
    void write_lines(OutFile& file, Lines& lines);
    void write_records();
    std::size_t forget_written();
    void failed(Target& target, const std::string& why);
    void succeeded(Target& target);
    bool failing() const;
    void report_drops(bool final);

    const std::string dir_;
    const CallLogOptions options_;
    const Clock& clock_;

    // Shared between the workers and the writer.
    std::mutex mutex_;
    std::condition_variable wake_;      // the writer: events, or stop
    std::condition_variable idle_;      // wait_idle()
    // With mutex_: the first queued_ slots are events; those after are written ones kept with
    // their strings' room, so that a worker copies a call into memory it allocated before
    // instead of allocating it anew (and the writer freeing it, which glibc's per-thread
    // cache cannot give back to the worker).
    std::vector<Event> queue_;
    std::size_t queued_ = 0;
    std::size_t held_ = 0;              // with mutex_: queued plus taken but not yet written
    bool writer_waiting_ = false;       // with mutex_: an event must wake the writer
    bool stopping_ = false;             // with mutex_
    std::atomic<std::uint64_t> failed_writes_{0};
    std::atomic<std::uint64_t> dropped_{0};
    std::atomic<std::uint64_t> committed_{0};
    std::atomic<bool> read_only_for_test_{false};

    // The writer thread's own.
    std::vector<Held> backlog_;         // taken from the queue, not yet in every file
    std::unique_ptr<OutFile> text_;
    std::unique_ptr<OutFile> json_;
    std::unique_ptr<Lines> text_lines_;  // calls.log's lines not yet written
    std::unique_ptr<Lines> json_lines_;  // calls.jsonl's
    std::unique_ptr<CallStore> store_;
    std::unique_ptr<Target> db_target_;
    bool store_read_only_ = false;
    struct Seen;  // what the last Updated event of a call showed
    std::unordered_map<std::string, Seen> updated_;  // calls with an Updated event
    std::uint64_t drops_reported_ = 0;
    std::chrono::steady_clock::time_point drops_reported_at_{};

    std::thread writer_;
};

}  // namespace sb::cdr
