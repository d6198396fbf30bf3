#include "server/sip_core.h"

#include "base/log.h"
#include "base/strings.h"
#include "protection/source_guard.h"
#include "sip/parser.h"
#include "sip/response.h"

namespace sb::server {
namespace {

std::shared_ptr<spdlog::logger> logger() {
    static auto l = log::get("sip");
    return l;
}

std::string describe(const transport::Source& s) {
    return std::string(transport::lower_name(s.transport)) + ":" + s.remote.to_string();
}

}  // namespace

void WorkerCore::handle(sip::Message&& msg, const transport::Source& source) {
    note_queue_delay(source);
    if (msg.is_request()) {
        if (core.wants_transaction(msg)) {
            table.on_request(std::move(msg), source);
        } else {
            core.on_stateless_request(msg, source);
        }
        return;
    }
    if (!table.on_response(msg, source)) {
        core.on_unmatched_response(msg, source);
    }
}

void WorkerCore::note_queue_delay(const transport::Source& source) {
    QueueDelayMonitor& load = worker.queue_delay();
    const Duration waited = waited_since(source.received_ns);
    if (!load.observe(waited)) {
        return;
    }
    auto ms = [](Duration d) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    };
    if (load.overloaded()) {
        logger()->warn("worker {} overloaded: a message waited {} ms (max_queue_delay_ms {}); new "
                       "requests are answered 503 until it catches up",
                       worker.index(), ms(waited), ms(load.limit()));
    } else {
        logger()->warn("worker {} caught up: messages wait {} ms again (at worst {} ms); new "
                       "requests are accepted",
                       worker.index(), ms(waited), ms(load.peak()));
    }
}

std::size_t SipCore::owner_of(const sip::Message& msg) const {
    const std::size_t n = workers_.size();
    if (n <= 1) {
        return 0;
    }
    if (msg.is_response()) {
        int owner = txn::TransactionTable::owner_of_branch(msg.top_via().branch);
        if (owner >= 0 && static_cast<std::size_t>(owner) < n) {
            return static_cast<std::size_t>(owner);
        }
    }
    return hash_bytes(msg.call_id()) % n;
}

void SipCore::on_message(Buffer&& bytes, const transport::Source& source) {
    if (guard_ != nullptr && guard_->banned(source.remote)) {
        return;  // not even parsed: a flood from a banned source costs one table lookup each
    }
    // A WebSocket message holds exactly one SIP message (RFC 7118 §5), so it is parsed like a
    // datagram: Content-Length may be missing and then the body runs to the end.
    const bool framed = source.transport == transport::Transport::Tcp ||
                        source.transport == transport::Transport::Tls;
    auto parsed = sip::parse_message(std::move(bytes), {.stream = framed});
    if (!parsed) {
        const sip::ParseError& err = parsed.error();
        auto reply = sip::build_error_response(bytes.view(), err.status, err.text(),
                                               source.remote.ip(), source.remote.port());
        if (sender_ != nullptr && reply) {
            logger()->warn("{} from {}: answered {}", err.text(), describe(source), err.status);
            transport::Destination to = transport::reply_path(source);
            if (source.transport == transport::Transport::Udp) {
                to.remote.set_port(static_cast<std::uint16_t>(reply->port));
            }
            sender_->send(to, reply->bytes);
        } else {
            logger()->info("{} from {}: dropped", err.text(), describe(source));
        }
        return;
    }
    sip::Message& msg = *parsed;
    if (logger()->should_log(spdlog::level::info)) {
        if (msg.is_request()) {
            logger()->info("{} {} from {} call_id={}", msg.method_text(), msg.request_uri(),
                           describe(source), msg.call_id());
        } else {
            logger()->info("{} {} ({}) from {} call_id={}", msg.status(), msg.reason(),
                           msg.cseq().method_text, describe(source), msg.call_id());
        }
    }
    if (trace_sip_) {
        logger()->debug("received from {}:\n{}", describe(source), msg.bytes());
    }
    if (workers_.empty()) {
        return;
    }
    std::size_t owner = owner_of(msg);
    io::Worker* current = io::Worker::current();
    WorkerCore* target = workers_[owner];
    if (current == &target->worker) {
        target->handle(std::move(msg), source);
        return;
    }
    target->worker.post([target, m = std::move(msg), source]() mutable {
        target->handle(std::move(m), source);
    });
}

bool TracingSender::send(const transport::Destination& to, std::string_view bytes) {
    static auto l = log::get("sip");
    l->debug("sending to {}:{}:\n{}", transport::lower_name(to.transport), to.remote.to_string(),
             bytes);
    return inner_.send(to, bytes);
}

}  // namespace sb::server
