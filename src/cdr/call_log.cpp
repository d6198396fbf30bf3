#include "cdr/call_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "base/background_thread.h"
#include "base/log.h"
#include "cdr/call_lines.h"
#include "cdr/call_store.h"

namespace sb::cdr {
namespace {

constexpr std::size_t kBatchEvents = 2048;  // a batch this large is written without waiting more
// Written events' slots kept for reuse at most: a backlog's worth would hold its memory for good.
constexpr std::size_t kKeptSlots = kBatchEvents;

std::shared_ptr<spdlog::logger> logger() {
    static auto l = log::get("cdr");
    return l;
}

// A line buffer larger than this is given back once written: a backlog after a failure must
// not keep its memory for good. Smaller ones keep theirs, so that a batch does not fault
// fresh pages in.
constexpr std::size_t kKeptBufferBytes = 1024 * 1024;
// Flush intervals stop() keeps retrying a failing write before it gives the events up.
constexpr int kStopRetries = 10;
// Distinct calls whose re-INVITE count is remembered; more means Ended events were lost.
constexpr std::size_t kMaxUpdatedCalls = 10000;

}  // namespace

struct CallLog::Seen {
    std::string transfer_to;
    std::string forwarded_to;
};

struct CallLog::Event {
    dialog::CallEventKind kind;
    std::int64_t at_ms;
    dialog::Call call;
};

// An event on its way to the files. Its lines are in the Lines buffers; it is in a file once
// that file's written count reaches the end of its line.
struct CallLog::Held {
    std::uint64_t text_end = 0;  // where its line ends in calls.log's stream of lines
    std::uint64_t json_end = 0;  // the same in calls.jsonl's
    bool needs_row = false;      // a finished call not yet committed to calls.db
    dialog::Call call;           // kept only while needs_row
};

// The lines of one file not yet written, one after the other: formatted in place, written
// with one system call, and cut by what reached the file, so that a retry after a failed or
// short write neither repeats a byte nor leaves a half line behind.
struct CallLog::Lines {
    std::string pending;
    std::uint64_t written = 0;  // bytes of lines that reached the file, since the start

    std::uint64_t end() const { return written + pending.size(); }
    bool holds(std::uint64_t line_end) const { return line_end > written; }

    void cut(std::size_t n) {
        pending.erase(0, n);
        written += n;
        if (pending.empty() && pending.capacity() > kKeptBufferBytes) {
            std::string().swap(pending);
        }
    }
};

// Where writes go, and whether they have been failing (so the failure is logged once).
struct CallLog::Target {
    std::string path;
    bool failing = false;
};

// An append-only file, opened again when the name no longer leads to it (the file was
// removed or replaced, or its directory was): a log written to a file nobody can reach is lost.
class CallLog::OutFile {
public:
    explicit OutFile(std::string path) { target.path = std::move(path); }
    ~OutFile() { close(); }
    OutFile(const OutFile&) = delete;
    OutFile& operator=(const OutFile&) = delete;

    Result<void> ensure_open() {
        if (fd_ >= 0) {
            struct stat st {};
            if (::stat(target.path.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) {
                return {};
            }
            close();
        }
        int fd = ::open(target.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0) {
            return fail(std::strerror(errno));
        }
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
            int e = errno;
            ::close(fd);
            return fail(std::strerror(e));
        }
        fd_ = fd;
        dev_ = st.st_dev;
        ino_ = st.st_ino;
        return {};
    }

    /// Writes what it can; returns how much, with the reason in `error` when not all of it.
    std::size_t write(std::string_view data, std::string& error) {
        std::size_t done = 0;
        while (done < data.size()) {
            ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                error = n < 0 ? std::strerror(errno) : "nothing written";
                break;
            }
            done += static_cast<std::size_t>(n);
        }
        return done;
    }

    Result<void> sync() {
        if (fd_ >= 0 && ::fdatasync(fd_) != 0) {
            return fail(std::strerror(errno));
        }
        return {};
    }

    void close() {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

    Target target;

private:
    int fd_ = -1;
    dev_t dev_ = 0;
    ino_t ino_ = 0;
};

Result<std::unique_ptr<CallLog>> CallLog::open(CallLogOptions options, const Clock& clock) {
    auto log = std::unique_ptr<CallLog>(new CallLog(std::move(options), clock));
    for (OutFile* f : {log->text_.get(), log->json_.get()}) {
        if (auto r = f->ensure_open(); !r) {
            return fail("cannot open the call log " + f->target.path + ": " + r.error().message);
        }
    }
    auto store = CallStore::open(log->db_path(), log->options_.synchronous_full);
    if (!store) {
        return fail("cannot open the call log " + store.error().message);
    }
    log->store_ = std::move(*store);
    log->writer_ = std::thread([l = log.get()] {
        become_background_thread("sb-cdr");
        l->run();
    });
    return log;
}

CallLog::CallLog(CallLogOptions options, const Clock& clock)
    : dir_(options.dir),
      options_(std::move(options)),
      clock_(clock),
      text_(std::make_unique<OutFile>(dir_ + "/calls.log")),
      json_(std::make_unique<OutFile>(dir_ + "/calls.jsonl")),
      text_lines_(std::make_unique<Lines>()),
      json_lines_(std::make_unique<Lines>()),
      db_target_(std::make_unique<Target>()) {
    db_target_->path = db_path();
    queue_.reserve(1024);
}

CallLog::~CallLog() { stop(); }

void CallLog::on_call_event(const dialog::CallEvent& event) {
    const dialog::Call& c = event.call;
    std::int64_t at = 0;
    switch (event.kind) {
        case dialog::CallEventKind::Started: at = c.invite_ms; break;
        case dialog::CallEventKind::Ringing: at = c.ringing_ms; break;
        case dialog::CallEventKind::Answered: at = c.answered_ms; break;
        case dialog::CallEventKind::Ended: at = c.ended_ms; break;
        case dialog::CallEventKind::Updated: break;
    }
    const std::int64_t when = at != 0 ? at : clock_.unix_millis();
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || held_ >= options_.queue_limit) {
            dropped_.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        // Only the first event after the writer went to sleep wakes it: the others find it
        // awake, and a worker makes no system call for them.
        wake = (writer_waiting_ && queued_ == 0) || queued_ + 1 == kBatchEvents;
        if (queued_ < queue_.size()) {
            Event& slot = queue_[queued_];
            slot.kind = event.kind;
            slot.at_ms = when;
            slot.call = c;  // into the room the slot's strings already have
        } else {
            queue_.push_back(Event{event.kind, when, c});
        }
        ++queued_;
        ++held_;
    }
    if (wake) {
        wake_.notify_one();
    }
}

void CallLog::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (writer_.joinable()) {
        writer_.join();
    }
}

bool CallLog::wait_idle(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return idle_.wait_for(lock, timeout, [&] { return held_ == 0; });
}

bool CallLog::failing() const {
    return text_->target.failing || json_->target.failing || db_target_->failing;
}

void CallLog::run() {
    std::vector<Event> taken;
    taken.reserve(1024);
    std::size_t taken_count = 0;
    int stop_retries = 0;
    bool busy = false;  // the last round found events
    for (;;) {
        bool stopping = false;
        {
            std::unique_lock lock(mutex_);
            if (stop_retries > 0) {
                // Stopping while a write fails: give the disk a moment before the next try.
                lock.unlock();
                std::this_thread::sleep_for(options_.flush_interval);
                lock.lock();
            } else if (!stopping_ && busy && !failing()) {
                // Calls keep coming: sleep one batch delay and take what gathered meanwhile.
                // No event wakes us, so a busy server costs one wake-up per batch, not two.
                wake_.wait_for(lock, options_.batch_delay, [&] {
                    return stopping_ || queued_ >= kBatchEvents;
                });
            } else if (!stopping_ && (queued_ == 0 || failing())) {
                // While writes fail, new events wait for the next retry instead of waking us
                // for an attempt each.
                writer_waiting_ = !failing();
                wake_.wait_for(lock, options_.flush_interval,
                               [&] { return stopping_ || (writer_waiting_ && queued_ != 0); });
                writer_waiting_ = false;
                // Group commit: give the events of the next moments a chance to join this
                // batch, so a busy server writes a few batches a second, not one per event.
                if (!stopping_ && queued_ != 0 && options_.batch_delay.count() > 0) {
                    wake_.wait_for(lock, options_.batch_delay, [&] {
                        return stopping_ || queued_ >= kBatchEvents;
                    });
                }
            }
            // The slots written last round go back to the workers.
            taken.swap(queue_);
            taken_count = std::exchange(queued_, 0);
            busy = taken_count != 0;
            stopping = stopping_;
        }
        std::size_t done = absorb(std::span(taken).first(taken_count));
        if (taken.size() > kKeptSlots) {
            taken.resize(kKeptSlots);
            taken.shrink_to_fit();
        }
        try {
            flush();
        } catch (const std::exception& e) {
            // Out of memory while gathering lines: what is held stays held for the next try.
            logger()->error("call log: writing failed: {}", e.what());
        }
        done += forget_written();
        report_drops(false);
        if (stopping && !backlog_.empty() && ++stop_retries > kStopRetries) {
            logger()->error("call log: stopping with {} call event(s) unwritten; they are lost",
                            backlog_.size());
            dropped_.fetch_add(backlog_.size(), std::memory_order_relaxed);
            done += backlog_.size();
            backlog_.clear();
            text_lines_->cut(text_lines_->pending.size());
            json_lines_->cut(json_lines_->pending.size());
        }
        {
            std::lock_guard lock(mutex_);
            held_ -= done;
            if (held_ == 0) {
                idle_.notify_all();
            }
        }
        if (stopping && backlog_.empty()) {
            break;
        }
    }
    report_drops(true);
}

std::size_t CallLog::absorb(std::span<Event> events) {
    using dialog::CallEventKind;
    std::size_t lost = 0;
    for (Event& e : events) {
        try {
            Change change = Change::ReInvite;
            if (e.kind == CallEventKind::Updated) {
                change = what_changed(e.call);
            } else if (e.kind == CallEventKind::Ended && !updated_.empty()) {
                updated_.erase(e.call.call_id);
            }
            // Both lines and the event, or none of them: nothing half-formatted reaches a file.
            const std::size_t text_before = text_lines_->pending.size();
            const std::size_t json_before = json_lines_->pending.size();
            try {
                Held h;
                append_text_line(text_lines_->pending, e.kind, e.at_ms, e.call, change);
                h.text_end = text_lines_->end();
                append_json_line(json_lines_->pending, e.kind, e.at_ms, e.call);
                h.json_end = json_lines_->end();
                if (e.kind == CallEventKind::Ended) {
                    h.needs_row = true;
                    h.call = e.call;  // a copy: the slot keeps its room for the next event
                }
                backlog_.push_back(std::move(h));
            } catch (...) {
                text_lines_->pending.resize(text_before);
                json_lines_->pending.resize(json_before);
                throw;
            }
        } catch (const std::exception& ex) {
            // Out of memory: this event is given up, not the server.
            ++lost;
            dropped_.fetch_add(1, std::memory_order_relaxed);
            logger()->error("call log: call event of {} lost: {}", e.call.call_id, ex.what());
        }
    }
    return lost;
}

Change CallLog::what_changed(const dialog::Call& call) {
    // The tracker says "updated" for a re-INVITE, a REFER and a forwarding rule alike; what
    // differs from the call's previous Updated event tells which.
    if (updated_.size() >= kMaxUpdatedCalls) {
        updated_.clear();  // Ended events were lost; forget rather than grow
    }
    Seen& seen = updated_[call.call_id];
    Change change = Change::ReInvite;
    if (call.forwarded_to != seen.forwarded_to) {
        change = Change::Forward;
    } else if (call.transfer_to != seen.transfer_to) {
        change = Change::Transfer;
    }
    seen.transfer_to = call.transfer_to;
    seen.forwarded_to = call.forwarded_to;
    return change;
}

void CallLog::flush() {
    if (backlog_.empty()) {
        return;
    }
    write_lines(*text_, *text_lines_);
    write_lines(*json_, *json_lines_);
    write_records();
}

void CallLog::write_lines(OutFile& file, Lines& lines) {
    if (lines.pending.empty()) {
        return;
    }
    if (auto r = file.ensure_open(); !r) {
        failed(file.target, "cannot open " + file.target.path + ": " + r.error().message);
        return;
    }
    std::string error;
    lines.cut(file.write(lines.pending, error));
    if (!error.empty()) {
        failed(file.target, "cannot write " + file.target.path + ": " + error);
        return;
    }
    if (options_.synchronous_full) {
        if (auto r = file.sync(); !r) {
            failed(file.target, "cannot sync " + file.target.path + ": " + r.error().message);
            return;
        }
    }
    succeeded(file.target);
}

void CallLog::write_records() {
    std::vector<const dialog::Call*> rows;
    for (const Held& h : backlog_) {
        if (h.needs_row) {
            rows.push_back(&h.call);
        }
    }
    if (rows.empty()) {
        return;
    }
    if (store_ && !store_->still_at_path()) {
        store_.reset();  // the file or its directory was removed: writes would be lost
    }
    if (!store_) {
        auto opened = CallStore::open(db_path(), options_.synchronous_full);
        if (!opened) {
            failed(*db_target_, "cannot open " + opened.error().message);
            return;
        }
        store_ = std::move(*opened);
        store_read_only_ = false;
    }
    if (bool want = read_only_for_test_.load(); want != store_read_only_) {
        if (store_->set_query_only(want)) {
            store_read_only_ = want;
        }
    }
    if (auto r = store_->insert(rows); !r) {
        failed(*db_target_, "cannot write " + db_path() + ": " + r.error().message);
        return;
    }
    for (Held& h : backlog_) {
        if (h.needs_row) {
            h.needs_row = false;
            h.call = dialog::Call{};
        }
    }
    committed_.fetch_add(rows.size(), std::memory_order_relaxed);
    succeeded(*db_target_);
}

std::size_t CallLog::forget_written() {
    std::size_t before = backlog_.size();
    std::erase_if(backlog_, [this](const Held& h) {
        return !text_lines_->holds(h.text_end) && !json_lines_->holds(h.json_end) && !h.needs_row;
    });
    return before - backlog_.size();
}

void CallLog::failed(Target& target, const std::string& why) {
    if (!target.failing) {
        target.failing = true;
        logger()->error(
            "call log: {}; holding {} call event(s) in memory (at most {}) and retrying "
            "every {} ms",
            why, backlog_.size(), options_.queue_limit, options_.flush_interval.count());
    }
    // Counted after the report, so whoever sees the count can also see the report.
    failed_writes_.fetch_add(1, std::memory_order_release);
}

void CallLog::succeeded(Target& target) {
    if (target.failing) {
        target.failing = false;
        logger()->warn("call log: {} is written again; the held call events are in it",
                       target.path);
    }
}

void CallLog::report_drops(bool final) {
    std::uint64_t dropped = dropped_.load(std::memory_order_relaxed);
    auto now = std::chrono::steady_clock::now();
    if (dropped == drops_reported_ ||
        (!final && now - drops_reported_at_ < std::chrono::seconds(1))) {
        return;
    }
    logger()->error("call log: {} call event(s) dropped, {} in all: more than {} were waiting to "
                    "be written",
                    dropped - drops_reported_, dropped, options_.queue_limit);
    drops_reported_ = dropped;
    drops_reported_at_ = now;
}

}  // namespace sb::cdr
