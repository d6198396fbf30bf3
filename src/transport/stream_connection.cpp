#include "transport/stream_connection.h"

#include <boost/asio/write.hpp>

#include "base/log.h"
#include "transport/connection_table.h"

namespace sb::transport {
namespace {

constexpr std::size_t kReadChunk = 16 * 1024;

std::shared_ptr<spdlog::logger> logger() {
    static auto l = log::get("transport");
    return l;
}

Endpoint remote_of(boost::asio::ip::tcp::socket& s) {
    boost::system::error_code ec;
    auto ep = s.remote_endpoint(ec);
    return ec ? Endpoint{} : Endpoint::from_sockaddr(ep.data());
}

}  // namespace

StreamConnection::StreamConnection(io::Worker& worker, boost::asio::ip::tcp::socket socket,
                                   ConnectionId id, ListenerId listener, Receiver& receiver,
                                   ConnectionTable& table, const TransportConfig& config)
    : worker_(worker),
      socket_(std::move(socket)),
      id_(id),
      listener_(listener),
      receiver_(receiver),
      table_(table),
      config_(config),
      remote_(remote_of(socket_)),
      framer_(config.max_message_size),
      idle_timer_(worker.context()) {}

void StreamConnection::start() {
    connected_ = true;
    boost::system::error_code ec;
    socket_.set_option(boost::asio::ip::tcp::no_delay(true), ec);
    touch();
    read();
}

void StreamConnection::connect(const Endpoint& remote) {
    remote_ = remote;
    boost::asio::ip::tcp::endpoint ep;
    std::memcpy(ep.data(), remote.sockaddr_ptr(), remote.sockaddr_len());
    touch();
    socket_.async_connect(ep, [self = shared_from_this()](const boost::system::error_code& ec) {
        if (self->closed_) {
            return;
        }
        if (ec) {
            logger()->info("tcp connect to {} failed: {}", self->remote_.to_string(), ec.message());
            self->do_close("connect failed");
            return;
        }
        self->start();
        self->write_next();
    });
}

void StreamConnection::touch() {
    // One timer per connection that re-arms itself: cheaper than cancelling it on every read.
    auto timeout = got_message_ ? std::chrono::duration_cast<Duration>(config_.tcp_idle_timeout)
                                : std::chrono::duration_cast<Duration>(config_.stream_handshake_timeout);
    idle_timer_.expires_after(timeout);
    idle_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec && !self->closed_) {
            self->do_close(self->got_message_ ? "idle timeout" : "no message in time");
        }
    });
}

void StreamConnection::read() {
    if (in_.size() < in_used_ + kReadChunk) {
        in_.resize(in_used_ + kReadChunk);
    }
    socket_.async_read_some(
        boost::asio::buffer(in_.data() + in_used_, in_.size() - in_used_),
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
            if (self->closed_) {
                return;
            }
            if (ec) {
                self->do_close(ec == boost::asio::error::eof ? "closed by peer" : "read error");
                return;
            }
            self->on_read(n);
        });
}

void StreamConnection::on_read(std::size_t n) {
    in_used_ += n;
    std::size_t consumed = 0;
    while (!closed_) {
        std::string_view pending(in_.data() + consumed, in_used_ - consumed);
        sip::Frame frame = framer_.next(pending);
        if (frame.status == sip::FrameStatus::NeedMore) {
            break;
        }
        if (frame.status == sip::FrameStatus::TooLarge || frame.status == sip::FrameStatus::Invalid) {
            logger()->warn("tcp {}: {}, closing", remote_.to_string(),
                           frame.status == sip::FrameStatus::TooLarge ? "message over the size limit"
                                                                      : "unrecoverable framing");
            do_close("bad framing");
            return;
        }
        if (frame.status == sip::FrameStatus::Ping) {
            send("\r\n");
        } else if (frame.status == sip::FrameStatus::Complete) {
            if (!got_message_) {
                got_message_ = true;
            }
            Source source{Transport::Tcp, remote_, listener_, id_};
            receiver_.on_message(Buffer::copy_of(pending.substr(0, frame.length)), source);
        }
        consumed += frame.length;
        framer_.reset();
    }
    if (closed_) {
        return;
    }
    if (consumed > 0) {
        std::memmove(in_.data(), in_.data() + consumed, in_used_ - consumed);
        in_used_ -= consumed;
        touch();
    }
    read();
}

void StreamConnection::send(std::string bytes) {
    if (io::Worker::current() != &worker_) {
        worker_.post([self = shared_from_this(), b = std::move(bytes)]() mutable {
            self->send(std::move(b));
        });
        return;
    }
    if (closed_) {
        return;
    }
    out_.push_back(std::move(bytes));
    if (connected_) {
        write_next();
    }
}

void StreamConnection::write_next() {
    if (writing_ || out_.empty() || closed_) {
        return;
    }
    writing_ = true;
    boost::asio::async_write(socket_, boost::asio::buffer(out_.front()),
                             [self = shared_from_this()](const boost::system::error_code& ec,
                                                         std::size_t) {
                                 self->writing_ = false;
                                 if (self->closed_) {
                                     return;
                                 }
                                 if (ec) {
                                     self->do_close("write error");
                                     return;
                                 }
                                 self->out_.pop_front();
                                 self->write_next();
                             });
}

void StreamConnection::close() {
    worker_.post([self = shared_from_this()] { self->do_close("closed"); });
}

void StreamConnection::do_close(const char* why) {
    if (closed_) {
        return;
    }
    closed_ = true;
    logger()->debug("tcp {} connection {} closed: {}", remote_.to_string(), id_, why);
    boost::system::error_code ec;
    idle_timer_.cancel();
    socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    table_.remove(id_);
}

}  // namespace sb::transport
