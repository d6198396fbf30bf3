#include "server/server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include <fmt/format.h>

#include <cstdio>

#include "auth/auth_stage.h"
#include "base/log.h"
#include "dns/cares_resolver.h"
#include "cdr/call_log.h"
#include "dialog/log_sink.h"
#include "io/worker.h"
#include "location/memory_store.h"
#include "location/sqlite/sqlite_store.h"
#include "phrases/builtin.h"
#include "protection/overload_stage.h"
#include "protection/rate_limit_stage.h"
#include "protection/scanner_stage.h"
#include "protection/source_guard.h"
#include "proxy/local_domains.h"
#include "registrar/registrar.h"
#include "server/keepalive.h"
#include "server/registrar_stage.h"
#include "server/sip_core.h"
#include "server/user_services.h"
#include "users/sqlite_directory.h"
#include "transport/transport_layer.h"

namespace sb::server {
namespace {

std::shared_ptr<spdlog::logger> logger() {
    static auto l = log::get("server");
    return l;
}

// Sweeps lapsed bindings from the store on a worker's timer.
class ExpirySweeper final : public TimerTarget {
public:
    ExpirySweeper(io::Worker& worker, location::LocationStore& store, const Clock& clock,
                  Duration interval)
        : worker_(worker), store_(store), clock_(clock), interval_(interval) {}
    void start() {
        worker_.post([this] { timer_ = worker_.schedule(interval_, *this, 0); });
    }
    void stop() {
        worker_.post([this] { worker_.cancel(timer_); });
    }
    void on_timer(std::uint32_t) override {
        auto removed = store_.expire(clock_.unix_seconds());
        if (!removed) {
            logger()->error("expiring bindings failed: {}", removed.error().message);
        } else if (*removed > 0) {
            logger()->info("{} binding(s) lapsed", *removed);
        }
        timer_ = worker_.schedule(interval_, *this, 0);
    }

private:
    io::Worker& worker_;
    location::LocationStore& store_;
    const Clock& clock_;
    Duration interval_;
    TimerId timer_ = 0;
};

// Lifts the protection bans that are over and forgets idle sources, on a worker's timer.
class GuardSweeper final : public TimerTarget {
public:
    GuardSweeper(io::Worker& worker, protection::SourceGuard& guard)
        : worker_(worker), guard_(guard) {}
    void start() {
        worker_.post([this] { timer_ = worker_.schedule(kInterval, *this, 0); });
    }
    void stop() {
        worker_.post([this] { worker_.cancel(timer_); });
    }
    void on_timer(std::uint32_t) override {
        guard_.sweep();
        timer_ = worker_.schedule(kInterval, *this, 0);
    }

private:
    // Bans are whole seconds; a second is how late an "unbanned" line may be.
    static constexpr Duration kInterval = std::chrono::seconds(1);
    io::Worker& worker_;
    protection::SourceGuard& guard_;
    TimerId timer_ = 0;
};

Result<void> make_directory(const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return fail("cannot create data directory " + dir + ": " + ec.message());
    }
    return {};
}

// The key that signs digest nonces, kept in the data directory so nonces stay valid across a
// restart (and can be shared by nodes that share the directory).
Result<std::string> nonce_secret(const std::string& path) {
    std::ifstream in(path);
    std::string secret;
    if (in && std::getline(in, secret) && secret.size() >= 32) {
        return secret;
    }
    secret = auth::random_hex(32);
    std::ofstream out(path, std::ios::trunc);
    out << secret << "\n";
    if (!out) {
        return fail("cannot write " + path);
    }
    ::chmod(path.c_str(), 0600);
    return secret;
}

}  // namespace

struct Server::Parts {
    // Before everything that holds it: the SIP core, the stages and the auth failure hook.
    std::unique_ptr<protection::SourceGuard> guard;
    std::unique_ptr<protection::OverloadStage> overload_stage;
    std::unique_ptr<protection::RateLimitStage> rate_limit_stage;
    std::unique_ptr<protection::ScannerStage> scanner_stage;
    std::unique_ptr<location::LocationStore> store;
    std::vector<std::unique_ptr<io::Worker>> workers;
    std::unique_ptr<dns::CaresResolver> resolver;  // destroyed before the workers it answers on
    std::unique_ptr<SipCore> sip_core;
    std::unique_ptr<transport::TransportLayer> transport;
    std::unique_ptr<TracingSender> tracing;
    std::unique_ptr<proxy::LocalDomains> local;
    std::unique_ptr<registrar::Registrar> registrar;
    std::unique_ptr<RegistrarStage> registrar_stage;
    std::unique_ptr<auth::NonceService> nonces;
    std::unique_ptr<auth::AuthStage> auth_stage;
    std::unique_ptr<users::SqliteDirectory> user_db;
    std::unique_ptr<UserServices> users;
    sip::PhraseTable phrases;
    dialog::LogSink call_log;
    std::unique_ptr<cdr::CallLog> cdr;  // outlives the cores, which hold it as a sink
    std::vector<std::unique_ptr<WorkerCore>> cores;
    std::unique_ptr<ExpirySweeper> sweeper;
    std::unique_ptr<GuardSweeper> guard_sweeper;
    std::unique_ptr<KeepAlive> keepalive;
    std::string store_description;
    bool running = false;
};

Server::Server(config::ServerConfig config) : config_(std::move(config)) {}

Server::~Server() { stop(); }

Result<void> Server::start() {
    log::set_level(config_.log_level);
    parts_ = std::make_unique<Parts>();
    Parts& p = *parts_;

    if (auto made = make_directory(config_.data_dir); !made) {
        return made;
    }
    auto user_db = users::SqliteDirectory::open(config_.data_dir + "/users.db");
    if (!user_db) {
        return Unexpected(user_db.error());
    }
    p.user_db = std::move(*user_db);
    p.users = std::make_unique<UserServices>(*p.user_db);
    if (config_.location.store == "sqlite") {
        std::string file = config_.location.sqlite_file.empty()
                               ? config_.data_dir + "/location.db"
                               : config_.location.sqlite_file;
        location::SqliteOptions options;
        options.path = file;
        options.synchronous = config_.location.sqlite_synchronous == "full"
                                  ? location::Synchronous::Full
                                  : location::Synchronous::Normal;
        options.now = clock_.unix_seconds();
        options.write_delay = config_.location.sqlite_write_delay;
        auto store = location::SqliteStore::open(options);
        if (!store) {
            return Unexpected(store.error());
        }
        p.store = std::move(*store);
        p.store_description = "sqlite " + file;
        if (options.write_delay.count() > 0) {
            p.store_description +=
                fmt::format(" (written behind, {} ms)", options.write_delay.count());
        }
    } else {
        p.store = std::make_unique<location::MemoryStore>();
        p.store_description = "memory";
    }

    // No call log, no server: calls it could not record would be unaccounted for.
    if (auto made = make_directory(config_.data_dir); !made) {
        return made;
    }
    auto call_log = cdr::CallLog::open(
        {.dir = config_.data_dir, .synchronous_full = config_.call_log.synchronous == "full"}, clock_);
    if (!call_log) {
        return Unexpected(call_log.error());
    }
    p.cdr = std::move(*call_log);

    std::size_t n = config_.workers != 0 ? config_.workers
                                         : std::max(1u, std::thread::hardware_concurrency());
    for (std::size_t i = 0; i < n; ++i) {
        p.workers.push_back(std::make_unique<io::Worker>(i, clock_, config_.timers.resolution()));
        p.workers.back()->queue_delay().set_limit(config_.overload.max_queue_delay);
    }
    auto resolver = dns::CaresResolver::create(config_.dns);
    if (!resolver) {
        return fail("DNS resolver: " + resolver.error().message);
    }
    p.resolver = std::move(*resolver);
    std::vector<io::Worker*> raw;
    for (auto& w : p.workers) {
        raw.push_back(w.get());
    }
    if (config_.protection.enabled) {
        p.guard = std::make_unique<protection::SourceGuard>(config_.protection, clock_);
        p.rate_limit_stage = std::make_unique<protection::RateLimitStage>(*p.guard);
        p.scanner_stage = std::make_unique<protection::ScannerStage>(config_.protection, *p.guard);
        logger()->info("{}", p.guard->describe());
    } else {
        logger()->warn("protection is off: no rate limits, bans or scanner filter");
    }
    p.sip_core = std::make_unique<SipCore>(config_.trace_sip, p.guard.get());
    // A self-signed TLS certificate, when one is needed and none is configured, lives here.
    config_.transport.tls.generated_dir = config_.data_dir + "/tls";
    p.transport = std::make_unique<transport::TransportLayer>(config_.transport, raw, *p.sip_core);
    if (auto opened = p.transport->open(); !opened) {
        return opened;
    }
    transport::Sender* sender = p.transport.get();
    if (config_.trace_sip) {
        p.tracing = std::make_unique<TracingSender>(*p.transport);
        sender = p.tracing.get();
    }
    p.sip_core->set_sender(*sender);
    p.local = std::make_unique<proxy::LocalDomains>(config_.domains, *sender);
    p.registrar = std::make_unique<registrar::Registrar>(config_.registrar, *p.store, clock_);
    p.registrar_stage = std::make_unique<RegistrarStage>(*p.registrar, *p.local);
    auto secret = nonce_secret(config_.data_dir + "/nonce.key");
    if (!secret) {
        return Unexpected(secret.error());
    }
    p.nonces = std::make_unique<auth::NonceService>(std::move(*secret), config_.auth.nonce_lifetime,
                                                    clock_);
    auth::AuthStage::FailureHook on_auth_failure;
    if (p.guard) {
        protection::SourceGuard* guard = p.guard.get();
        on_auth_failure = [guard](const transport::Source& source) {
            guard->auth_failed(source.remote);
        };
    }
    p.auth_stage = std::make_unique<auth::AuthStage>(config_.auth, *p.nonces, *p.user_db, *p.local,
                                                     std::move(on_auth_failure));
    // Protection first: overload, a flood or a scanner is refused before any other stage
    // spends work (a database lookup, a digest) on it.
    std::vector<proxy::RequestStage*> stages;
    if (config_.overload.max_queue_delay.count() > 0) {
        p.overload_stage = std::make_unique<protection::OverloadStage>(config_.overload);
        stages.push_back(p.overload_stage.get());
    }
    if (p.guard) {
        stages.push_back(p.rate_limit_stage.get());
        stages.push_back(p.scanner_stage.get());
    }
    stages.push_back(p.auth_stage.get());
    stages.push_back(p.registrar_stage.get());
    p.phrases = *phrases::builtin(config_.phrases.language);
    p.phrases.rewrite_relayed = config_.phrases.rewrite_relayed;
    for (const auto& [status, phrase] : config_.phrases.overrides) {
        p.phrases.set(status, phrase);
    }
    for (const auto& [status, text] : config_.phrases.warnings) {
        p.phrases.set_explanation(status, text);
    }
    std::vector<WorkerCore*> cores;
    for (auto& w : p.workers) {
        proxy::Core::Deps deps{.config = config_.proxy,
                               .local = *p.local,
                               .store = *p.store,
                               .users = *p.users,
                               .clock = clock_,
                               .sender = *sender,
                               .timers = *w,
                               .stages = stages,
                               .observer = nullptr,
                               .server_header = config_.server_header,
                               .services = p.users.get(),
                               .resolver = p.resolver.get(),
                               .worker = w.get()};
        std::vector<dialog::CallEventSink*> sinks{&p.call_log, p.cdr.get()};
        p.cores.push_back(std::make_unique<WorkerCore>(*w, std::move(deps), *sender, config_.timers,
                                                       std::move(sinks), clock_));
        p.cores.back()->table.set_phrases(p.phrases, config_.server_header);
        cores.push_back(p.cores.back().get());
    }
    p.sip_core->set_workers(std::move(cores));
    p.transport->start();
    for (auto& w : p.workers) {
        w->start();
    }
    p.running = true;
    p.sweeper = std::make_unique<ExpirySweeper>(
        *p.workers.front(), *p.store, clock_,
        std::chrono::duration_cast<Duration>(config_.location.expire_interval));
    p.sweeper->start();
    if (p.guard) {
        p.guard_sweeper = std::make_unique<GuardSweeper>(*p.workers.front(), *p.guard);
        p.guard_sweeper->start();
    }
    p.keepalive = std::make_unique<KeepAlive>(*p.workers.front(), *p.store, *sender, clock_,
                                              config_.proxy);
    p.keepalive->start();
    for (auto& core : p.cores) {
        WorkerCore* c = core.get();
        c->worker.post([c] { c->start_sweeps(); });
    }
    if (!config_.ready_file.empty()) {
        if (auto written = write_ready_file(); !written) {
            return written;
        }
    }
    return {};
}

Result<void> Server::write_ready_file() const {
    // Written to a temporary name and renamed, so a reader never sees half a file.
    std::string listeners;
    for (const transport::Listener& l : parts_->transport->listeners()) {
        listeners += fmt::format("{}{{\"transport\": \"{}\", \"host\": \"{}\", \"port\": {}}}",
                                 listeners.empty() ? "" : ", ", transport::lower_name(l.transport),
                                 l.local.ip(), l.local.port());
    }
    std::string json = fmt::format("{{\"pid\": {}, \"listeners\": [{}]}}\n", ::getpid(), listeners);
    std::string tmp = config_.ready_file + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << json;
        if (!out) {
            return fail("cannot write ready file " + tmp);
        }
    }
    if (std::rename(tmp.c_str(), config_.ready_file.c_str()) != 0) {
        return fail("cannot write ready file " + config_.ready_file + ": " + std::strerror(errno));
    }
    return {};
}

std::string Server::ready_line() const {
    std::string domains;
    for (const auto& d : config_.domains) {
        domains += (domains.empty() ? "" : ",") + d;
    }
    return fmt::format("switchboard ready: listening on {} (domains: {}; store: {}; workers: {})",
                       parts_->transport->describe(), domains.empty() ? "any" : domains,
                       parts_->store_description, parts_->workers.size());
}

void Server::stop() {
    if (!parts_ || !parts_->running) {
        return;
    }
    Parts& p = *parts_;
    p.running = false;
    p.sweeper->stop();
    if (p.guard_sweeper) {
        p.guard_sweeper->stop();
    }
    p.keepalive->stop();
    p.transport->close();
    // Calls still ringing or talking end as interrupted, each on the worker that owns it.
    std::vector<std::future<void>> done;
    for (auto& core : p.cores) {
        auto promise = std::make_shared<std::promise<void>>();
        done.push_back(promise->get_future());
        WorkerCore* c = core.get();
        c->worker.post([c, promise] {
            c->worker.cancel(c->sweep_timer);
            c->tracker.interrupt_all();
            promise->set_value();
        });
    }
    for (auto& f : done) {
        f.wait_for(std::chrono::seconds(5));
    }
    // The interrupted calls are queued now; write them and everything before them.
    p.cdr->stop();
    for (auto& w : p.workers) {
        w->stop();
    }
    for (auto& w : p.workers) {
        w->join();
    }
}

}  // namespace sb::server
