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

}  // namespace

// One recvmmsg fills up to kBatch slots: fewer system calls than a recvfrom each.
struct UdpSocket::Slots {
    mmsghdr msgs[kBatch];
    iovec iov[kBatch];
    sockaddr_storage from[kBatch];
    alignas(cmsghdr) char control[kBatch][kControlSize];
};

UdpSocket::UdpSocket(io::Worker& worker, ListenerId listener, Receiver& receiver,
                     const TransportConfig& config)
    : worker_(worker),
      listener_(listener),
      receiver_(receiver),
      config_(config),
      scratch_((config.max_message_size + 1) * kBatch),
      slots_(std::make_unique<Slots>()) {
    const std::size_t slot = config_.max_message_size + 1;
    for (int i = 0; i < kBatch; ++i) {
        slots_->iov[i] = {scratch_.data() + static_cast<std::size_t>(i) * slot, slot};
        slots_->msgs[i] = {};
        slots_->msgs[i].msg_hdr.msg_iov = &slots_->iov[i];
        slots_->msgs[i].msg_hdr.msg_iovlen = 1;
        slots_->msgs[i].msg_hdr.msg_name = &slots_->from[i];
        slots_->msgs[i].msg_hdr.msg_control = slots_->control[i];
    }
}

UdpSocket::~UdpSocket() { close(); }

Result<Endpoint> UdpSocket::bind(const Endpoint& local) {
    fd_ =
        ::socket(local.is_v6() ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        return fail(std::string("cannot open UDP socket: ") + std::strerror(errno));
    }
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    if (local.is_v6()) {
        ::setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    }
    int rcvbuf = config_.udp_receive_buffer;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    // The arrival time of each datagram tells how long it waited in the queue (overload).
    ::setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
    if (::bind(fd_, local.sockaddr_ptr(), local.sockaddr_len()) != 0) {
        return fail("cannot listen on udp:" + local.to_string() + ": " + std::strerror(errno));
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof(bound);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &len);
    return Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&bound));
}

void UdpSocket::start() {
    static auto logger = log::get("transport");
    reader_.emplace(worker_, fd_);
    if (auto r = reader_->start([this] { return read_batch(); }, [this] { deliver_batch(); }); !r) {
        logger->error("udp: {}", r.error().message);
    }
}

void UdpSocket::close() {
    if (reader_) {
        reader_->stop();
        reader_.reset();
    }
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

io::DescriptorReader::Outcome UdpSocket::read_batch() {
    using Outcome = io::DescriptorReader::Outcome;
    for (int i = 0; i < kBatch; ++i) {
        msghdr& h = slots_->msgs[i].msg_hdr;
        h.msg_namelen = sizeof(slots_->from[i]);
        h.msg_controllen = kControlSize;
        h.msg_flags = 0;
    }
    const int n = ::recvmmsg(fd_, slots_->msgs, kBatch, MSG_DONTWAIT, nullptr);
    batch_result_ = n < 0 ? -errno : n;
    if (batch_result_ == -EAGAIN) {  // the same as EWOULDBLOCK on Linux
        return Outcome::Empty;
    }
    // A short batch took every datagram queued when the kernel looked.
    return batch_result_ >= 0 && batch_result_ < kBatch ? Outcome::Drained : Outcome::Read;
}

void UdpSocket::deliver_batch() {
    static auto logger = log::get("transport");
    if (batch_result_ < 0) {
        // ICMP errors surface here on some kernels; they are not fatal for the socket.
        if (batch_result_ != -EINTR) {
            logger->debug("udp receive error: {}", std::strerror(-batch_result_));
        }
        return;
    }
    for (int i = 0; i < batch_result_; ++i) {
        mmsghdr& m = slots_->msgs[i];
        std::size_t len = m.msg_len;
        if (len == 0) {
            continue;
        }
        if (len > config_.max_message_size || (m.msg_hdr.msg_flags & MSG_TRUNC) != 0) {
            // RFC 3261 §18.1.1 allows large messages only over congestion-controlled transports.
            logger->warn("dropped a {}+ byte datagram: over max_message_size", len);
            continue;
        }
        Source source;
        source.transport = Transport::Udp;
        source.remote = Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&slots_->from[i]));
        source.listener = listener_;
        source.received_ns = kernel_stamp(m.msg_hdr);
        receiver_.on_message(
            Buffer::copy_of({static_cast<const char*>(slots_->iov[i].iov_base), len}), source);
    }
}

bool UdpSocket::send_to(const Endpoint& remote, std::string_view bytes) {
    ssize_t n = ::sendto(fd_, bytes.data(), bytes.size(), MSG_DONTWAIT, remote.sockaddr_ptr(),
                         remote.sockaddr_len());
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
