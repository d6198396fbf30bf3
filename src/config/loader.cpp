#include "config/loader.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <functional>
#include <map>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "base/strings.h"
#include "phrases/builtin.h"
#include "sip/uri.h"
#include "transport/api/listen_spec.h"

namespace sb::config {
namespace {

// One configuration key: how to check a TOML value and store it. An empty string is success.
struct Field {
    std::string key;  // "section.name"
    std::function<std::string(const toml::node&, ServerConfig&)> apply;
};

template <class Get>
Field integer(std::string key, Get get, std::int64_t min, std::int64_t max) {
    return {std::move(key), [get, min, max](const toml::node& n, ServerConfig& c) -> std::string {
                auto v = n.value_exact<std::int64_t>();
                if (!v) {
                    return "expected an integer";
                }
                if (*v < min || *v > max) {
                    return fmt::format("{} is out of range ({}..{})", *v, min, max);
                }
                using T = std::remove_reference_t<decltype(get(c))>;
                get(c) = static_cast<T>(*v);
                return {};
            }};
}

template <class Get>
Field seconds(std::string key, Get get, std::int64_t min, std::int64_t max) {
    return {std::move(key), [get, min, max](const toml::node& n, ServerConfig& c) -> std::string {
                auto v = n.value_exact<std::int64_t>();
                if (!v) {
                    return "expected a number of seconds";
                }
                if (*v < min || *v > max) {
                    return fmt::format("{} is out of range ({}..{} seconds)", *v, min, max);
                }
                get(c) = std::chrono::seconds(*v);
                return {};
            }};
}

template <class Get>
Field millis(std::string key, Get get, std::int64_t min, std::int64_t max) {
    return {std::move(key), [get, min, max](const toml::node& n, ServerConfig& c) -> std::string {
                auto v = n.value_exact<std::int64_t>();
                if (!v) {
                    return "expected a number of milliseconds";
                }
                if (*v < min || *v > max) {
                    return fmt::format("{} is out of range ({}..{} ms)", *v, min, max);
                }
                get(c) = std::chrono::milliseconds(*v);
                return {};
            }};
}

template <class Get>
Field boolean(std::string key, Get get) {
    return {std::move(key), [get](const toml::node& n, ServerConfig& c) -> std::string {
                auto v = n.value_exact<bool>();
                if (!v) {
                    return "expected true or false";
                }
                get(c) = *v;
                return {};
            }};
}

template <class Get>
Field text(std::string key, Get get) {
    return {std::move(key), [get](const toml::node& n, ServerConfig& c) -> std::string {
                auto v = n.value_exact<std::string>();
                if (!v) {
                    return "expected a string";
                }
                get(c) = *v;
                return {};
            }};
}

template <class T>
std::string allowed_names(const std::map<std::string, T>& options) {
    std::string allowed;
    for (const auto& [name, value] : options) {
        allowed += (allowed.empty() ? "" : ", ") + ("\"" + name + "\"");
    }
    return allowed;
}

template <class T, class Get>
Field choice(std::string key, Get get, std::map<std::string, T> options) {
    return {std::move(key), [get, options](const toml::node& n, ServerConfig& c) -> std::string {
                auto v = n.value_exact<std::string>();
                if (!v) {
                    return "expected one of " + allowed_names(options);
                }
                auto it = options.find(*v);
                if (it == options.end()) {
                    return "\"" + *v + "\" is not one of " + allowed_names(options);
                }
                get(c) = it->second;
                return {};
            }};
}

/// A table of "domain" = "mode" (names lower-cased), one of `options` each.
template <class T, class Get>
Field per_domain(std::string key, Get get, std::map<std::string, T> options) {
    return {std::move(key), [get, options](const toml::node& n, ServerConfig& c) -> std::string {
                const toml::table* t = n.as_table();
                if (t == nullptr) {
                    return "expected a table of \"domain\" = one of " + allowed_names(options);
                }
                for (const auto& [domain, value] : *t) {
                    auto v = value.template value_exact<std::string>();
                    auto it = v ? options.find(*v) : options.end();
                    if (it == options.end()) {
                        return "\"" + std::string(domain.str()) + "\": expected one of " +
                               allowed_names(options);
                    }
                    get(c)[to_lower(domain.str())] = it->second;
                }
                return {};
            }};
}

std::string string_array(const toml::node& n, std::vector<std::string>& out) {
    const toml::array* arr = n.as_array();
    if (arr == nullptr) {
        return "expected an array of strings";
    }
    out.clear();
    for (const toml::node& item : *arr) {
        auto v = item.value_exact<std::string>();
        if (!v) {
            return "expected an array of strings";
        }
        out.push_back(*v);
    }
    return {};
}

const std::vector<Field>& fields() {
    static const std::vector<Field> kFields = [] {
        std::vector<Field> f;
        f.push_back({"server.domains", [](const toml::node& n, ServerConfig& c) -> std::string {
                         std::vector<std::string> domains;
                         if (auto err = string_array(n, domains); !err.empty()) {
                             return err;
                         }
                         std::vector<std::string> lowered;
                         for (const auto& d : domains) {
                             auto uri = sip::parse_uri("sip:" + d);
                             if (!uri || uri->has_user() || uri->port != 0 || !uri->params.empty()) {
                                 return "'" + d + "' is not a domain name or IP address";
                             }
                             lowered.push_back(to_lower(d));
                         }
                         c.domains = std::move(lowered);
                         return {};
                     }});
        f.push_back(text("server.data_dir", [](ServerConfig& c) -> auto& { return c.data_dir; }));
        f.push_back(integer("server.workers", [](ServerConfig& c) -> auto& { return c.workers; }, 0, 256));
        f.push_back(choice<std::string>("server.log_level",
                                        [](ServerConfig& c) -> auto& { return c.log_level; },
                                        {{"trace", "trace"}, {"debug", "debug"}, {"info", "info"},
                                         {"warn", "warn"}, {"error", "error"}, {"off", "off"}}));
        f.push_back(boolean("server.trace_sip", [](ServerConfig& c) -> auto& { return c.trace_sip; }));
        f.push_back(text("server.server_header", [](ServerConfig& c) -> auto& { return c.server_header; }));
        f.push_back(text("server.ready_file", [](ServerConfig& c) -> auto& { return c.ready_file; }));

        f.push_back({"transport.listen", [](const toml::node& n, ServerConfig& c) -> std::string {
                         std::vector<std::string> specs;
                         if (auto err = string_array(n, specs); !err.empty()) {
                             return err;
                         }
                         std::vector<transport::ListenSpec> parsed;
                         for (const auto& s : specs) {
                             auto one = transport::parse_listen(s);
                             if (!one) {
                                 return one.error().message;
                             }
                             parsed.insert(parsed.end(), one->begin(), one->end());
                         }
                         c.transport.listen = std::move(parsed);
                         return {};
                     }});
        f.push_back(integer("transport.max_message_size",
                            [](ServerConfig& c) -> auto& { return c.transport.max_message_size; },
                            1024, 65535));
        f.push_back(seconds("transport.tcp_idle_timeout",
                            [](ServerConfig& c) -> auto& { return c.transport.tcp_idle_timeout; }, 1,
                            86400));
        f.push_back(seconds("transport.stream_handshake_timeout",
                            [](ServerConfig& c) -> auto& {
                                return c.transport.stream_handshake_timeout;
                            },
                            1, 3600));
        f.push_back(integer("transport.max_connections",
                            [](ServerConfig& c) -> auto& { return c.transport.max_connections; }, 1,
                            1000000));
        f.push_back(integer("transport.max_connections_per_ip",
                            [](ServerConfig& c) -> auto& { return c.transport.max_connections_per_ip; },
                            1, 1000000));
        f.push_back(integer("transport.udp_receive_buffer",
                            [](ServerConfig& c) -> auto& { return c.transport.udp_receive_buffer; },
                            65536, 1 << 30));

        f.push_back(text("tls.certificate",
                         [](ServerConfig& c) -> auto& { return c.transport.tls.certificate; }));
        f.push_back(text("tls.private_key",
                         [](ServerConfig& c) -> auto& { return c.transport.tls.private_key; }));
        f.push_back(text("tls.ca_file", [](ServerConfig& c) -> auto& { return c.transport.tls.ca_file; }));
        f.push_back(boolean("tls.verify_clients",
                            [](ServerConfig& c) -> auto& { return c.transport.tls.verify_clients; }));
        f.push_back(choice<transport::TlsVersion>(
            "tls.min_version", [](ServerConfig& c) -> auto& { return c.transport.tls.min_version; },
            {{"1.2", transport::TlsVersion::V1_2}, {"1.3", transport::TlsVersion::V1_3}}));

        f.push_back(millis("timers.t1_ms", [](ServerConfig& c) -> auto& { return c.timers.t1; }, 50, 10000));
        f.push_back(millis("timers.t2_ms", [](ServerConfig& c) -> auto& { return c.timers.t2; }, 100, 60000));
        f.push_back(millis("timers.t4_ms", [](ServerConfig& c) -> auto& { return c.timers.t4; }, 100, 60000));

        f.push_back(integer("registrar.min_expires",
                            [](ServerConfig& c) -> auto& { return c.registrar.min_expires; }, 1, 86400));
        f.push_back(integer("registrar.max_expires",
                            [](ServerConfig& c) -> auto& { return c.registrar.max_expires; }, 1,
                            31536000));
        f.push_back(integer("registrar.default_expires",
                            [](ServerConfig& c) -> auto& { return c.registrar.default_expires; }, 1,
                            31536000));
        f.push_back(integer("registrar.max_contacts",
                            [](ServerConfig& c) -> auto& { return c.registrar.max_contacts; }, 1, 1000));

        f.push_back(choice<std::string>("location.store",
                                        [](ServerConfig& c) -> auto& { return c.location.store; },
                                        {{"sqlite", "sqlite"}, {"memory", "memory"}}));
        f.push_back(text("location.sqlite_file", [](ServerConfig& c) -> auto& { return c.location.sqlite_file; }));
        f.push_back(choice<std::string>(
            "location.sqlite_synchronous",
            [](ServerConfig& c) -> auto& { return c.location.sqlite_synchronous; },
            {{"normal", "normal"}, {"full", "full"}}));
        f.push_back(millis("location.sqlite_write_delay_ms",
                           [](ServerConfig& c) -> auto& { return c.location.sqlite_write_delay; }, 0,
                           10000));
        f.push_back(seconds("location.expire_interval",
                            [](ServerConfig& c) -> auto& { return c.location.expire_interval; }, 1, 3600));

        f.push_back(choice<std::string>("call_log.synchronous",
                                        [](ServerConfig& c) -> auto& { return c.call_log.synchronous; },
                                        {{"normal", "normal"}, {"full", "full"}}));
        f.push_back(choice<auth::AuthMode>("auth.mode", [](ServerConfig& c) -> auto& { return c.auth.mode; },
                                           {{"off", auth::AuthMode::Off},
                                            {"users", auth::AuthMode::Users},
                                            {"required", auth::AuthMode::Required}}));
        f.push_back(seconds("auth.nonce_lifetime",
                            [](ServerConfig& c) -> auto& { return c.auth.nonce_lifetime; }, 1, 86400));
        f.push_back(per_domain<auth::AuthMode>(
            "auth.domains", [](ServerConfig& c) -> auto& { return c.auth.domains; },
            {{"off", auth::AuthMode::Off},
             {"users", auth::AuthMode::Users},
             {"required", auth::AuthMode::Required}}));
        f.push_back({"dns.servers", [](const toml::node& n, ServerConfig& c) -> std::string {
                         std::vector<std::string> servers;
                         if (auto err = string_array(n, servers); !err.empty()) {
                             return err;
                         }
                         for (const auto& server : servers) {
                             std::string_view host = server;
                             if (host.starts_with("[")) {
                                 host = host.substr(1, host.find(']') - 1);
                             } else if (host.find(':') != std::string_view::npos &&
                                        host.find(':') == host.rfind(':')) {
                                 host = host.substr(0, host.find(':'));
                             }
                             if (!transport::Endpoint::from(host, 53)) {
                                 return "'" + server + "' is not an IP address (or [IPv6]:PORT)";
                             }
                         }
                         c.dns.servers = std::move(servers);
                         return {};
                     }});
        f.push_back(millis("dns.timeout_ms", [](ServerConfig& c) -> auto& { return c.dns.timeout; }, 50, 30000));
        f.push_back(integer("dns.tries", [](ServerConfig& c) -> auto& { return c.dns.tries; }, 1, 10));
        f.push_back(seconds("dns.cache_max_ttl", [](ServerConfig& c) -> auto& { return c.dns.cache_max_ttl; }, 0, 86400));
        f.push_back(text("phrases.language", [](ServerConfig& c) -> auto& { return c.phrases.language; }));
        f.push_back(boolean("phrases.rewrite_relayed",
                            [](ServerConfig& c) -> auto& { return c.phrases.rewrite_relayed; }));
        f.push_back(choice<proxy::Mode>("proxy.mode", [](ServerConfig& c) -> auto& { return c.proxy.mode; },
                                        {{"stateful", proxy::Mode::Stateful},
                                         {"stateless", proxy::Mode::Stateless},
                                         {"redirect", proxy::Mode::Redirect}}));
        f.push_back(per_domain<proxy::Mode>(
            "proxy.domains", [](ServerConfig& c) -> auto& { return c.proxy.domains; },
            {{"stateful", proxy::Mode::Stateful},
             {"stateless", proxy::Mode::Stateless},
             {"redirect", proxy::Mode::Redirect}}));
        f.push_back(boolean("proxy.record_route", [](ServerConfig& c) -> auto& { return c.proxy.record_route; }));
        f.push_back(boolean("proxy.allow_relay", [](ServerConfig& c) -> auto& { return c.proxy.allow_relay; }));
        f.push_back(choice<proxy::NatMode>("proxy.nat", [](ServerConfig& c) -> auto& { return c.proxy.nat; },
                                           {{"auto", proxy::NatMode::Auto},
                                            {"always", proxy::NatMode::Always},
                                            {"never", proxy::NatMode::Never}}));
        f.push_back(seconds("proxy.timer_c", [](ServerConfig& c) -> auto& { return c.proxy.timer_c; }, 5, 86400));
        f.push_back(seconds("proxy.max_call_duration",
                            [](ServerConfig& c) -> auto& { return c.proxy.max_call_duration; }, 60,
                            7 * 86400));
        f.push_back(seconds("proxy.keepalive_interval",
                            [](ServerConfig& c) -> auto& { return c.proxy.keepalive_interval; }, 0, 3600));

        f.push_back(millis("overload.max_queue_delay_ms",
                           [](ServerConfig& c) -> auto& { return c.overload.max_queue_delay; }, 0,
                           60000));
        f.push_back(seconds("overload.retry_after",
                            [](ServerConfig& c) -> auto& { return c.overload.retry_after; }, 1,
                            3600));

        f.push_back(boolean("protection.enabled",
                            [](ServerConfig& c) -> auto& { return c.protection.enabled; }));
        f.push_back(integer(
            "protection.requests_per_second",
            [](ServerConfig& c) -> auto& { return c.protection.requests_per_second; }, 1, 1000000));
        f.push_back(integer("protection.burst",
                            [](ServerConfig& c) -> auto& { return c.protection.burst; }, 1,
                            10000000));
        f.push_back(integer("protection.auth_failures",
                            [](ServerConfig& c) -> auto& { return c.protection.auth_failures; }, 1,
                            10000));
        f.push_back(seconds(
            "protection.auth_failure_window",
            [](ServerConfig& c) -> auto& { return c.protection.auth_failure_window; }, 1, 86400));
        f.push_back(seconds("protection.ban_seconds",
                            [](ServerConfig& c) -> auto& { return c.protection.ban_seconds; }, 1,
                            7 * 86400));
        f.push_back(integer(
            "protection.max_tracked_sources",
            [](ServerConfig& c) -> auto& { return c.protection.max_tracked_sources; }, 1000,
            100000000));
        f.push_back({"protection.whitelist",
                     [](const toml::node& n, ServerConfig& c) -> std::string {
                         std::vector<std::string> entries;
                         if (auto err = string_array(n, entries); !err.empty()) {
                             return err;
                         }
                         std::vector<protection::Cidr> ranges;
                         for (const auto& e : entries) {
                             auto range = protection::Cidr::parse(e);
                             if (!range) {
                                 return range.error().message;
                             }
                             ranges.push_back(*range);
                         }
                         c.protection.whitelist = std::move(ranges);
                         return {};
                     }});
        f.push_back({"protection.scanner_user_agents",
                     [](const toml::node& n, ServerConfig& c) -> std::string {
                         std::vector<std::string> agents;
                         if (auto err = string_array(n, agents); !err.empty()) {
                             return err;
                         }
                         for (const auto& a : agents) {
                             // An empty substring would match every User-Agent.
                             if (trim(a).empty()) {
                                 return "an empty string would match every user agent";
                             }
                         }
                         c.protection.scanner_user_agents = std::move(agents);
                         return {};
                     }});
        f.push_back(choice<protection::ScannerAction>(
            "protection.scanner_action",
            [](ServerConfig& c) -> auto& { return c.protection.scanner_action; },
            {{"drop", protection::ScannerAction::Drop},
             {"403", protection::ScannerAction::Forbidden}}));
        return f;
    }();
    return kFields;
}

const Field* find_field(std::string_view key) {
    for (const Field& f : fields()) {
        if (f.key == key) {
            return &f;
        }
    }
    return nullptr;
}

// A per-domain setting ([proxy.domains], [auth.domains]) for a domain we do not serve would
// never apply: a typo. Checked once the whole file is read, since [server] may come after it.
void check_domain_table(const toml::table& doc, const char* path, const ServerConfig& c,
                        std::vector<std::pair<std::uint32_t, std::string>>& found) {
    const toml::table* table = doc.at_path(path).as_table();
    if (table == nullptr || c.domains.empty()) {
        return;  // no table here, or every domain is served
    }
    for (const auto& [domain, value] : *table) {
        if (std::find(c.domains.begin(), c.domains.end(), to_lower(domain.str())) == c.domains.end()) {
            found.emplace_back(domain.source().begin.line,
                               fmt::format("{}: \"{}\" is not one of server.domains", path,
                                           domain.str()));
        }
    }
}

void check_consistency(const ServerConfig& c, const std::string& origin,
                       std::vector<std::string>& errors) {
    if (c.registrar.min_expires > c.registrar.max_expires) {
        errors.push_back(origin + ": registrar.min_expires: larger than registrar.max_expires");
    }
    if (c.timers.t1 > c.timers.t2) {
        errors.push_back(origin + ": timers.t1_ms: larger than timers.t2_ms");
    }
    if (!phrases::builtin(c.phrases.language)) {
        errors.push_back(origin + ": phrases.language: \"" + c.phrases.language +
                         "\" has no built-in table (en, sk, es)");
    }
    if (c.transport.listen.empty()) {
        errors.push_back(origin + ": transport.listen: nothing to listen on");
    }
    if (c.transport.tls.verify_clients && c.transport.tls.ca_file.empty()) {
        errors.push_back(origin + ": tls.verify_clients: needs tls.ca_file, the CAs that sign "
                                  "the client certificates");
    }
    if (!c.transport.tls.private_key.empty() && c.transport.tls.certificate.empty()) {
        errors.push_back(origin + ": tls.private_key: given without tls.certificate");
    }
}

}  // namespace

ServerConfig defaults() {
    ServerConfig config;
    auto loaded = load_text(defaults_text(), "defaults.toml", config);
    if (!loaded) {
        // The embedded file is checked by a unit test; failing here is a build defect.
        for (const auto& e : loaded.error()) {
            fmt::print(stderr, "{}\n", e);
        }
        std::abort();
    }
    return config;
}

Expected<void, std::vector<std::string>> load_text(std::string_view text, const std::string& origin,
                                                   ServerConfig& config) {
    toml::table doc;
    try {
        doc = toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        return Unexpected(std::vector<std::string>{
            fmt::format("{}:{}: {}", origin, e.source().begin.line, e.description())});
    }
    // Tables iterate in key order; errors are reported in file order.
    std::vector<std::pair<std::uint32_t, std::string>> found;
    for (const auto& [section, node] : doc) {
        const toml::table* table = node.as_table();
        if (table == nullptr) {
            found.emplace_back(node.source().begin.line,
                               fmt::format("{}: expected a [section]", section.str()));
            continue;
        }
        if (section.str() == "reason_phrases" || section.str() == "warnings") {
            // Keys are status codes; values are UTF-8 text without line breaks.
            auto& target = section.str() == "warnings" ? config.phrases.warnings
                                                       : config.phrases.overrides;
            for (const auto& [key, value] : *table) {
                std::string path = std::string(section.str()) + "." + std::string(key.str());
                auto code = parse_u32(key.str());
                auto phrase = value.value_exact<std::string>();
                if (!code || *code < 100 || *code > 699) {
                    found.emplace_back(key.source().begin.line, path + ": not a status code (100..699)");
                } else if (!phrase || phrase->empty() ||
                           phrase->find_first_of("\r\n") != std::string::npos) {
                    found.emplace_back(value.source().begin.line,
                                       path + ": expected text on one line");
                } else {
                    target[static_cast<int>(*code)] = *phrase;
                }
            }
            continue;
        }
        for (const auto& [key, value] : *table) {
            std::string path = std::string(section.str()) + "." + std::string(key.str());
            const Field* field = find_field(path);
            if (field == nullptr) {
                found.emplace_back(key.source().begin.line, path + ": unknown key");
                continue;
            }
            if (std::string err = field->apply(value, config); !err.empty()) {
                found.emplace_back(value.source().begin.line, path + ": " + err);
            }
        }
    }
    check_domain_table(doc, "proxy.domains", config, found);
    check_domain_table(doc, "auth.domains", config, found);
    std::stable_sort(found.begin(), found.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> errors;
    for (const auto& [line, message] : found) {
        errors.push_back(fmt::format("{}:{}: {}", origin, line, message));
    }
    if (errors.empty()) {
        check_consistency(config, origin, errors);
    }
    if (!errors.empty()) {
        return Unexpected(std::move(errors));
    }
    return {};
}

Expected<void, std::vector<std::string>> load_file(const std::string& path, ServerConfig& config) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        return Unexpected(std::vector<std::string>{path + ": cannot open: " + std::strerror(errno)});
    }
    std::string text;
    char buf[8192];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) {
        text.append(buf, n);
        if (text.size() > (1u << 20)) {
            std::fclose(f);
            return Unexpected(std::vector<std::string>{path + ": larger than 1 MiB"});
        }
    }
    std::fclose(f);
    return load_text(text, path, config);
}

}  // namespace sb::config
