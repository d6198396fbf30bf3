#include <gtest/gtest.h>

#include "config/loader.h"

namespace sb::config {
namespace {

TEST(TlsConfig, DefaultsMatchTheStruct) {
    ServerConfig loaded = defaults();
    transport::TlsConfig plain;
    EXPECT_EQ(loaded.transport.tls.certificate, plain.certificate);
    EXPECT_EQ(loaded.transport.tls.private_key, plain.private_key);
    EXPECT_EQ(loaded.transport.tls.ca_file, plain.ca_file);
    EXPECT_EQ(loaded.transport.tls.verify_clients, plain.verify_clients);
    EXPECT_EQ(loaded.transport.tls.min_version, transport::TlsVersion::V1_2);
}

TEST(TlsConfig, KeysAndListenersApply) {
    ServerConfig c = defaults();
    auto r = load_text("[transport]\n"
                       "listen = [\"tls:0.0.0.0:5061\", \"ws:127.0.0.1:8080\", \"wss:[::]:8443\"]\n"
                       "[tls]\ncertificate = \"/etc/sb/cert.pem\"\n"
                       "private_key = \"/etc/sb/key.pem\"\nca_file = \"/etc/sb/ca.pem\"\n"
                       "verify_clients = true\nmin_version = \"1.3\"\n",
                       "tls.toml", c);
    ASSERT_TRUE(r.has_value()) << r.error().front();
    ASSERT_EQ(c.transport.listen.size(), 3u);
    EXPECT_EQ(c.transport.listen[0].transport, transport::Transport::Tls);
    EXPECT_EQ(c.transport.listen[1].transport, transport::Transport::Ws);
    EXPECT_EQ(c.transport.listen[2].transport, transport::Transport::Wss);
    EXPECT_EQ(c.transport.listen[2].host, "::");
    EXPECT_EQ(c.transport.tls.certificate, "/etc/sb/cert.pem");
    EXPECT_EQ(c.transport.tls.private_key, "/etc/sb/key.pem");
    EXPECT_EQ(c.transport.tls.ca_file, "/etc/sb/ca.pem");
    EXPECT_TRUE(c.transport.tls.verify_clients);
    EXPECT_EQ(c.transport.tls.min_version, transport::TlsVersion::V1_3);
}

TEST(TlsConfig, MistakesAreNamed) {
    ServerConfig c = defaults();
    auto version = load_text("[tls]\nmin_version = \"1.1\"\n", "t.toml", c);
    ASSERT_FALSE(version.has_value());
    EXPECT_NE(version.error().front().find("t.toml:2: tls.min_version"), std::string::npos)
        << version.error().front();

    c = defaults();
    auto no_ca = load_text("[tls]\nverify_clients = true\n", "t.toml", c);
    ASSERT_FALSE(no_ca.has_value());
    EXPECT_NE(no_ca.error().front().find("tls.verify_clients: needs tls.ca_file"),
              std::string::npos)
        << no_ca.error().front();

    c = defaults();
    auto key_alone = load_text("[tls]\nprivate_key = \"k.pem\"\n", "t.toml", c);
    ASSERT_FALSE(key_alone.has_value());
    EXPECT_NE(key_alone.error().front().find("tls.private_key"), std::string::npos);
}

}  // namespace
}  // namespace sb::config
