#include "transport/api/endpoint.h"

#include <arpa/inet.h>

#include <cstring>

#include "base/strings.h"

namespace sb::transport {

std::string_view via_name(Transport t) {
    switch (t) {
        case Transport::Udp: return "UDP";
        case Transport::Tcp: return "TCP";
        case Transport::Tls: return "TLS";
        case Transport::Ws: return "WS";
        case Transport::Wss: return "WSS";
    }
    return "UDP";
}

std::string_view lower_name(Transport t) {
    switch (t) {
        case Transport::Udp: return "udp";
        case Transport::Tcp: return "tcp";
        case Transport::Tls: return "tls";
        case Transport::Ws: return "ws";
        case Transport::Wss: return "wss";
    }
    return "udp";
}

std::optional<Transport> parse_transport(std::string_view name) {
    for (Transport t : {Transport::Udp, Transport::Tcp, Transport::Tls, Transport::Ws,
                        Transport::Wss}) {
        if (iequals(name, lower_name(t))) {
            return t;
        }
    }
    return std::nullopt;
}

std::optional<Endpoint> Endpoint::from(std::string_view ip, std::uint16_t port) {
    if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') {
        ip = ip.substr(1, ip.size() - 2);
    }
    char buf[INET6_ADDRSTRLEN + 1];
    if (ip.empty() || ip.size() >= sizeof(buf)) {
        return std::nullopt;
    }
    ip.copy(buf, ip.size());
    buf[ip.size()] = '\0';
    Endpoint e;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&e.storage_);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&e.storage_);
    if (inet_pton(AF_INET, buf, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        return e;
    }
    if (inet_pton(AF_INET6, buf, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        return e;
    }
    return std::nullopt;
}

Endpoint Endpoint::from_sockaddr(const sockaddr* sa) {
    Endpoint e;
    if (sa->sa_family == AF_INET) {
        std::memcpy(&e.storage_, sa, sizeof(sockaddr_in));
    } else if (sa->sa_family == AF_INET6) {
        std::memcpy(&e.storage_, sa, sizeof(sockaddr_in6));
    }
    return e;
}

std::uint16_t Endpoint::port() const {
    if (is_v6()) {
        return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
    }
    return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
}

void Endpoint::set_port(std::uint16_t port) {
    if (is_v6()) {
        reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(port);
    } else {
        reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(port);
    }
}

std::string Endpoint::ip() const {
    if (storage_.any.sa_family == AF_INET) {
        // By hand: inet_ntop formats IPv4 with sprintf, and this runs several times a message.
        const auto* bytes = reinterpret_cast<const unsigned char*>(
            &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr);
        std::string out;
        out.reserve(15);
        for (int i = 0; i < 4; ++i) {
            if (i > 0) {
                out.push_back('.');
            }
            const unsigned v = bytes[i];
            if (v >= 100) {
                out.push_back(static_cast<char>('0' + v / 100));
            }
            if (v >= 10) {
                out.push_back(static_cast<char>('0' + v / 10 % 10));
            }
            out.push_back(static_cast<char>('0' + v % 10));
        }
        return out;
    }
    char buf[INET6_ADDRSTRLEN] = {};
    if (is_v6()) {
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf,
                  sizeof(buf));
    }
    return buf;
}

bool Endpoint::is_multicast_or_broadcast() const {
    if (is_v6()) {
        return reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr.s6_addr[0] == 0xff;
    }
    const std::uint32_t a = ntohl(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr.s_addr);
    return a == 0xffffffffU || (a >> 28) == 0xe;  // 255.255.255.255, 224.0.0.0/4
}

std::string Endpoint::host() const { return is_v6() ? "[" + ip() + "]" : ip(); }

std::string Endpoint::to_string() const { return host() + ":" + std::to_string(port()); }

bool Endpoint::is_unspecified() const {
    if (is_v6()) {
        const auto& a = reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr;
        return IN6_IS_ADDR_UNSPECIFIED(&a);
    }
    return reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr.s_addr == INADDR_ANY;
}

bool Endpoint::operator==(const Endpoint& other) const {
    if (storage_.any.sa_family != other.storage_.any.sa_family) {
        return false;
    }
    if (is_v6()) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&storage_);
        const auto* b = reinterpret_cast<const sockaddr_in6*>(&other.storage_);
        return a->sin6_port == b->sin6_port &&
               std::memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(in6_addr)) == 0;
    }
    const auto* a = reinterpret_cast<const sockaddr_in*>(&storage_);
    const auto* b = reinterpret_cast<const sockaddr_in*>(&other.storage_);
    return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
}

bool Endpoint::same_address(const Endpoint& other) const {
    if (storage_.any.sa_family != other.storage_.any.sa_family) {
        return false;
    }
    if (is_v6()) {
        return std::memcmp(&reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr,
                           &reinterpret_cast<const sockaddr_in6*>(&other.storage_)->sin6_addr,
                           sizeof(in6_addr)) == 0;
    }
    return reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr.s_addr ==
           reinterpret_cast<const sockaddr_in*>(&other.storage_)->sin_addr.s_addr;
}

std::size_t Endpoint::hash() const {
    std::string_view bytes;
    if (is_v6()) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&storage_);
        bytes = {reinterpret_cast<const char*>(&a->sin6_addr), sizeof(in6_addr)};
        return hash_bytes(bytes) ^ a->sin6_port;
    }
    const auto* a = reinterpret_cast<const sockaddr_in*>(&storage_);
    return (static_cast<std::size_t>(a->sin_addr.s_addr) << 16) ^ a->sin_port;
}

}  // namespace sb::transport
