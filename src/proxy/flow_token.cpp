#include "proxy/flow_token.h"

#include <arpa/inet.h>

#include <charconv>

#include <fmt/format.h>

namespace sb::proxy {
namespace {
constexpr std::string_view kPrefix = "sbf";
constexpr std::string_view kLetters = "utlws";  // Udp, Tcp, tLs, Ws, wsS: enum order
}  // namespace

std::string encode_flow(const transport::Destination& to) {
    std::string out(kPrefix);
    out.push_back(kLetters[static_cast<std::size_t>(to.transport)]);
    const sockaddr* sa = to.remote.sockaddr_ptr();
    const unsigned char* bytes;
    std::size_t n;
    if (to.remote.is_v6()) {
        bytes = reinterpret_cast<const unsigned char*>(
            &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr);
        n = 16;
    } else {
        bytes = reinterpret_cast<const unsigned char*>(
            &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr);
        n = 4;
    }
    for (std::size_t i = 0; i < n; ++i) {
        fmt::format_to(std::back_inserter(out), "{:02x}", bytes[i]);
    }
    fmt::format_to(std::back_inserter(out), "-{:x}", to.remote.port());
    return out;
}

std::optional<transport::Destination> decode_flow(std::string_view user) {
    if (!user.starts_with(kPrefix) || user.size() < kPrefix.size() + 1 + 8 + 2) {
        return std::nullopt;
    }
    std::size_t t = kLetters.find(user[kPrefix.size()]);
    std::string_view rest = user.substr(kPrefix.size() + 1);
    std::size_t dash = rest.find('-');
    if (t == std::string_view::npos || dash == std::string_view::npos ||
        (dash != 8 && dash != 32)) {
        return std::nullopt;
    }
    unsigned char bytes[16];
    for (std::size_t i = 0; i < dash / 2; ++i) {
        unsigned v = 0;
        auto [end, ec] = std::from_chars(rest.data() + 2 * i, rest.data() + 2 * i + 2, v, 16);
        if (ec != std::errc() || end != rest.data() + 2 * i + 2) {
            return std::nullopt;
        }
        bytes[i] = static_cast<unsigned char>(v);
    }
    unsigned port = 0;
    std::string_view port_text = rest.substr(dash + 1);
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port, 16);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
        return std::nullopt;
    }
    char text[INET6_ADDRSTRLEN];
    if (inet_ntop(dash == 8 ? AF_INET : AF_INET6, bytes, text, sizeof(text)) == nullptr) {
        return std::nullopt;
    }
    auto ep = transport::Endpoint::from(text, static_cast<std::uint16_t>(port));
    if (!ep) {
        return std::nullopt;
    }
    return transport::Destination{static_cast<transport::Transport>(t), *ep, 0,
                                  transport::kAnyListener};
}

}  // namespace sb::proxy
