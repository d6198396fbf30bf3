// Writing behind memory: updates mark their AOR changed, and a writer thread commits the sets
// memory holds for the changed AORs, many in one transaction. Memory is changed before the mark,
// and the writer takes the marks before it reads memory, so a change made while a batch is
// being written is marked again and goes in the next one.

#include <limits>
#include <utility>

#include "base/log.h"
#include "location/sqlite/sqlite_store.h"

namespace sb::location {

namespace {

std::shared_ptr<spdlog::logger> logger() {
    static const std::shared_ptr<spdlog::logger> instance = log::get("location");
    return instance;
}

// Reads an AOR's whole set, lapsed bindings included: expire() removes those itself.
constexpr std::int64_t kEveryBinding = std::numeric_limits<std::int64_t>::min();

}  // namespace

void SqliteStore::changed(std::string_view aor) {
    bool first = false;
    {
        std::lock_guard lock(changed_mutex_);
        first = changed_.empty();
        changed_.emplace(aor);
    }
    if (first) {
        changed_cv_.notify_one();
    }
}

Result<void> SqliteStore::flush() {
    // One flush at a time: a second one could read an AOR's newer set and commit it before the
    // first commits the older one it read.
    std::lock_guard flushing(flush_mutex_);
    std::unordered_set<std::string> batch;
    {
        std::lock_guard lock(changed_mutex_);
        batch.swap(changed_);
    }
    if (batch.empty()) {
        return {};
    }
    std::vector<std::vector<Binding>> current;
    std::vector<AorSet> sets;
    current.reserve(batch.size());
    sets.reserve(batch.size());
    for (const std::string& aor : batch) {
        Result<std::vector<Binding>> set = memory_.lookup(aor, kEveryBinding);
        current.push_back(set ? std::move(*set) : std::vector<Binding>{});
        sets.push_back({aor, &current.back()});
    }
    Result<void> written = write_sets(sets);
    if (!written) {
        // Nothing of the batch is in the file: the AORs wait again, beside any changed since.
        std::lock_guard lock(changed_mutex_);
        changed_.merge(batch);
        failed_flushes_.fetch_add(1, std::memory_order_release);
        return written;
    }
    written_behind_.fetch_add(sets.size(), std::memory_order_release);
    return {};
}

void SqliteStore::run_writer() {
    bool failing = false;
    std::unique_lock lock(changed_mutex_);
    while (true) {
        changed_cv_.wait(lock, [this] { return stopping_ || !changed_.empty(); });
        // What changes within the delay joins the same transaction.
        changed_cv_.wait_for(lock, write_delay_, [this] { return stopping_; });
        if (stopping_) {
            return;  // stop_writer() writes the rest
        }
        lock.unlock();
        Result<void> written = flush();
        if (!written && !failing) {
            logger()->error(
                "{} (file {}); the changed registrations stay in memory and the write is "
                "retried every {} ms",
                written.error().message, path_, write_delay_.count());
        } else if (written && failing) {
            logger()->warn("location store {} is written again", path_);
        }
        failing = !written;
        lock.lock();
    }
}

void SqliteStore::stop_writer() {
    if (!writer_.joinable()) {
        return;
    }
    {
        std::lock_guard lock(changed_mutex_);
        stopping_ = true;
    }
    changed_cv_.notify_one();
    writer_.join();
    if (Result<void> written = flush(); !written) {
        logger()->error("{} (file {}); the registrations changed last are not in it",
                        written.error().message, path_);
    }
}

}  // namespace sb::location
