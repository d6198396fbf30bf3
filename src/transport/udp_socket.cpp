#include "transport/udp_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "base/queue_delay.h"

namespace sb::transport {
namespace {

constexpr int kBatch = 16;  // datagrams read per system call

// Room for the kernel's receive timestamp (SO_TIMESTAMPNS) of one datagram.
constexpr std::size_t kControlSize = CMSG_SPACE(sizeof(timespec));

std::int64_t kernel_stamp(msghdr& h) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            timespec ts{};
            std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
            return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
        }
    }
    return 0;
}

boost::asio::ip::udp::endpoint to_asio(const Endpoint& e) {
    boost::asio::ip::udp::endpoint out;
    std::memcpy(out.data(), e.sockaddr_ptr(), e.sockaddr_len());
    return out;
}

}  // namespace

UdpSocket::UdpSocket(io::Worker& worker, ListenerId listener, Receiver& receiver,
                     const TransportConfig& config)
    : worker_(worker),
      listener_(listener),
      receiver_(receiver),
      config_(config),
      socket_(worker.context()),
      scratch_((config.max_message_size + 1) * kBatch) {}

Result<Endpoint> UdpSocket::bind(const Endpoint& local) {
    boost::system::error_code ec;
    auto ep = to_asio(local);
    socket_.open(ep.protocol(), ec);
    if (ec) {
        return fail("cannot open UDP socket: " + ec.message());
    }
    int one = 1;
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    if (local.is_v6()) {
        ::setsockopt(socket_.native_handle(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    int rcvbuf = config_.udp_receive_buffer;
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    // The arrival time of each datagram tells how long it waited in the queue (overload).
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
    socket_.non_blocking(true, ec);
    socket_.bind(ep, ec);
    if (ec) {
        return fail("cannot listen on udp:" + local.to_string() + ": " + ec.message());
    }
    return Endpoint::from_sockaddr(socket_.local_endpoint().data());
}

void UdpSocket::start() { wait(); }

void UdpSocket::close() {
    boost::system::error_code ec;
    socket_.close(ec);
}

void UdpSocket::wait() {
    socket_.async_wait(boost::asio::ip::udp::socket::wait_read,
                       [this](const boost::system::error_code& ec) {
                           if (!ec) {
                               drain();
                           }
                       });
}

void UdpSocket::drain() {
    // The reactor is edge-triggered: a datagram that arrives while we read does not wake it
    // again, so the socket is read until it says it is empty, and only then waited on.
    for (;;) {
        const int n = receive_batch();
        if (n == -EAGAIN) {  // the same as EWOULDBLOCK on Linux
            wait();
            return;
        }
        if (n == -EBADF) {
            return;  // closed
        }
        if (n < 0 || n == kBatch) {
            // More may wait, or an error passes: let other work run first.
            worker_.post([this] { drain(); });
            return;
        }
    }
}

int UdpSocket::receive_batch() {
    static auto logger = log::get("transport");
    // One recvmmsg takes up to kBatch waiting datagrams: fewer system calls than recvfrom.
    const std::size_t slot = config_.max_message_size + 1;
    mmsghdr msgs[kBatch];
    iovec iov[kBatch];
    sockaddr_storage from[kBatch];
    alignas(cmsghdr) char control[kBatch][kControlSize];
    for (int i = 0; i < kBatch; ++i) {
        iov[i] = {scratch_.data() + static_cast<std::size_t>(i) * slot, slot};
        msgs[i] = {};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &from[i];
        msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
        msgs[i].msg_hdr.msg_control = control[i];
        msgs[i].msg_hdr.msg_controllen = kControlSize;
    }
    const int n = ::recvmmsg(socket_.native_handle(), msgs, kBatch, MSG_DONTWAIT, nullptr);
    if (n < 0) {
        // ICMP errors surface here on some kernels; they are not fatal for the socket.
        if (errno != EAGAIN && errno != EINTR) {
            logger->debug("udp receive error: {}", std::strerror(errno));
        }
        return -errno;
    }
    for (int i = 0; i < n; ++i) {
        std::size_t len = msgs[i].msg_len;
        if (len == 0) {
            continue;
        }
        if (len > config_.max_message_size || (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) {
            // RFC 3261 §18.1.1 allows large messages only over congestion-controlled transports.
            logger->warn("dropped a {}+ byte datagram: over max_message_size", len);
            continue;
        }
        Source source;
        source.transport = Transport::Udp;
        source.remote = Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&from[i]));
        source.listener = listener_;
        source.received_ns = kernel_stamp(msgs[i].msg_hdr);
        receiver_.on_message(Buffer::copy_of({static_cast<const char*>(iov[i].iov_base), len}),
                             source);
    }
    return n;
}

bool UdpSocket::send_to(const Endpoint& remote, std::string_view bytes) {
    ssize_t n = ::sendto(socket_.native_handle(), bytes.data(), bytes.size(), MSG_DONTWAIT,
                         remote.sockaddr_ptr(), remote.sockaddr_len());
    return n == static_cast<ssize_t>(bytes.size());
}

Result<std::uint16_t> probe_port(Transport transport, const Endpoint& local) {
    int type = transport == Transport::Udp ? SOCK_DGRAM : SOCK_STREAM;
    int fd = ::socket(local.is_v6() ? AF_INET6 : AF_INET, type, 0);
    if (fd < 0) {
        return fail(std::string("cannot open socket: ") + std::strerror(errno));
    }
    int one = 1;
    if (local.is_v6()) {
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    if (type == SOCK_STREAM) {
        // Connections of an earlier run in TIME_WAIT must not keep us from listening; a socket
        // that is actually listening still makes bind fail.
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    }
    if (::bind(fd, local.sockaddr_ptr(), local.sockaddr_len()) != 0) {
        int err = errno;
        ::close(fd);
        return fail("cannot listen on " + std::string(lower_name(transport)) + ":" +
                    local.to_string() + ": " + std::strerror(err));
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof(bound);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
    ::close(fd);
    return Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&bound)).port();
}

}  // namespace sb::transport
