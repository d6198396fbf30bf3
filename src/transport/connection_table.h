#pragma once

// Every open stream connection, shared by all workers: find one by id (to answer on the
// connection a request came in on) or by peer address (to reuse it for new requests).
// Connections are opened and closed rarely compared with the messages that use them, so a
// mutex here costs little; the message path takes it once per stream send.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "transport/api/source.h"

namespace sb::transport {

class StreamConnection;

class ConnectionTable {
public:
    ConnectionId next_id() { return ++last_id_; }

    /// Adds a connection; false when a limit (in all, or per peer IP) would be exceeded.
    bool add(const std::shared_ptr<StreamConnection>& c, std::size_t max_total,
             std::size_t max_per_ip);
    void remove(ConnectionId id);
    std::shared_ptr<StreamConnection> find(ConnectionId id) const;
    std::shared_ptr<StreamConnection> find(Transport t, const Endpoint& remote) const;
    std::size_t size() const;
    /// Closes every connection (at shutdown).
    void close_all();

private:
    struct Key {
        Transport transport;
        Endpoint remote;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key& k) const {
            return k.remote.hash() ^ static_cast<std::size_t>(k.transport);
        }
    };

    mutable std::mutex mutex_;
    std::atomic<ConnectionId> last_id_{0};
    std::unordered_map<ConnectionId, std::shared_ptr<StreamConnection>> by_id_;
    std::unordered_map<Key, ConnectionId, KeyHash> by_remote_;
    std::unordered_map<std::string, std::size_t> per_ip_;
};

}  // namespace sb::transport
