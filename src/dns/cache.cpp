#include "dns/cache.h"

#include <algorithm>

namespace sb::dns {

std::chrono::seconds cache_lifetime(const Answer& answer, std::chrono::seconds max_ttl) {
    if (answer.status != Answer::Status::Ok && answer.status != Answer::Status::NxDomain) {
        return std::chrono::seconds(0);
    }
    return std::min(std::chrono::seconds(answer.ttl), std::max(max_ttl, std::chrono::seconds(0)));
}

Cache::Cache(std::size_t max_entries, std::chrono::seconds max_ttl)
    : max_entries_(max_entries), max_ttl_(max_ttl) {}

std::string Cache::key_of(const std::string& name, RecordType type) {
    std::string key = name;
    key += '/';
    key += std::to_string(static_cast<unsigned>(type));
    return key;
}

std::optional<Answer> Cache::find(const std::string& name, RecordType type, TimePoint now) {
    auto it = index_.find(key_of(name, type));
    if (it == index_.end()) {
        return std::nullopt;
    }
    if (now >= it->second->expires) {
        entries_.erase(it->second);
        index_.erase(it);
        return std::nullopt;
    }
    entries_.splice(entries_.begin(), entries_, it->second);
    return it->second->answer;
}

void Cache::insert(const std::string& name, RecordType type, const Answer& answer,
                   TimePoint now) {
    std::chrono::seconds lifetime = cache_lifetime(answer, max_ttl_);
    if (lifetime.count() <= 0 || max_entries_ == 0) {
        return;
    }
    std::string key = key_of(name, type);
    if (auto it = index_.find(key); it != index_.end()) {
        entries_.erase(it->second);
        index_.erase(it);
    }
    while (entries_.size() >= max_entries_) {
        index_.erase(entries_.back().key);
        entries_.pop_back();
    }
    entries_.push_front(Entry{key, answer, now + lifetime});
    index_.emplace(std::move(key), entries_.begin());
}

}  // namespace sb::dns
