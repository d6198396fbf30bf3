#include "cli.h"

#include "config/loader.h"
#include "transport/api/listen_spec.h"

namespace sb::app {

void add_run_flags(CLI::App& app, RunFlags& f) {
    app.add_option("-c,--config", f.config_file, "TOML configuration file")->check(CLI::ExistingFile);
    app.add_option("-l,--listen", f.listen,
                   "listen on [udp:|tcp:|tls:|ws:|wss:]HOST:PORT (repeatable; no prefix: UDP and TCP)");
    app.add_option("-d,--domain", f.domains, "serve this domain (repeatable; default: any)");
    app.add_option("--data-dir", f.data_dir, "directory for the SQLite files and logs");
    app.add_option("--log-level", f.log_level, "trace, debug, info, warn, error or off");
    app.add_flag("--trace-sip", f.trace_sip, "log every SIP message in full (implies debug)");
    app.add_option("--ready-file", f.ready_file, "write the listening addresses here as JSON");
    app.add_option("--location-store", f.store, "where bindings live: sqlite or memory");
    app.add_option("--workers", f.workers, "worker threads (default: one per core)");
}

Expected<config::ServerConfig, std::vector<std::string>> build_config(const RunFlags& f) {
    config::ServerConfig c = config::defaults();
    if (!f.config_file.empty()) {
        if (auto loaded = config::load_file(f.config_file, c); !loaded) {
            return Unexpected(loaded.error());
        }
    }
    std::vector<std::string> errors;
    if (!f.listen.empty()) {
        c.transport.listen.clear();
        for (const auto& spec : f.listen) {
            auto parsed = transport::parse_listen(spec);
            if (!parsed) {
                errors.push_back("--listen " + parsed.error().message);
                continue;
            }
            c.transport.listen.insert(c.transport.listen.end(), parsed->begin(), parsed->end());
        }
    }
    if (!f.domains.empty()) {
        c.domains.clear();
        for (const auto& d : f.domains) {
            c.domains.push_back(d);
        }
    }
    if (f.data_dir) {
        c.data_dir = *f.data_dir;
    }
    if (f.log_level) {
        static const std::vector<std::string> levels = {"trace", "debug", "info", "warn", "error", "off"};
        if (std::find(levels.begin(), levels.end(), *f.log_level) == levels.end()) {
            errors.push_back("--log-level: '" + *f.log_level + "' is not one of trace, debug, info, warn, error, off");
        } else {
            c.log_level = *f.log_level;
        }
    }
    if (f.trace_sip) {
        c.trace_sip = true;
        if (c.log_level != "trace") {
            c.log_level = "debug";
        }
    }
    if (f.ready_file) {
        c.ready_file = *f.ready_file;
    }
    if (f.store) {
        if (*f.store != "sqlite" && *f.store != "memory") {
            errors.push_back("--location-store: '" + *f.store + "' is not sqlite or memory");
        } else {
            c.location.store = *f.store;
        }
    }
    if (f.workers) {
        c.workers = *f.workers;
    }
    if (!errors.empty()) {
        return Unexpected(std::move(errors));
    }
    return c;
}

}  // namespace sb::app
