#pragma once

// Where bindings live. The registrar decides what a REGISTER means; a store keeps the result
// atomically and durably. Implementations: memory (tests, no persistence), SQLite (default),
// Redis (several nodes sharing one user base).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "location/api/binding.h"

namespace sb::location {

class LocationStore {
public:
    /// Computes the new bindings of an AOR from its current (unexpired) ones. Returning an error
    /// aborts the update and leaves the store untouched. May be called more than once for one
    /// update (optimistic stores retry on a conflicting write), so it must have no side effects
    /// beyond its result.
    using Change = std::function<Result<std::vector<Binding>>(const std::vector<Binding>& current)>;

    virtual ~LocationStore() = default;

    /// The bindings of `aor` that have not lapsed at `now` (Unix seconds), in no set order.
    virtual Result<std::vector<Binding>> lookup(std::string_view aor, std::int64_t now) = 0;

    /// Reads the unexpired bindings of `aor`, applies `change`, and stores the returned set in
    /// place of all of the AOR's bindings (an empty set removes the AOR). Atomic per AOR. When it
    /// returns success the new set is durable; when it fails, nothing stored has changed.
    /// Returns the bindings now stored.
    virtual Result<std::vector<Binding>> update(std::string_view aor, std::int64_t now,
                                                const Change& change) = 0;

    /// Removes every binding that lapsed before `now`; returns how many were removed.
    virtual Result<std::size_t> expire(std::int64_t now) = 0;

    /// Every AOR with at least one binding unexpired at `now`, for listings.
    virtual Result<std::vector<std::string>> aors(std::int64_t now) = 0;

    /// Number of bindings unexpired at `now`.
    virtual Result<std::size_t> count(std::int64_t now) = 0;
};

}  // namespace sb::location
