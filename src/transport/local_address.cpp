#include "transport/local_address.h"

#include <ifaddrs.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include <unordered_map>

namespace sb::transport {

std::optional<Endpoint> route_source(const Endpoint& remote) {
    thread_local std::unordered_map<Endpoint, Endpoint, EndpointHash> cache;
    Endpoint key = remote;
    key.set_port(0);
    if (auto it = cache.find(key); it != cache.end()) {
        return it->second;
    }
    int fd = ::socket(remote.is_v6() ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        return std::nullopt;
    }
    Endpoint probe = remote;
    if (probe.port() == 0) {
        probe.set_port(9);
    }
    std::optional<Endpoint> out;
    if (::connect(fd, probe.sockaddr_ptr(), probe.sockaddr_len()) == 0) {
        sockaddr_storage local{};
        socklen_t len = sizeof(local);
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0) {
            out = Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&local));
            out->set_port(0);
        }
    }
    ::close(fd);
    if (out && cache.size() < 4096) {
        cache.emplace(key, *out);
    }
    return out;
}

std::vector<std::string> interface_addresses() {
    std::vector<std::string> out;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) {
        return out;
    }
    for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
        if (i->ifa_addr == nullptr ||
            (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6)) {
            continue;
        }
        Endpoint e = Endpoint::from_sockaddr(i->ifa_addr);
        // Link-local IPv6 addresses need a zone to be used, so nobody reaches us by them.
        std::string ip = e.ip();
        if (ip.starts_with("fe80:") || std::find(out.begin(), out.end(), ip) != out.end()) {
            continue;
        }
        out.push_back(std::move(ip));
    }
    ::freeifaddrs(list);
    return out;
}

}  // namespace sb::transport
