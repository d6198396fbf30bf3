#include "transport/connection_table.h"

#include <vector>

#include "transport/stream_connection.h"

namespace sb::transport {

bool ConnectionTable::add(const std::shared_ptr<StreamConnection>& c, std::size_t max_total,
                          std::size_t max_per_ip) {
    std::lock_guard lock(mutex_);
    std::string ip = c->remote().ip();
    if (by_id_.size() >= max_total || per_ip_[ip] >= max_per_ip) {
        if (per_ip_[ip] == 0) {
            per_ip_.erase(ip);
        }
        return false;
    }
    ++per_ip_[ip];
    by_id_[c->id()] = c;
    by_remote_[Key{c->transport(), c->remote()}] = c->id();
    return true;
}

void ConnectionTable::remove(ConnectionId id) {
    std::lock_guard lock(mutex_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) {
        return;
    }
    Key key{it->second->transport(), it->second->remote()};
    if (auto r = by_remote_.find(key); r != by_remote_.end() && r->second == id) {
        by_remote_.erase(r);
    }
    std::string ip = it->second->remote().ip();
    if (auto p = per_ip_.find(ip); p != per_ip_.end() && --p->second == 0) {
        per_ip_.erase(p);
    }
    by_id_.erase(it);
}

std::shared_ptr<StreamConnection> ConnectionTable::find(ConnectionId id) const {
    std::lock_guard lock(mutex_);
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second;
}

std::shared_ptr<StreamConnection> ConnectionTable::find(Transport t, const Endpoint& remote) const {
    std::lock_guard lock(mutex_);
    auto it = by_remote_.find(Key{t, remote});
    if (it == by_remote_.end()) {
        return nullptr;
    }
    auto c = by_id_.find(it->second);
    return c == by_id_.end() ? nullptr : c->second;
}

std::size_t ConnectionTable::size() const {
    std::lock_guard lock(mutex_);
    return by_id_.size();
}

void ConnectionTable::close_all() {
    std::vector<std::shared_ptr<StreamConnection>> all;
    {
        std::lock_guard lock(mutex_);
        for (auto& [id, c] : by_id_) {
            all.push_back(c);
        }
    }
    for (auto& c : all) {
        c->close();
    }
}

}  // namespace sb::transport
