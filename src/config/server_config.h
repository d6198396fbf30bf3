#pragma once

// Everything the server reads from its configuration, one struct per module.

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "auth/config.h"
#include "dns/config.h"
#include "protection/config.h"
#include "proxy/config.h"
#include "registrar/config.h"
#include "transport/api/config.h"
#include "txn/timers.h"

namespace sb::config {

struct LocationConfig {
    std::string store = "sqlite";             // "sqlite" or "memory"
    std::string sqlite_file;                  // default: <data_dir>/location.db
    std::string sqlite_synchronous = "normal"; // "normal": survives kill -9; "full": power loss
    std::chrono::milliseconds sqlite_write_delay{0};  // 0: each REGISTER in the file before its 200
    std::chrono::seconds expire_interval{10};  // how often lapsed bindings are removed
};

struct PhrasesConfig {
    std::string language = "en";             // built-in table: "en", "sk", "es"
    bool rewrite_relayed = false;            // relayed responses get our phrase too
    std::map<int, std::string> overrides;    // [reason_phrases] 486 = "Obsadené"
    std::map<int, std::string> warnings;     // [warnings] 404 = "No such user here"
};

struct CallLogConfig {
    std::string synchronous = "normal";  // "normal": survives kill -9; "full": power loss too
};

struct ServerConfig {
    std::vector<std::string> domains;  // empty: serve any domain we are asked for
    std::string data_dir = "./var";
    std::size_t workers = 0;           // 0: one per core
    std::string log_level = "info";
    bool trace_sip = false;            // log every message in full (at debug level)
    std::string server_header = "Switchboard";  // Server / User-Agent value, "" for none
    std::string ready_file;            // written once listening (JSON), for scripts and tests

    transport::TransportConfig transport;
    txn::TimerConfig timers;
    registrar::RegistrarConfig registrar;
    proxy::ProxyConfig proxy;
    LocationConfig location;
    PhrasesConfig phrases;
    dns::DnsConfig dns;
    auth::AuthConfig auth;
    CallLogConfig call_log;
    protection::ProtectionConfig protection;
    protection::OverloadConfig overload;
};

}  // namespace sb::config
