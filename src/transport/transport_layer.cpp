#include "transport/transport_layer.h"

#include <sys/socket.h>

#include <boost/asio/ip/v6_only.hpp>

#include <future>
#include <map>

#include "base/log.h"
#include "transport/api/listen_spec.h"
#include "transport/local_address.h"
#include "transport/stream_connection.h"

namespace sb::transport {
namespace {

std::shared_ptr<spdlog::logger> logger() {
    static auto l = log::get("transport");
    return l;
}

using ReusePort = boost::asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
using V6Only = boost::asio::ip::v6_only;

// Runs `fn` on every worker and waits until all have run it.
template <class F>
void on_every_worker(const std::vector<io::Worker*>& workers, F fn) {
    std::vector<std::future<void>> done;
    for (io::Worker* w : workers) {
        auto promise = std::make_shared<std::promise<void>>();
        done.push_back(promise->get_future());
        w->post([promise, w, fn] {
            fn(*w);
            promise->set_value();
        });
    }
    for (auto& f : done) {
        f.wait_for(std::chrono::seconds(5));
    }
}

}  // namespace

TransportLayer::TransportLayer(const TransportConfig& config, std::vector<io::Worker*> workers,
                               Receiver& receiver)
    : config_(config), workers_(std::move(workers)), receiver_(receiver) {}

TransportLayer::~TransportLayer() = default;

Result<void> TransportLayer::open() {
    // Port 0: pick one port per host that is free for every transport asked for on it.
    std::map<std::string, std::uint16_t> chosen;
    for (const ListenSpec& spec : config_.listen) {
        if (spec.port != 0 || chosen.count(spec.host) != 0) {
            continue;
        }
        auto host = Endpoint::from(spec.host, 0);
        if (!host) {
            return fail("cannot listen on '" + spec.host + "': not an IP address");
        }
        for (int attempt = 0; attempt < 16 && chosen.count(spec.host) == 0; ++attempt) {
            auto port = probe_port(Transport::Udp, *host);
            if (!port) {
                return Unexpected(port.error());
            }
            Endpoint candidate = *host;
            candidate.set_port(*port);
            bool free_everywhere = true;
            for (const ListenSpec& other : config_.listen) {
                if (other.host == spec.host && other.port == 0 && is_stream(other.transport) &&
                    !probe_port(Transport::Tcp, candidate)) {
                    free_everywhere = false;
                }
            }
            if (free_everywhere) {
                chosen[spec.host] = *port;
            }
        }
        if (chosen.count(spec.host) == 0) {
            return fail("cannot find a free port on " + spec.host);
        }
    }

    for (const ListenSpec& spec : config_.listen) {
        auto local = Endpoint::from(spec.host, spec.port != 0 ? spec.port : chosen[spec.host]);
        if (!local) {
            return fail("cannot listen on '" + spec.host + "': not an IP address");
        }
        if (spec.port != 0) {
            auto probe = probe_port(spec.transport == Transport::Udp ? Transport::Udp : Transport::Tcp,
                                    *local);
            if (!probe) {
                // A host without IPv6 cannot listen on "::": skip it when other listeners exist.
                if (local->is_v6() && local->is_unspecified() &&
                    probe.error().message.find("not supported") != std::string::npos) {
                    logger()->warn("{}; IPv6 is not available here", probe.error().message);
                    continue;
                }
                return Unexpected(probe.error());
            }
        }
        Listener listener{static_cast<ListenerId>(listeners_.size()), spec.transport, *local};
        Result<void> bound = spec.transport == Transport::Udp ? bind_udp(listener)
                                                              : bind_tcp(listener);
        if (!bound) {
            return bound;
        }
        listeners_.push_back(listener);
    }
    if (listeners_.empty()) {
        return fail("nothing to listen on");
    }
    return {};
}

Result<void> TransportLayer::bind_udp(Listener& l) {
    if (l.transport != Transport::Udp) {
        return fail("unsupported transport");
    }
    UdpGroup group{l.id, {}};
    for (io::Worker* w : workers_) {
        auto socket = std::make_unique<UdpSocket>(*w, l.id, receiver_, config_);
        auto bound = socket->bind(l.local);
        if (!bound) {
            return Unexpected(bound.error());
        }
        group.per_worker.push_back(std::move(socket));
    }
    udp_.push_back(std::move(group));
    return {};
}

Result<void> TransportLayer::bind_tcp(Listener& l) {
    if (l.transport != Transport::Tcp) {
        return fail(std::string(lower_name(l.transport)) + " listeners are not supported yet");
    }
    TcpGroup group{l.id, {}};
    boost::asio::ip::tcp::endpoint ep;
    std::memcpy(ep.data(), l.local.sockaddr_ptr(), l.local.sockaddr_len());
    for (io::Worker* w : workers_) {
        auto acceptor = std::make_unique<boost::asio::ip::tcp::acceptor>(w->context());
        boost::system::error_code ec;
        acceptor->open(ep.protocol(), ec);
        if (!ec) {
            acceptor->set_option(boost::asio::socket_base::reuse_address(true), ec);
            acceptor->set_option(ReusePort(true), ec);
            if (l.local.is_v6()) {
                acceptor->set_option(V6Only(true), ec);
            }
            acceptor->bind(ep, ec);
        }
        if (!ec) {
            acceptor->listen(boost::asio::socket_base::max_listen_connections, ec);
        }
        if (ec) {
            return fail("cannot listen on tcp:" + l.local.to_string() + ": " + ec.message());
        }
        group.per_worker.push_back(std::move(acceptor));
    }
    tcp_.push_back(std::move(group));
    return {};
}

void TransportLayer::start() {
    for (auto& group : udp_) {
        for (auto& socket : group.per_worker) {
            socket->start();
        }
    }
    for (auto& group : tcp_) {
        for (std::size_t w = 0; w < workers_.size(); ++w) {
            accept(group, w);
        }
    }
}

void TransportLayer::accept(TcpGroup& group, std::size_t worker) {
    io::Worker& w = *workers_[worker];
    group.per_worker[worker]->async_accept(
        w.context(), [this, &group, worker, &w](const boost::system::error_code& ec,
                                                boost::asio::ip::tcp::socket socket) {
            if (ec == boost::asio::error::operation_aborted ||
                !group.per_worker[worker]->is_open()) {
                return;
            }
            if (!ec) {
                auto c = std::make_shared<StreamConnection>(w, std::move(socket),
                                                            connections_.next_id(), group.listener,
                                                            receiver_, connections_, config_);
                if (connections_.add(c, config_.max_connections, config_.max_connections_per_ip)) {
                    c->start();
                } else {
                    logger()->warn("refused tcp connection from {}: connection limit",
                                   c->remote().to_string());
                }
            }
            accept(group, worker);
        });
}

void TransportLayer::close() {
    on_every_worker(workers_, [this](io::Worker& w) {
        for (auto& group : udp_) {
            group.per_worker[w.index()]->close();
        }
        for (auto& group : tcp_) {
            boost::system::error_code ec;
            group.per_worker[w.index()]->close(ec);
        }
    });
    connections_.close_all();
    // Let the posted closes run before the workers stop.
    on_every_worker(workers_, [](io::Worker&) {});
}

std::string TransportLayer::describe() const {
    std::string out;
    for (const Listener& l : listeners_) {
        if (!out.empty()) {
            out += ' ';
        }
        out += std::string(lower_name(l.transport)) + ":" + l.local.to_string();
    }
    return out;
}

const Listener* TransportLayer::listener_for(Transport transport, const Endpoint& remote) const {
    auto source = route_source(remote);
    const Listener* wildcard = nullptr;
    const Listener* any = nullptr;
    for (const Listener& l : listeners_) {
        if (l.transport != transport || l.local.is_v6() != remote.is_v6()) {
            continue;
        }
        if (source && l.local.ip() == source->ip()) {
            return &l;
        }
        if (l.local.is_unspecified() && wildcard == nullptr) {
            wildcard = &l;
        }
        if (any == nullptr) {
            any = &l;
        }
    }
    return wildcard != nullptr ? wildcard : any;
}

Endpoint TransportLayer::advertised(const Listener& listener, const Endpoint& remote) const {
    if (!listener.local.is_unspecified()) {
        return listener.local;
    }
    auto source = route_source(remote);
    Endpoint out = source ? *source : listener.local;
    out.set_port(listener.local.port());
    return out;
}

bool TransportLayer::send(const Destination& to, std::string_view bytes) {
    if (is_stream(to.transport)) {
        return send_stream(to, bytes);
    }
    const Listener* l = nullptr;
    if (to.listener < listeners_.size() && listeners_[to.listener].transport == Transport::Udp &&
        listeners_[to.listener].local.is_v6() == to.remote.is_v6()) {
        l = &listeners_[to.listener];
    } else {
        l = listener_for(Transport::Udp, to.remote);
    }
    if (l == nullptr) {
        return false;
    }
    io::Worker* current = io::Worker::current();
    std::size_t w = current != nullptr && current->index() < workers_.size() ? current->index() : 0;
    for (auto& group : udp_) {
        if (group.listener == l->id) {
            return group.per_worker[w]->send_to(to.remote, bytes);
        }
    }
    return false;
}

bool TransportLayer::send_stream(const Destination& to, std::string_view bytes) {
    std::shared_ptr<StreamConnection> c;
    if (to.connection != 0) {
        c = connections_.find(to.connection);
    }
    if (!c) {
        c = connections_.find(to.transport, to.remote);
    }
    if (c) {
        c->send(std::string(bytes));
        return true;
    }
    if (to.transport != Transport::Tcp) {
        return false;
    }
    const Listener* l = listener_for(Transport::Tcp, to.remote);
    if (l == nullptr) {
        return false;
    }
    io::Worker* current = io::Worker::current();
    io::Worker& w = current != nullptr ? *current : *workers_.front();
    auto conn = std::make_shared<StreamConnection>(w, boost::asio::ip::tcp::socket(w.context()),
                                                   connections_.next_id(), l->id, receiver_,
                                                   connections_, config_);
    // The peer address is known before connecting, so the table can index it right away.
    conn->set_remote(to.remote);
    if (!connections_.add(conn, config_.max_connections, config_.max_connections_per_ip)) {
        return false;
    }
    conn->send(std::string(bytes));
    w.post([conn, remote = to.remote] { conn->connect(remote); });
    return true;
}

}  // namespace sb::transport
