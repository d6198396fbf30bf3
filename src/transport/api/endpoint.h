#pragma once

// Transport kinds and socket addresses, without any event-loop types, so the layers above the
// transport can name where a message came from and where it goes.

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::transport {

enum class Transport : std::uint8_t { Udp, Tcp, Tls, Ws, Wss };

/// "UDP", "TCP", ... as written in a Via header.
std::string_view via_name(Transport t);
/// "udp", "tcp", ... as in a URI transport parameter and in our listen specs.
std::string_view lower_name(Transport t);
/// Parses a transport name in any case ("udp", "TCP", "ws"...).
std::optional<Transport> parse_transport(std::string_view name);
inline bool is_stream(Transport t) { return t != Transport::Udp; }
inline bool is_secure(Transport t) { return t == Transport::Tls || t == Transport::Wss; }

/// An IPv4 or IPv6 address and port.
class Endpoint {
public:
    Endpoint() = default;
    /// Parses an IP literal (IPv6 with or without brackets); nullopt for names.
    static std::optional<Endpoint> from(std::string_view ip, std::uint16_t port);
    static Endpoint from_sockaddr(const sockaddr* sa);

    bool is_v6() const { return storage_.any.sa_family == AF_INET6; }
    bool valid() const { return storage_.any.sa_family == AF_INET || storage_.any.sa_family == AF_INET6; }
    std::uint16_t port() const;
    void set_port(std::uint16_t port);
    /// The address without brackets ("192.0.2.1", "2001:db8::1").
    std::string ip() const;
    /// The address as a URI host: IPv6 in brackets.
    std::string host() const;
    /// "192.0.2.1:5060" or "[2001:db8::1]:5060".
    std::string to_string() const;
    bool is_unspecified() const;
    /// IPv4 224.0.0.0/4 or 255.255.255.255, IPv6 ff00::/8.
    bool is_multicast_or_broadcast() const;

    const sockaddr* sockaddr_ptr() const { return reinterpret_cast<const sockaddr*>(&storage_); }
    socklen_t sockaddr_len() const {
        return is_v6() ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    }

    bool operator==(const Endpoint& other) const;
    /// The same IP address, whatever the ports.
    bool same_address(const Endpoint& other) const;
    std::size_t hash() const;

private:
    // Room for an IPv4 or IPv6 address only, 28 bytes where sockaddr_storage takes 128: every
    // transaction, binding and connection holds some. The largest member first, so that {}
    // zeroes all of it.
    union Storage {
        sockaddr_in6 v6;
        sockaddr_in v4;
        sockaddr any;
    };
    Storage storage_{};
};

struct EndpointHash {
    std::size_t operator()(const Endpoint& e) const { return e.hash(); }
};

}  // namespace sb::transport
