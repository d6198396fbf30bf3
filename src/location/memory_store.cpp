#include "location/memory_store.h"

#include <algorithm>
#include <mutex>
#include <utility>

namespace sb::location {

namespace {

bool lapsed(const Binding& binding, std::int64_t now) { return binding.expires_at <= now; }

std::int64_t earliest_of(const std::vector<Binding>& bindings, std::int64_t earliest) {
    for (const Binding& binding : bindings) {
        earliest = std::min(earliest, binding.expires_at);
    }
    return earliest;
}

}  // namespace

MemoryStore::Shard& MemoryStore::shard_for(std::string_view aor) {
    return shards_[StringHash{}(aor) % kShards];
}

Result<std::vector<Binding>> MemoryStore::lookup(std::string_view aor, std::int64_t now) {
    Shard& shard = shard_for(aor);
    std::shared_lock lock(shard.mutex);
    std::vector<Binding> live;
    auto it = shard.bindings.find(aor);
    if (it == shard.bindings.end()) {
        return live;
    }
    live.reserve(it->second.size());
    for (const Binding& binding : it->second) {
        if (!lapsed(binding, now)) {
            live.push_back(binding);
        }
    }
    return live;
}

Result<std::vector<Binding>> MemoryStore::update(std::string_view aor, std::int64_t now,
                                                 const Change& change) {
    return update_with_commit(aor, now, change, nullptr);
}

Result<std::vector<Binding>> MemoryStore::update_with_commit(std::string_view aor, std::int64_t now,
                                                             const Change& change,
                                                             const Commit& commit) {
    Shard& shard = shard_for(aor);
    // Held through `change` and `commit`: this is what makes an update atomic per AOR.
    std::unique_lock lock(shard.mutex);
    auto it = shard.bindings.find(aor);

    static const std::vector<Binding> kNone;
    const std::vector<Binding>* current = &kNone;
    std::vector<Binding> live;
    if (it != shard.bindings.end()) {
        current = &it->second;
        // Copy only when something lapsed; a refresh usually finds every binding live.
        if (std::any_of(it->second.begin(), it->second.end(),
                        [now](const Binding& b) { return lapsed(b, now); })) {
            for (const Binding& binding : it->second) {
                if (!lapsed(binding, now)) {
                    live.push_back(binding);
                }
            }
            current = &live;
        }
    }

    Result<std::vector<Binding>> next = change(*current);
    if (!next) {
        return Unexpected<Error>(std::move(next.error()));
    }
    for (const Binding& binding : *next) {
        if (binding.aor != aor) {
            // Stored under one AOR but naming another, it would be found by neither lookup.
            return fail("location update of " + std::string(aor) + " returned a binding of " +
                        binding.aor);
        }
    }
    if (commit) {
        Result<void> committed = commit(aor, *next);
        if (!committed) {
            return Unexpected<Error>(committed.error());
        }
    }

    shard.earliest_expiry = earliest_of(*next, shard.earliest_expiry);
    if (next->empty()) {
        if (it != shard.bindings.end()) {
            shard.bindings.erase(it);
        }
    } else if (it != shard.bindings.end()) {
        it->second = *next;
    } else {
        shard.bindings.emplace(std::string(aor), *next);
    }
    return next;
}

void MemoryStore::insert(Binding&& binding) {
    Shard& shard = shard_for(binding.aor);
    std::unique_lock lock(shard.mutex);
    auto it = shard.bindings.find(binding.aor);
    if (it == shard.bindings.end()) {
        it = shard.bindings.emplace(binding.aor, std::vector<Binding>{}).first;
    }
    shard.earliest_expiry = std::min(shard.earliest_expiry, binding.expires_at);
    it->second.push_back(std::move(binding));
}

Result<std::size_t> MemoryStore::expire(std::int64_t now) {
    return expire_with_commit(now, nullptr);
}

Result<std::size_t> MemoryStore::expire_with_commit(std::int64_t now, const ExpireCommit& commit) {
    auto is_lapsed = [now](const Binding& b) { return lapsed(b, now); };
    std::size_t removed = 0;
    std::vector<std::string_view> touched;
    for (Shard& shard : shards_) {
        std::unique_lock lock(shard.mutex);
        if (shard.earliest_expiry > now) {
            continue;
        }
        if (commit) {
            touched.clear();
            for (const auto& [aor, bindings] : shard.bindings) {
                if (std::any_of(bindings.begin(), bindings.end(), is_lapsed)) {
                    touched.push_back(aor);  // the key outlives the call: the shard is locked
                }
            }
            if (!touched.empty()) {
                if (Result<void> committed = commit(touched); !committed) {
                    return Unexpected<Error>(committed.error());
                }
            }
        }
        std::int64_t earliest = kNever;
        for (auto it = shard.bindings.begin(); it != shard.bindings.end();) {
            removed += std::erase_if(it->second, is_lapsed);
            if (it->second.empty()) {
                it = shard.bindings.erase(it);
            } else {
                earliest = earliest_of(it->second, earliest);
                ++it;
            }
        }
        shard.earliest_expiry = earliest;
    }
    return removed;
}

Result<std::vector<std::string>> MemoryStore::aors(std::int64_t now) {
    std::vector<std::string> out;
    for (Shard& shard : shards_) {
        std::shared_lock lock(shard.mutex);
        for (const auto& [aor, bindings] : shard.bindings) {
            if (std::any_of(bindings.begin(), bindings.end(),
                            [now](const Binding& b) { return !lapsed(b, now); })) {
                out.push_back(aor);
            }
        }
    }
    return out;
}

Result<std::size_t> MemoryStore::count(std::int64_t now) {
    std::size_t live = 0;
    for (Shard& shard : shards_) {
        std::shared_lock lock(shard.mutex);
        for (const auto& entry : shard.bindings) {
            live += static_cast<std::size_t>(
                std::count_if(entry.second.begin(), entry.second.end(),
                              [now](const Binding& b) { return !lapsed(b, now); }));
        }
    }
    return live;
}

}  // namespace sb::location
