#pragma once

// A small cache of DNS answers, positive and negative, kept for their TTL (capped) and bounded
// in size. Time is a parameter, so tests need no clock.

#include <chrono>
#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/clock.h"
#include "dns/records.h"

namespace sb::dns {

/// How long `answer` may be kept: its TTL, capped at `max_ttl`. Zero (not cached) for timeouts
/// and failures, which say nothing about the name (RFC 2308 §7 allows caching a server failure
/// for at most five minutes; we do not, as the next query may reach a server that works).
std::chrono::seconds cache_lifetime(const Answer& answer, std::chrono::seconds max_ttl);

class Cache {
public:
    /// `max_entries` 0 disables the cache.
    Cache(std::size_t max_entries, std::chrono::seconds max_ttl);

    /// The answer stored for `name` (lower case) and `type`, unless it has expired by `now`.
    std::optional<Answer> find(const std::string& name, RecordType type, TimePoint now);
    /// Stores `answer` for cache_lifetime(); one that may not be cached is ignored. When full,
    /// the least recently used entry makes room.
    void insert(const std::string& name, RecordType type, const Answer& answer, TimePoint now);

    std::size_t size() const { return entries_.size(); }

private:
    struct Entry {
        std::string key;
        Answer answer;
        TimePoint expires;
    };

    static std::string key_of(const std::string& name, RecordType type);

    std::size_t max_entries_;
    std::chrono::seconds max_ttl_;
    std::list<Entry> entries_;  // most recently used first
    std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace sb::dns
