#include "transport/stream_connection.h"

#include <cstring>

#include "base/log.h"
#include "base/queue_delay.h"
#include "transport/connection_table.h"

namespace sb::transport {
namespace {

std::shared_ptr<spdlog::logger> logger() {
    static auto l = log::get("transport");
    return l;
}

}  // namespace

StreamConnection::StreamConnection(const Parts& parts)
    : worker_(parts.worker),
      transport_(parts.transport),
      id_(parts.id),
      listener_(parts.listener),
      receiver_(parts.receiver),
      table_(parts.table),
      config_(parts.config),
      remote_(parts.remote),
      idle_timer_(parts.worker.context()) {}

StreamConnection::~StreamConnection() = default;

std::string StreamConnection::describe() const {
    return std::string(lower_name(transport_)) + ":" + remote_.to_string();
}

void StreamConnection::start() {
    boost::system::error_code ec;
    tcp().set_option(boost::asio::ip::tcp::no_delay(true), ec);
    // The handshake timeout covers the TLS handshake and the WebSocket upgrade too, so a peer
    // that connects and stays silent holds a connection slot for that long at most.
    touch();
    handshake(true, [self = shared_from_this()](const boost::system::error_code& error) {
        self->on_handshake(error);
    });
}

void StreamConnection::connect() {
    boost::asio::ip::tcp::endpoint ep;
    std::memcpy(ep.data(), remote_.sockaddr_ptr(), remote_.sockaddr_len());
    touch();
    tcp().async_connect(ep, [self = shared_from_this()](const boost::system::error_code& ec) {
        if (self->closed_) {
            return;
        }
        if (ec) {
            logger()->info("{} connect failed: {}", self->describe(), ec.message());
            self->do_close("connect failed");
            return;
        }
        boost::system::error_code ignored;
        self->tcp().set_option(boost::asio::ip::tcp::no_delay(true), ignored);
        self->handshake(false, [self](const boost::system::error_code& error) {
            self->on_handshake(error);
        });
    });
}

void StreamConnection::on_handshake(const boost::system::error_code& ec) {
    if (closed_) {
        return;
    }
    if (ec) {
        // Per connection, not per packet: a scanner speaking plain TCP to a TLS port ends here.
        logger()->info("{} handshake failed: {}", describe(), ec.message());
        do_close("handshake failed");
        return;
    }
    ready_ = true;
    write_next();
    read();
}

void StreamConnection::touch() {
    // One timer per connection that re-arms itself: cheaper than cancelling it on every read.
    auto timeout = got_message_
                       ? std::chrono::duration_cast<Duration>(config_.tcp_idle_timeout)
                       : std::chrono::duration_cast<Duration>(config_.stream_handshake_timeout);
    idle_timer_.expires_after(timeout);
    idle_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec && !self->closed_) {
            self->do_close(self->got_message_ ? "idle timeout" : "no message in time");
        }
    });
}

void StreamConnection::deliver(std::string_view message) {
    got_message_ = true;
    Source source{transport_, remote_, listener_, id_, realtime_ns()};
    receiver_.on_message(Buffer::copy_of(message), source);
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
    if (ready_) {
        write_next();
    }
}

void StreamConnection::write_next() {
    if (writing_ || out_.empty() || closed_) {
        return;
    }
    writing_ = true;
    write(out_.front(), [self = shared_from_this()](const boost::system::error_code& ec) {
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

void StreamConnection::do_close(std::string_view why) {
    if (closed_) {
        return;
    }
    closed_ = true;
    logger()->debug("{} connection {} closed: {}", describe(), id_, why);
    boost::system::error_code ec;
    idle_timer_.cancel();
    // Closing the TCP socket ends any pending TLS or WebSocket operation with an error; their
    // handlers see closed_ and return.
    tcp().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    tcp().close(ec);
    table_.remove(id_);
}

}  // namespace sb::transport
