#include "io/descriptor_reader.h"

#include <cstring>
#include <memory>

#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/detail/reactor_op.hpp>

namespace sb::io {
namespace {

using Reactor = boost::asio::detail::reactor;

Reactor& reactor_of(Worker& worker) {
    return boost::asio::use_service<Reactor>(worker.context());
}

}  // namespace

// The reactor operation: its "perform" is the read, tried by the reactor when the descriptor
// turns readable (and once when started); its completion is the delivery, run by the loop.
class DescriptorReader::Op final : public boost::asio::detail::reactor_op {
public:
    explicit Op(DescriptorReader* r)
        : reactor_op(boost::system::error_code(), &Op::perform, &Op::complete), reader(r) {}

    DescriptorReader* reader;  // nullptr once the reader stopped

private:
    static status perform(reactor_op* base) {
        auto* op = static_cast<Op*>(base);
        if (op->reader == nullptr) {
            return done;  // completes as a no-op
        }
        switch (op->reader->read_()) {
            case Outcome::Empty: return not_done;
            case Outcome::Read: return done;
            // Asio does not try the next operation's read before the next edge.
            case Outcome::Drained: return done_and_exhausted;
        }
        return done;
    }

    static void complete(void* owner, boost::asio::detail::scheduler_operation* base,
                         const boost::system::error_code& /*ec*/, std::size_t /*bytes*/) {
        std::unique_ptr<Op> op(static_cast<Op*>(base));
        // No owner: the loop is being destroyed. ec_: the descriptor was unregistered.
        if (owner == nullptr || op->reader == nullptr || op->ec_) {
            return;
        }
        DescriptorReader* reader = op->reader;
        reader->on_read_done(std::move(op));
    }
};

DescriptorReader::DescriptorReader(Worker& worker, int fd) : worker_(worker), fd_(fd) {}

DescriptorReader::~DescriptorReader() { stop(); }

Result<void> DescriptorReader::start(Read read, Deliver deliver) {
    read_ = std::move(read);
    deliver_ = std::move(deliver);
    Reactor& reactor = reactor_of(worker_);
    reactor.init_task();
    Reactor::per_descriptor_data data = nullptr;
    if (int err = reactor.register_descriptor(fd_, data); err != 0) {
        reactor.cleanup_descriptor_data(data);
        return fail(std::string("cannot watch a socket: ") + std::strerror(err));
    }
    reactor_data_ = data;
    read_next(std::make_unique<Op>(this), false);
    return {};
}

void DescriptorReader::stop() {
    if (reactor_data_ == nullptr) {
        return;
    }
    if (pending_ != nullptr) {
        pending_->reader = nullptr;
        pending_ = nullptr;
    }
    Reactor& reactor = reactor_of(worker_);
    auto data = static_cast<Reactor::per_descriptor_data>(reactor_data_);
    reactor.deregister_descriptor(fd_, data, /*closing=*/false);
    reactor.cleanup_descriptor_data(data);
    reactor_data_ = nullptr;
}

void DescriptorReader::read_next(std::unique_ptr<Op> op, bool is_continuation) {
    pending_ = op.release();  // the reactor's until it completes
    auto data = static_cast<Reactor::per_descriptor_data>(reactor_data_);
    // Speculative: unless the last read drained the descriptor, the read is tried now, and
    // the operation waits only if it finds nothing.
    reactor_of(worker_).start_op(Reactor::read_op, fd_, data, pending_, is_continuation,
                                 /*allow_speculative=*/true);
}

void DescriptorReader::on_read_done(std::unique_ptr<Op> op) {
    pending_ = nullptr;
    deliver_();
    // The same operation goes out again (no allocation a wake-up), unless the delivery
    // stopped the reader or started it anew.
    if (reactor_data_ != nullptr && pending_ == nullptr) {
        read_next(std::move(op), true);
    }
}

}  // namespace sb::io
