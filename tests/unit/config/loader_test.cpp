#include "config/loader.h"

#include <gtest/gtest.h>

namespace sb::config {
namespace {

TEST(Config, EmbeddedDefaultsMatchTheStructDefaults) {
    // defaults.toml documents every key; loading it must give what the structs say.
    ServerConfig loaded = defaults();
    ServerConfig plain;
    EXPECT_EQ(loaded.data_dir, plain.data_dir);
    EXPECT_EQ(loaded.registrar.min_expires, plain.registrar.min_expires);
    EXPECT_EQ(loaded.registrar.max_expires, plain.registrar.max_expires);
    EXPECT_EQ(loaded.timers.t1, plain.timers.t1);
    EXPECT_EQ(loaded.proxy.timer_c, plain.proxy.timer_c);
    EXPECT_EQ(loaded.transport.max_message_size, plain.transport.max_message_size);
    EXPECT_EQ(loaded.location.store, plain.location.store);
    EXPECT_EQ(loaded.location.sqlite_write_delay, plain.location.sqlite_write_delay);
    EXPECT_EQ(loaded.transport.listen.size(), 4u);
    EXPECT_TRUE(loaded.domains.empty());
}

TEST(Config, OverridesApply) {
    ServerConfig c = defaults();
    auto r = load_text("[server]\ndomains = [\"Example.COM\"]\nworkers = 3\n"
                       "[transport]\nlisten = [\"10.0.0.1:5070\"]\n"
                       "[proxy]\nmode = \"redirect\"\n[timers]\nt1_ms = 250\n",
                       "test.toml", c);
    ASSERT_TRUE(r.has_value()) << r.error().front();
    EXPECT_EQ(c.domains, std::vector<std::string>{"example.com"});
    EXPECT_EQ(c.workers, 3u);
    ASSERT_EQ(c.transport.listen.size(), 2u);  // no prefix: UDP and TCP
    EXPECT_EQ(c.transport.listen[1].transport, transport::Transport::Tcp);
    EXPECT_EQ(c.transport.listen[0].port, 5070);
    EXPECT_EQ(c.proxy.mode, proxy::Mode::Redirect);
    EXPECT_EQ(c.timers.t1, std::chrono::milliseconds(250));

    auto behind = load_text("[location]\nsqlite_write_delay_ms = 100\n", "b.toml", c);
    ASSERT_TRUE(behind.has_value()) << behind.error().front();
    EXPECT_EQ(c.location.sqlite_write_delay, std::chrono::milliseconds(100));
    auto too_late = load_text("[location]\nsqlite_write_delay_ms = 60000\n", "l.toml", c);
    ASSERT_FALSE(too_late.has_value());
    EXPECT_EQ(too_late.error().front(),
              "l.toml:2: location.sqlite_write_delay_ms: 60000 is out of range (0..10000 ms)");
}

TEST(Config, EveryErrorNamesFileLineAndKey) {
    ServerConfig c = defaults();
    auto r = load_text("[server]\nworkers = \"two\"\ncolour = 1\n"
                       "[transport]\nlisten = [\"udp:999.1.1.1:5060\"]\n"
                       "[proxy]\nmode = \"fast\"\n"
                       "[nonsense]\nx = 1\n",
                       "bad.toml", c);
    ASSERT_FALSE(r.has_value());
    const auto& e = r.error();
    ASSERT_EQ(e.size(), 5u);
    EXPECT_EQ(e[0], "bad.toml:2: server.workers: expected an integer");
    EXPECT_EQ(e[1], "bad.toml:3: server.colour: unknown key");
    EXPECT_EQ(e[2].substr(0, 31), "bad.toml:5: transport.listen: '");
    EXPECT_NE(e[2].find("999.1.1.1"), std::string::npos);
    EXPECT_EQ(e[3], "bad.toml:7: proxy.mode: \"fast\" is not one of \"redirect\", \"stateful\", \"stateless\"");
    EXPECT_EQ(e[4], "bad.toml:9: nonsense.x: unknown key");
}

TEST(Config, ProxyModePerDomain) {
    ServerConfig c = defaults();
    EXPECT_TRUE(c.proxy.domains.empty());
    // [proxy.domains] comes before [server] here: the check waits for the whole file.
    auto r = load_text("[proxy.domains]\n\"Redirect.Example\" = \"redirect\"\n"
                       "\"lan.example\" = \"stateless\"\n"
                       "[server]\ndomains = [\"redirect.example\", \"lan.example\", \"pbx.example\"]\n",
                       "d.toml", c);
    ASSERT_TRUE(r.has_value()) << r.error().front();
    EXPECT_EQ(c.proxy.domains.size(), 2u);
    EXPECT_EQ(c.proxy.mode_for("redirect.example"), proxy::Mode::Redirect);
    EXPECT_EQ(c.proxy.mode_for("REDIRECT.example"), proxy::Mode::Redirect);
    EXPECT_EQ(c.proxy.mode_for("lan.example"), proxy::Mode::Stateless);
    EXPECT_EQ(c.proxy.mode_for("pbx.example"), proxy::Mode::Stateful);

    ServerConfig any = defaults();
    auto open = load_text("[proxy.domains]\n\"anything.example\" = \"redirect\"\n", "o.toml", any);
    ASSERT_TRUE(open.has_value()) << open.error().front();  // no server.domains: every domain is served
    EXPECT_EQ(any.proxy.mode_for("anything.example"), proxy::Mode::Redirect);
}

TEST(Config, ProxyDomainErrorsNameFileLineAndKey) {
    ServerConfig c = defaults();
    auto r = load_text("[server]\ndomains = [\"pbx.example\"]\n"
                       "[proxy.domains]\n"
                       "\"pbx.example\" = \"redirect\"\n"
                       "\"typo.example\" = \"redirect\"\n",
                       "u.toml", c);
    ASSERT_FALSE(r.has_value());
    ASSERT_EQ(r.error().size(), 1u);
    EXPECT_EQ(r.error()[0], "u.toml:5: proxy.domains: \"typo.example\" is not one of server.domains");

    ServerConfig a = defaults();
    auto auth = load_text("[auth.domains]\n\"pbx.example\" = \"required\"\n\"pbx.exmaple\" = \"off\"\n"
                          "[server]\ndomains = [\"pbx.example\"]\n",
                          "a.toml", a);
    ASSERT_FALSE(auth.has_value());
    ASSERT_EQ(auth.error().size(), 1u);
    EXPECT_EQ(auth.error()[0], "a.toml:3: auth.domains: \"pbx.exmaple\" is not one of server.domains");

    ServerConfig m = defaults();
    auto mode = load_text("[proxy]\ndomains = { \"pbx.example\" = \"fast\" }\n", "m.toml", m);
    ASSERT_FALSE(mode.has_value());
    EXPECT_EQ(mode.error().front(), "m.toml:2: proxy.domains: \"pbx.example\": expected one of "
                                    "\"redirect\", \"stateful\", \"stateless\"");
    ServerConfig t = defaults();
    auto table = load_text("[proxy]\ndomains = \"redirect\"\n", "t.toml", t);
    ASSERT_FALSE(table.has_value());
    EXPECT_EQ(table.error().front(), "t.toml:2: proxy.domains: expected a table of \"domain\" = one "
                                     "of \"redirect\", \"stateful\", \"stateless\"");
}

TEST(Config, SyntaxErrorsAndRanges) {
    ServerConfig c = defaults();
    auto syntax = load_text("[server\nworkers = 1\n", "s.toml", c);
    ASSERT_FALSE(syntax.has_value());
    EXPECT_EQ(syntax.error().front().substr(0, 8), "s.toml:1");
    auto range = load_text("[registrar]\nmin_expires = 0\n", "r.toml", c);
    ASSERT_FALSE(range.has_value());
    EXPECT_EQ(range.error().front(), "r.toml:2: registrar.min_expires: 0 is out of range (1..86400)");
    auto inconsistent = load_text("[registrar]\nmin_expires = 900\nmax_expires = 600\n", "i.toml", c);
    ASSERT_FALSE(inconsistent.has_value());
    auto missing = load_file("/nonexistent/switchboard.toml", c);
    ASSERT_FALSE(missing.has_value());
    EXPECT_NE(missing.error().front().find("/nonexistent/switchboard.toml: cannot open"), std::string::npos);
}

TEST(Config, ProtectionDefaultsAndOverrides) {
    ServerConfig loaded = defaults();
    const protection::ProtectionConfig plain;
    EXPECT_EQ(loaded.protection.enabled, plain.enabled);
    EXPECT_EQ(loaded.protection.requests_per_second, plain.requests_per_second);
    EXPECT_EQ(loaded.protection.burst, plain.burst);
    EXPECT_EQ(loaded.protection.auth_failures, plain.auth_failures);
    EXPECT_EQ(loaded.protection.auth_failure_window, plain.auth_failure_window);
    EXPECT_EQ(loaded.protection.ban_seconds, plain.ban_seconds);
    EXPECT_EQ(loaded.protection.max_tracked_sources, plain.max_tracked_sources);
    EXPECT_EQ(loaded.protection.whitelist, plain.whitelist);
    EXPECT_EQ(loaded.protection.scanner_user_agents, plain.scanner_user_agents);
    EXPECT_EQ(loaded.protection.scanner_action, plain.scanner_action);

    ServerConfig c = defaults();
    auto r = load_text("[protection]\nenabled = false\nrequests_per_second = 20\nburst = 30\n"
                       "auth_failures = 3\nauth_failure_window = 120\nban_seconds = 3\n"
                       "max_tracked_sources = 5000\n"
                       "whitelist = [\"10.0.0.0/8\", \"192.0.2.7\", \"2001:db8::/32\"]\n"
                       "scanner_user_agents = [\"badbot\"]\nscanner_action = \"403\"\n",
                       "p.toml", c);
    ASSERT_TRUE(r.has_value()) << r.error().front();
    EXPECT_FALSE(c.protection.enabled);
    EXPECT_EQ(c.protection.requests_per_second, 20u);
    EXPECT_EQ(c.protection.burst, 30u);
    EXPECT_EQ(c.protection.auth_failures, 3u);
    EXPECT_EQ(c.protection.auth_failure_window, std::chrono::seconds(120));
    EXPECT_EQ(c.protection.ban_seconds, std::chrono::seconds(3));
    EXPECT_EQ(c.protection.max_tracked_sources, 5000u);
    ASSERT_EQ(c.protection.whitelist.size(), 3u);
    EXPECT_EQ(c.protection.whitelist[1].to_string(), "192.0.2.7");
    EXPECT_EQ(c.protection.scanner_user_agents, std::vector<std::string>{"badbot"});
    EXPECT_EQ(c.protection.scanner_action, protection::ScannerAction::Forbidden);
}

TEST(Config, ProtectionErrorsNameFileLineAndKey) {
    ServerConfig c = defaults();
    auto r = load_text("[protection]\n"
                       "requests_per_second = 0\n"
                       "burst = -5\n"
                       "ban_seconds = \"long\"\n"
                       "whitelist = [\"10.0.0.0/33\"]\n"
                       "scanner_user_agents = [\"ok\", \"\"]\n"
                       "scanner_action = \"block\"\n"
                       "max_tracked_sources = 10\n"
                       "auth_failures = 0\n"
                       "auth_failure_window = 0\n"
                       "enabled = \"yes\"\n"
                       "whitelist_extra = 1\n",
                       "bad.toml", c);
    ASSERT_FALSE(r.has_value());
    const auto& e = r.error();
    ASSERT_EQ(e.size(), 11u);
    EXPECT_EQ(e[0], "bad.toml:2: protection.requests_per_second: 0 is out of range (1..1000000)");
    EXPECT_EQ(e[1], "bad.toml:3: protection.burst: -5 is out of range (1..10000000)");
    EXPECT_EQ(e[2], "bad.toml:4: protection.ban_seconds: expected a number of seconds");
    EXPECT_EQ(e[3],
              "bad.toml:5: protection.whitelist: '10.0.0.0/33': the prefix length must be 0..32");
    EXPECT_EQ(e[4], "bad.toml:6: protection.scanner_user_agents: an empty string would match every "
                    "user agent");
    EXPECT_EQ(e[5],
              "bad.toml:7: protection.scanner_action: \"block\" is not one of \"403\", \"drop\"");
    EXPECT_EQ(e[6],
              "bad.toml:8: protection.max_tracked_sources: 10 is out of range (1000..100000000)");
    EXPECT_EQ(e[7], "bad.toml:9: protection.auth_failures: 0 is out of range (1..10000)");
    EXPECT_EQ(e[8],
              "bad.toml:10: protection.auth_failure_window: 0 is out of range (1..86400 seconds)");
    EXPECT_EQ(e[9], "bad.toml:11: protection.enabled: expected true or false");
    EXPECT_EQ(e[10], "bad.toml:12: protection.whitelist_extra: unknown key");
    auto host_bits = load_text("[protection]\nwhitelist = [\"10.1.2.3/8\"]\n", "h.toml", c);
    ASSERT_FALSE(host_bits.has_value());
    EXPECT_EQ(host_bits.error().front(),
              "h.toml:2: protection.whitelist: '10.1.2.3/8' has bits set after the prefix length");
    auto not_ip = load_text("[protection]\nwhitelist = [\"gateway.lan\"]\n", "n.toml", c);
    ASSERT_FALSE(not_ip.has_value());
    EXPECT_NE(not_ip.error().front().find("n.toml:2: protection.whitelist: 'gateway.lan' is not"),
              std::string::npos);
}

}  // namespace
}  // namespace sb::config
