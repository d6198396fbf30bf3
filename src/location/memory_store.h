#pragma once

// Bindings kept in this process only: the no-persistence mode, the store tests use, and the
// in-memory copy behind the durable stores (which write through it with `update_with_commit`).

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/string_map.h"
#include "location/api/binding.h"
#include "location/api/store.h"

namespace sb::location {

/// A LocationStore in memory, safe to call from any number of threads. AORs are spread over
/// shards by hash, each behind its own reader-writer lock, so lookups (one per routed call) share
/// a lock with each other and wait only for a write to an AOR of the same shard.
class MemoryStore final : public LocationStore {
public:
    /// Makes an AOR's new set durable somewhere else before memory takes it. Called with the
    /// AOR's lock held, so writes to one AOR reach it in the order memory applies them.
    using Commit =
        std::function<Result<void>(std::string_view aor, const std::vector<Binding>& next)>;
    /// Removes elsewhere the bindings of `aors` lapsed at the time given to expire, before memory
    /// does. Called once per shard that has some, with that shard locked.
    using ExpireCommit = std::function<Result<void>(const std::vector<std::string_view>& aors)>;

    MemoryStore() = default;
    MemoryStore(const MemoryStore&) = delete;
    MemoryStore& operator=(const MemoryStore&) = delete;

    // LocationStore
    Result<std::vector<Binding>> lookup(std::string_view aor, std::int64_t now) override;
    /// Fails, leaving the AOR as it was, when `change` returns an error or a binding whose `aor`
    /// is not `aor`.
    Result<std::vector<Binding>> update(std::string_view aor, std::int64_t now,
                                        const Change& change) override;
    Result<std::size_t> expire(std::int64_t now) override;
    Result<std::vector<std::string>> aors(std::int64_t now) override;
    Result<std::size_t> count(std::int64_t now) override;

    /// As update(), then calls `commit` with the new set while the AOR is still locked. Memory
    /// changes only when `commit` succeeds; its error is returned as it is.
    Result<std::vector<Binding>> update_with_commit(std::string_view aor, std::int64_t now,
                                                    const Change& change, const Commit& commit);

    /// As expire(), shard by shard, calling `commit` before memory changes. When `commit` fails,
    /// its error is returned; the shards already done stay expired, the others are untouched.
    Result<std::size_t> expire_with_commit(std::int64_t now, const ExpireCommit& commit);

    /// Appends `binding` to its AOR's set as it is, with no change function and no check of its
    /// expiry: for a durable store loading what it kept.
    void insert(Binding&& binding);

private:
    using Map = StringMap<std::vector<Binding>>;  // by AOR

    static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

    // Padded to a cache line so that two workers reading different shards do not bounce the
    // same line between cores through the lock words.
    struct alignas(64) Shard {
        std::shared_mutex mutex;
        Map bindings;  // guarded by mutex; an AOR with no binding has no entry
        // Guarded by mutex: no binding of the shard lapses before this time. Lowered by every
        // binding stored, raised only by a scan, so expire() skips a shard with nothing due:
        // a walk over every binding, on a worker, every expire_interval, stalled its messages
        // for hundreds of milliseconds with a few hundred thousand registrations.
        std::int64_t earliest_expiry = kNever;
    };

    // Enough that 2-16 worker threads rarely meet on one lock, few enough that the scans in
    // expire/aors/count stay cheap.
    static constexpr std::size_t kShards = 64;

    Shard& shard_for(std::string_view aor);

    std::array<Shard, kShards> shards_;
};

}  // namespace sb::location
