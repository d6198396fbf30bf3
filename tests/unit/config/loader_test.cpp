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

}  // namespace
}  // namespace sb::config
