#include "transport/framed_connection.h"

#include <cstring>

#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>

#include "base/log.h"
#include "transport/tls_certificate.h"

namespace sb::transport {
namespace {

constexpr std::size_t kReadChunk = 16 * 1024;

std::shared_ptr<spdlog::logger> logger() {
    static auto l = log::get("transport");
    return l;
}

bool closed_by_peer(const boost::system::error_code& ec) {
    // A TLS peer that closes its socket without close_notify ends with stream_truncated; for
    // SIP that is an ordinary close, since every message carries its own length.
    return ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated;
}

}  // namespace

template <class Stream>
FramedConnection<Stream>::FramedConnection(const Parts& parts, TcpStream socket)
    requires std::same_as<Stream, TcpStream>
    : StreamConnection(parts), stream_(std::move(socket)), framer_(parts.config.max_message_size) {}

template <class Stream>
FramedConnection<Stream>::FramedConnection(const Parts& parts, TcpStream socket,
                                           boost::asio::ssl::context& tls)
    requires std::same_as<Stream, TlsStream>
    : StreamConnection(parts),
      stream_(std::move(socket), tls),
      framer_(parts.config.max_message_size) {}

template <class Stream>
boost::asio::ip::tcp::socket& FramedConnection<Stream>::tcp() {
    return boost::beast::get_lowest_layer(stream_);
}

template <class Stream>
void FramedConnection<Stream>::handshake(bool as_server, Done done) {
    if constexpr (std::same_as<Stream, TcpStream>) {
        done({});
    } else {
        auto role = as_server ? boost::asio::ssl::stream_base::server
                              : boost::asio::ssl::stream_base::client;
        auto self = this->template self<FramedConnection>();
        stream_.async_handshake(role, [self, as_server, done = std::move(done)](
                                          const boost::system::error_code& ec) {
            if (!ec && !self->closed()) {
                SSL* ssl = self->stream_.native_handle();
                bool verified = (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) != 0;
                if (!as_server) {
                    // Without tls.ca_file an outbound peer is not verified: its subject is
                    // logged so an operator can see whom we talk to.
                    logger()->info("{}: peer certificate {} ({})", self->describe(),
                                   peer_subject(ssl),
                                   verified ? "verified" : "not verified: no tls.ca_file");
                } else if (verified) {
                    logger()->debug("{}: client certificate {}", self->describe(),
                                    peer_subject(ssl));
                }
            }
            done(ec);
        });
    }
}

template <class Stream>
void FramedConnection<Stream>::read() {
    if (in_.size() < in_used_ + kReadChunk) {
        in_.resize(in_used_ + kReadChunk);
    }
    stream_.async_read_some(
        boost::asio::buffer(in_.data() + in_used_, in_.size() - in_used_),
        [self = this->template self<FramedConnection>()](const boost::system::error_code& ec,
                                                         std::size_t n) {
            if (self->closed()) {
                return;
            }
            if (ec) {
                self->do_close(closed_by_peer(ec) ? "closed by peer" : "read error");
                return;
            }
            self->on_read(n);
        });
}

template <class Stream>
void FramedConnection<Stream>::on_read(std::size_t n) {
    in_used_ += n;
    std::size_t consumed = 0;
    while (!closed()) {
        std::string_view pending(in_.data() + consumed, in_used_ - consumed);
        sip::Frame frame = framer_.next(pending);
        if (frame.status == sip::FrameStatus::NeedMore) {
            break;
        }
        if (frame.status == sip::FrameStatus::TooLarge ||
            frame.status == sip::FrameStatus::Invalid) {
            logger()->warn("{}: {}, closing", describe(),
                           frame.status == sip::FrameStatus::TooLarge
                               ? "message over the size limit"
                               : "unrecoverable framing");
            do_close("bad framing");
            return;
        }
        if (frame.status == sip::FrameStatus::Ping) {
            send("\r\n");
        } else if (frame.status == sip::FrameStatus::Complete) {
            deliver(pending.substr(0, frame.length));
        }
        consumed += frame.length;
        framer_.reset();
    }
    if (closed()) {
        return;
    }
    if (consumed > 0) {
        std::memmove(in_.data(), in_.data() + consumed, in_used_ - consumed);
        in_used_ -= consumed;
        touch();
    }
    read();
}

template <class Stream>
void FramedConnection<Stream>::write(const std::string& bytes, Done done) {
    boost::asio::async_write(stream_, boost::asio::buffer(bytes),
                             [self = this->template self<FramedConnection>(),
                              done = std::move(done)](const boost::system::error_code& ec,
                                                      std::size_t) { done(ec); });
}

template class FramedConnection<TcpStream>;
template class FramedConnection<TlsStream>;

}  // namespace sb::transport
