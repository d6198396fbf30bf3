#include "dns/cares_resolver.h"

#include <ares.h>
#include <poll.h>
#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include "base/log.h"
#include "base/strings.h"
#include "dns/cache.h"
#include "dns/locator.h"
#include "dns/message.h"
#include "dns/rfc3263.h"
#include "io/worker.h"

namespace sb::dns {
namespace {

using namespace std::chrono_literals;

constexpr std::uint16_t kDnsPort = 53;
constexpr int kClassIn = 1;
/// Reads of one stream socket per readiness event before yielding to other handlers.
constexpr int kMaxReadsPerWakeup = 16;

std::shared_ptr<spdlog::logger> logger() {
    static auto l = log::get("dns");
    return l;
}

/// "IP", "IP:PORT", "[IPv6]", "[IPv6]:PORT", or an IPv6 address without brackets or port.
Result<transport::Endpoint> parse_server(std::string_view text) {
    std::string_view host = text;
    std::optional<std::string_view> port_text;
    if (!text.empty() && text.front() == '[') {
        std::size_t close = text.find(']');
        if (close == std::string_view::npos) {
            return fail(fmt::format("DNS server \"{}\": missing ']'", text));
        }
        host = text.substr(1, close - 1);
        std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                return fail(fmt::format("DNS server \"{}\": expected ':' after ']'", text));
            }
            port_text = rest.substr(1);
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        std::size_t colon = text.find(':');
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
    }
    std::uint16_t port = kDnsPort;
    if (port_text) {
        auto parsed = parse_u32(*port_text);
        if (!parsed || *parsed == 0 || *parsed > 65535) {
            return fail(fmt::format("DNS server \"{}\": bad port", text));
        }
        port = static_cast<std::uint16_t>(*parsed);
    }
    auto endpoint = transport::Endpoint::from(host, port);
    if (!endpoint) {
        return fail(fmt::format("DNS server \"{}\": not an IP address", text));
    }
    return *endpoint;
}

/// c-ares's process-wide setup. Reference counted but not thread-safe, so it is done once and
/// never undone: a cleanup while another resolver still runs would break that one.
int init_library() {
    static const int status = ares_library_init(ARES_LIB_INIT_ALL);
    return status;
}

Answer answer_from(int status, const unsigned char* abuf, int alen, const std::string& name,
                   RecordType type) {
    // c-ares hands over the reply for NOERROR and NXDOMAIN alike; the RCODE is read there.
    if (abuf != nullptr && alen > 0) {
        return parse_response(std::span<const std::uint8_t>(abuf, static_cast<std::size_t>(alen)),
                              name, type);
    }
    Answer a;
    switch (status) {
        case ARES_SUCCESS:
        case ARES_ENODATA:
            break;
        case ARES_ENOTFOUND:
            a.status = Answer::Status::NxDomain;
            break;
        case ARES_ETIMEOUT:
            a.status = Answer::Status::Timeout;
            a.error = "timeout";
            break;
        default:
            a.status = Answer::Status::Failure;
            a.error = ares_strerror(status);
            break;
    }
    return a;
}

bool readable_now(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLERR | POLLHUP)) != 0;
}

void post_reply(io::Worker& worker, std::function<void(Resolution)> done, Resolution r) {
    // Posting to a stopped worker only queues the handler; it is destroyed with the worker.
    worker.post([done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
}

}  // namespace

class CaresResolver::Impl final : public Lookup {
public:
    explicit Impl(const DnsConfig& config)
        : config_(config),
          guard_(boost::asio::make_work_guard(context_)),
          timer_(context_),
          cache_(config.cache_max_entries, config.cache_max_ttl),
          random_(std::random_device{}()) {}

    ~Impl() override {
        stop();
        release_sockets();
    }

    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    Result<void> init(const std::vector<transport::Endpoint>& servers) {
        ares_options options{};
        options.sock_state_cb = &Impl::on_socket_state;
        options.sock_state_cb_data = this;
        options.timeout = static_cast<int>(config_.timeout.count());
        options.tries = config_.tries;
        int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
        int status = ares_init_options(&channel_, &options, mask);
        if (status != ARES_SUCCESS) {
            channel_ = nullptr;
            return fail(fmt::format("DNS resolver: {}", ares_strerror(status)));
        }
        if (servers.empty()) {
            return {};
        }
        std::vector<ares_addr_port_node> nodes(servers.size());
        for (std::size_t i = 0; i < servers.size(); ++i) {
            ares_addr_port_node& node = nodes[i];
            node.next = i + 1 < nodes.size() ? &nodes[i + 1] : nullptr;
            const sockaddr* sa = servers[i].sockaddr_ptr();
            if (servers[i].is_v6()) {
                node.family = AF_INET6;
                std::memcpy(&node.addr.addr6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr,
                            sizeof(node.addr.addr6));
            } else {
                node.family = AF_INET;
                node.addr.addr4 = reinterpret_cast<const sockaddr_in*>(sa)->sin_addr;
            }
            node.udp_port = servers[i].port();
            node.tcp_port = servers[i].port();
        }
        status = ares_set_servers_ports(channel_, nodes.data());
        if (status != ARES_SUCCESS) {
            return fail(fmt::format("DNS servers: {}", ares_strerror(status)));
        }
        return {};
    }

    void start_thread() {
        thread_ = std::thread([this] { context_.run(); });
        pthread_setname_np(thread_.native_handle(), "sb-dns");
    }

    boost::asio::io_context& context() { return context_; }

    /// Resolver thread: starts one resolution.
    void begin(Plan plan, io::Worker& reply_on, std::function<void(Resolution)> done) {
        if (stopping_) {
            post_reply(reply_on, std::move(done), Resolution{{}, "resolver stopped"});
            return;
        }
        std::uint64_t id = ++next_job_;
        Job& job = jobs_[id];
        job.reply_on = &reply_on;
        job.done = std::move(done);
        job.target = plan.target;
        // c-ares doubles its timeout on each round of retries; the contract is simpler: the
        // whole resolution (NAPTR, SRV and address queries) ends within timeout * tries.
        job.deadline = std::make_unique<boost::asio::steady_timer>(
            context_, config_.timeout * config_.tries);
        job.deadline->async_wait([this, id](const boost::system::error_code& ec) {
            if (!ec) {
                complete(id, Resolution{{}, "timeout"});
            }
        });
        RandomSource random = [this](std::uint32_t max) {
            return std::uniform_int_distribution<std::uint32_t>(0, max)(random_);
        };
        locate(std::move(plan), *this, std::move(random),
               [this, id](Resolution r) { complete(id, std::move(r)); });
    }

    // Lookup
    void lookup(const std::string& name, RecordType type,
                std::function<void(const Answer&)> done) override {
        if (stopping_ || channel_ == nullptr) {
            return;  // every resolution has been ended already
        }
        if (auto hit = cache_.find(name, type, std::chrono::steady_clock::now())) {
            done(*hit);
            return;
        }
        Key key{name, type};
        auto [it, fresh] = pending_.try_emplace(key);
        it->second.push_back(std::move(done));
        if (!fresh) {
            return;  // the same question is on its way already
        }
        logger()->debug("query {} type {}", name, static_cast<unsigned>(type));
        auto* query = new Query{this, name, type};
        ares_query(channel_, name.c_str(), kClassIn, static_cast<int>(type), &Impl::on_query_done,
                   query);
        arm_timer();
    }

    /// Any thread but the resolver's: ends every resolution and stops the thread.
    void stop() {
        if (thread_.joinable()) {
            boost::asio::post(context_, [this] { shutdown(); });
            thread_.join();
        } else if (channel_ != nullptr) {
            ares_destroy(channel_);
            channel_ = nullptr;
        }
    }

private:
    struct Socket {
        Socket(boost::asio::io_context& context, ares_socket_t socket)
            : fd(socket), descriptor(context) {}
        ares_socket_t fd;
        boost::asio::posix::stream_descriptor descriptor;  // never owns fd: c-ares closes it
        bool want_read = false;
        bool want_write = false;
        bool reading = false;  // a wait is outstanding
        bool writing = false;
        bool closed = false;
    };

    struct Query {
        Impl* impl;
        std::string name;
        RecordType type;
    };

    struct Job {
        io::Worker* reply_on = nullptr;
        std::function<void(Resolution)> done;
        std::string target;
        std::unique_ptr<boost::asio::steady_timer> deadline;
    };

    using Key = std::pair<std::string, RecordType>;

    // c-ares callbacks: C code calls them, so nothing may throw out of them.
    static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
        static_cast<Impl*>(data)->socket_state(fd, readable != 0, writable != 0);
    }

    static void on_query_done(void* arg, int status, int /*timeouts*/, unsigned char* abuf,
                              int alen) {
        std::unique_ptr<Query> query(static_cast<Query*>(arg));
        Impl& impl = *query->impl;
        if (impl.stopping_) {
            return;  // ares_destroy() ending what is left; the resolutions have been ended
        }
        Answer answer = answer_from(status, abuf, alen, query->name, query->type);
        impl.answered(Key{std::move(query->name), query->type}, std::move(answer));
    }

    /// c-ares opened a socket, changed what it waits for, or is about to close it (0, 0).
    void socket_state(ares_socket_t fd, bool readable, bool writable) {
        auto it = sockets_.find(fd);
        if (!readable && !writable) {
            if (it != sockets_.end()) {
                // Before c-ares closes it: the reactor forgets the descriptor while the number
                // is still ours, so a new socket reusing it is not confused with this one.
                it->second->closed = true;
                it->second->descriptor.release();
                sockets_.erase(it);
            }
            return;
        }
        std::shared_ptr<Socket> s;
        if (it == sockets_.end()) {
            s = std::make_shared<Socket>(context_, fd);
            boost::system::error_code ec;
            s->descriptor.assign(fd, ec);
            if (ec) {
                logger()->warn("cannot watch DNS socket {}: {}", fd, ec.message());
                return;  // its queries time out
            }
            sockets_.emplace(fd, s);
        } else {
            s = it->second;
        }
        s->want_read = readable;
        s->want_write = writable;
        arm(s);
    }

    void arm(const std::shared_ptr<Socket>& s) {
        if (s->closed) {
            return;
        }
        using Wait = boost::asio::posix::descriptor_base::wait_type;
        if (s->want_read && !s->reading) {
            s->reading = true;
            s->descriptor.async_wait(Wait::wait_read, [this, s](const auto& ec) {
                s->reading = false;
                ready(s, true, ec);
            });
        }
        if (s->want_write && !s->writing) {
            s->writing = true;
            s->descriptor.async_wait(Wait::wait_write, [this, s](const auto& ec) {
                s->writing = false;
                ready(s, false, ec);
            });
        }
    }

    void ready(const std::shared_ptr<Socket>& s, bool read, const boost::system::error_code& ec) {
        if (ec || s->closed || stopping_) {
            return;
        }
        if (read && s->want_read) {
            ares_process_fd(channel_, s->fd, ARES_SOCKET_BAD);
            // The reactor reports readiness once per edge. c-ares drains a UDP socket but reads
            // a TCP stream a piece per call, so it is called again while bytes are waiting.
            for (int i = 1; i < kMaxReadsPerWakeup && !s->closed && readable_now(s->fd); ++i) {
                ares_process_fd(channel_, s->fd, ARES_SOCKET_BAD);
            }
            if (!s->closed && s->want_read && !s->reading && readable_now(s->fd)) {
                s->reading = true;
                boost::asio::post(context_, [this, s] {
                    s->reading = false;
                    ready(s, true, {});
                });
            }
        } else if (!read && s->want_write) {
            ares_process_fd(channel_, ARES_SOCKET_BAD, s->fd);
        }
        arm(s);
        arm_timer();
    }

    /// Wakes up when c-ares next has a retransmission or timeout due (none: no queries).
    void arm_timer() {
        if (channel_ == nullptr || stopping_) {
            return;
        }
        timeval tv{};
        if (ares_timeout(channel_, nullptr, &tv) == nullptr) {
            timer_.cancel();
            return;
        }
        auto after = std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
        timer_.expires_after(std::max<std::chrono::steady_clock::duration>(after, 1ms));
        timer_.async_wait([this](const boost::system::error_code& ec) {
            if (ec || stopping_) {
                return;
            }
            ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
            arm_timer();
        });
    }

    void answered(Key key, Answer answer) {
        cache_.insert(key.first, key.second, answer, std::chrono::steady_clock::now());
        // The waiters go on to their next queries; they run on a fresh stack rather than inside
        // c-ares's processing of this reply.
        boost::asio::post(context_, [this, key = std::move(key), answer = std::move(answer)] {
            if (stopping_) {
                return;
            }
            auto node = pending_.extract(key);
            if (node.empty()) {
                return;
            }
            for (auto& waiter : node.mapped()) {
                waiter(answer);
            }
        });
    }

    void complete(std::uint64_t id, Resolution r) {
        auto it = jobs_.find(id);
        if (it == jobs_.end()) {
            return;  // already ended (its deadline passed, or the resolver stopped)
        }
        Job job = std::move(it->second);
        jobs_.erase(it);
        job.deadline->cancel();
        if (r.destinations.empty()) {
            logger()->debug("{}: {}", job.target, r.error);
        } else {
            logger()->debug("{}: {} destination(s), first {}", job.target, r.destinations.size(),
                            r.destinations.front().remote.to_string());
        }
        post_reply(*job.reply_on, std::move(job.done), std::move(r));
    }

    /// Resolver thread, last handler of interest: ends the resolutions, closes c-ares.
    void shutdown() {
        stopping_ = true;
        auto jobs = std::move(jobs_);
        jobs_.clear();
        for (auto& [id, job] : jobs) {
            job.deadline->cancel();
            post_reply(*job.reply_on, std::move(job.done), Resolution{{}, "resolver stopped"});
        }
        pending_.clear();
        if (channel_ != nullptr) {
            // Calls on_query_done (ignored now) and on_socket_state (0, 0) for what is left.
            ares_destroy(channel_);
            channel_ = nullptr;
        }
        release_sockets();
        timer_.cancel();
        guard_.reset();  // run() returns once the cancelled waits have been delivered
    }

    void release_sockets() {
        for (auto& [fd, s] : sockets_) {
            s->closed = true;
            s->descriptor.release();
        }
        sockets_.clear();
    }

    DnsConfig config_;
    boost::asio::io_context context_{1};  // before every I/O object: destroyed after them
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
    boost::asio::steady_timer timer_;
    ares_channel channel_ = nullptr;
    std::unordered_map<ares_socket_t, std::shared_ptr<Socket>> sockets_;
    Cache cache_;
    std::map<Key, std::vector<std::function<void(const Answer&)>>> pending_;
    std::unordered_map<std::uint64_t, Job> jobs_;
    std::uint64_t next_job_ = 0;
    std::mt19937 random_;
    bool stopping_ = false;
    std::thread thread_;
};

Result<std::unique_ptr<CaresResolver>> CaresResolver::create(const DnsConfig& config) {
    if (config.timeout.count() <= 0) {
        return fail("DNS timeout must be positive");
    }
    if (config.tries < 1) {
        return fail("DNS tries must be at least 1");
    }
    std::vector<transport::Endpoint> servers;
    for (const std::string& text : config.servers) {
        auto server = parse_server(text);
        if (!server) {
            return fail(server.error().message);
        }
        servers.push_back(*server);
    }
    if (int status = init_library(); status != ARES_SUCCESS) {
        return fail(fmt::format("DNS resolver: {}", ares_strerror(status)));
    }
    auto impl = std::make_unique<Impl>(config);
    if (auto ok = impl->init(servers); !ok) {
        return fail(ok.error().message);
    }
    impl->start_thread();
    return std::unique_ptr<CaresResolver>(new CaresResolver(std::move(impl)));
}

CaresResolver::CaresResolver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

CaresResolver::~CaresResolver() = default;

void CaresResolver::resolve(const sip::Uri& uri, io::Worker& reply_on,
                            std::function<void(Resolution)> done) {
    // The URI's views point into the caller's message: everything needed is copied out here.
    Plan plan = plan_for(uri);
    if (plan.step == Plan::Step::Done) {
        // An IP address or an unusable URI: no DNS, so no trip through the resolver thread.
        Resolution r;
        if (plan.literal) {
            r.destinations.push_back(*plan.literal);
        } else {
            r.error = std::move(plan.error);
        }
        post_reply(reply_on, std::move(done), std::move(r));
        return;
    }
    boost::asio::post(impl_->context(), [impl = impl_.get(), plan = std::move(plan), &reply_on,
                                         done = std::move(done)]() mutable {
        impl->begin(std::move(plan), reply_on, std::move(done));
    });
}

}  // namespace sb::dns
