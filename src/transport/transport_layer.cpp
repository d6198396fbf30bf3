#include "transport/transport_layer.h"

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/v6_only.hpp>

#include <algorithm>
#include <cstring>
#include <future>

#include "base/log.h"
#include "transport/api/listen_spec.h"
#include "transport/listen_ports.h"
#include "transport/local_address.h"
#include "transport/stream_factory.h"
#include "transport/tls_context.h"

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
    if (std::any_of(config_.listen.begin(), config_.listen.end(),
                    [](const ListenSpec& s) { return is_secure(s.transport); })) {
        if (auto ready = open_tls(); !ready) {
            return ready;
        }
    }
    auto ports = choose_ports(config_.listen);
    if (!ports) {
        return Unexpected(ports.error());
    }
    for (std::size_t i = 0; i < config_.listen.size(); ++i) {
        const ListenSpec& spec = config_.listen[i];
        auto local = Endpoint::from(spec.host, (*ports)[i]);
        if (!local) {
            return fail("cannot listen on '" + spec.host + "': not an IP address");
        }
        if (spec.port != 0) {
            auto probe = probe_port(
                spec.transport == Transport::Udp ? Transport::Udp : Transport::Tcp, *local);
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
                                                              : bind_stream(listener);
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

Result<void> TransportLayer::open_tls() {
    // A generated certificate names this host and every address a TLS peer may reach us at.
    std::vector<std::string> addresses;
    bool wildcard = false;
    for (const ListenSpec& spec : config_.listen) {
        auto e = Endpoint::from(spec.host, 0);
        if (e && e->is_unspecified()) {
            wildcard = true;
        } else if (e) {
            addresses.push_back(e->ip());
        }
    }
    if (wildcard) {
        auto more = interface_addresses();
        addresses.insert(addresses.end(), more.begin(), more.end());
    }
    char host[256] = {};
    if (::gethostname(host, sizeof(host) - 1) != 0) {
        std::strcpy(host, "localhost");
    }
    auto tls = TlsContext::create(config_.tls, host, addresses);
    if (!tls) {
        return Unexpected(tls.error());
    }
    tls_ = std::move(*tls);
    return {};
}

Result<void> TransportLayer::bind_udp(Listener& l) {
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

Result<void> TransportLayer::bind_stream(Listener& l) {
    StreamGroup group{l.id, l.transport, {}};
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
            return fail("cannot listen on " + std::string(lower_name(l.transport)) + ":" +
                        l.local.to_string() + ": " + ec.message());
        }
        group.per_worker.push_back(std::move(acceptor));
    }
    streams_.push_back(std::move(group));
    return {};
}

void TransportLayer::start() {
    for (auto& group : udp_) {
        for (auto& socket : group.per_worker) {
            socket->start();
        }
    }
    for (auto& group : streams_) {
        for (std::size_t w = 0; w < workers_.size(); ++w) {
            accept(group, w);
        }
    }
}

void TransportLayer::accept(StreamGroup& group, std::size_t worker) {
    io::Worker& w = *workers_[worker];
    group.per_worker[worker]->async_accept(
        w.context(), [this, &group, worker, &w](const boost::system::error_code& ec,
                                                boost::asio::ip::tcp::socket socket) {
            if (ec == boost::asio::error::operation_aborted ||
                !group.per_worker[worker]->is_open()) {
                return;
            }
            if (!ec) {
                boost::system::error_code peer_ec;
                auto peer = socket.remote_endpoint(peer_ec);
                Endpoint remote = peer_ec ? Endpoint{} : Endpoint::from_sockaddr(peer.data());
                StreamConnection::Parts parts{w,        group.transport, connections_.next_id(),
                                              group.listener, receiver_, connections_,
                                              config_,  remote};
                auto c = make_stream_connection(parts, std::move(socket), tls_.get(), false);
                if (c && connections_.add(c, config_.max_connections,
                                          config_.max_connections_per_ip)) {
                    c->start();
                } else {
                    logger()->warn("refused {} connection from {}: connection limit",
                                   lower_name(group.transport), remote.to_string());
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
        for (auto& group : streams_) {
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
        if (source && l.local.same_address(*source)) {
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
    // A WebSocket phone is reachable only over the connection it opened (RFC 7118 §5).
    if (!can_connect(to.transport)) {
        return false;
    }
    const Listener* l = listener_for(to.transport, to.remote);
    if (l == nullptr) {
        return false;
    }
    io::Worker* current = io::Worker::current();
    io::Worker& w = current != nullptr ? *current : *workers_.front();
    // The peer address is known before connecting, so the table can index it right away.
    StreamConnection::Parts parts{w,       to.transport, connections_.next_id(), l->id, receiver_,
                                  connections_, config_,      to.remote};
    auto conn = make_stream_connection(parts, boost::asio::ip::tcp::socket(w.context()),
                                       tls_.get(), true);
    if (!conn || !connections_.add(conn, config_.max_connections, config_.max_connections_per_ip)) {
        return false;
    }
    conn->send(std::string(bytes));
    w.post([conn] { conn->connect(); });
    return true;
}

}  // namespace sb::transport
