#include "transport/tls_context.h"

#include <openssl/ssl.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "transport/tls_certificate.h"

namespace sb::transport {
namespace {

namespace fs = std::filesystem;

class TlsContextTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "sb-tlsctx-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string dir_;
};

TEST_F(TlsContextTest, WithoutACertificateOneIsMadeInTheDataDirectory) {
    TlsConfig config;
    config.generated_dir = dir_ + "/tls";
    auto ctx = TlsContext::create(config, "host", {"127.0.0.1"});
    ASSERT_TRUE(ctx.has_value()) << ctx.error().message;
    EXPECT_EQ((*ctx)->certificate_file(), dir_ + "/tls/server.crt");
    EXPECT_TRUE(fs::exists(dir_ + "/tls/server.key"));
    SSL_CTX* server = (*ctx)->server().native_handle();
    EXPECT_EQ(SSL_CTX_get_min_proto_version(server), TLS1_2_VERSION);
    EXPECT_EQ(SSL_CTX_get_verify_mode(server), SSL_VERIFY_NONE);
    // Without ca_file an outbound peer is not verified (its subject is logged instead).
    EXPECT_EQ(SSL_CTX_get_verify_mode((*ctx)->client().native_handle()), SSL_VERIFY_NONE);
}

TEST_F(TlsContextTest, ConfiguredFilesAndVerification) {
    CertificateFiles files{dir_ + "/own.crt", dir_ + "/own.key"};
    ASSERT_TRUE(write_self_signed(files, {"own", {}, 30}).has_value());
    TlsConfig config;
    config.certificate = files.certificate;
    config.private_key = files.private_key;
    config.ca_file = files.certificate;
    config.verify_clients = true;
    config.min_version = TlsVersion::V1_3;
    auto ctx = TlsContext::create(config, "host", {});
    ASSERT_TRUE(ctx.has_value()) << ctx.error().message;
    EXPECT_FALSE(fs::exists(dir_ + "/tls"));
    SSL_CTX* server = (*ctx)->server().native_handle();
    EXPECT_EQ(SSL_CTX_get_min_proto_version(server), TLS1_3_VERSION);
    EXPECT_EQ(SSL_CTX_get_verify_mode(server),
              SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
    EXPECT_EQ(SSL_CTX_get_verify_mode((*ctx)->client().native_handle()), SSL_VERIFY_PEER);
}

TEST_F(TlsContextTest, KeyInTheCertificateFile) {
    CertificateFiles files{dir_ + "/c.crt", dir_ + "/c.key"};
    ASSERT_TRUE(write_self_signed(files, {"own", {}, 30}).has_value());
    std::string both = dir_ + "/both.pem";
    fs::copy_file(files.certificate, both);
    {
        std::FILE* out = std::fopen(both.c_str(), "ab");
        std::FILE* in = std::fopen(files.private_key.c_str(), "rb");
        char buf[4096];
        std::size_t n = std::fread(buf, 1, sizeof(buf), in);
        std::fwrite(buf, 1, n, out);
        std::fclose(in);
        std::fclose(out);
    }
    TlsConfig config;
    config.certificate = both;
    EXPECT_TRUE(TlsContext::create(config, "host", {}).has_value());
}

TEST_F(TlsContextTest, BadFilesFailNamingTheFile) {
    TlsConfig config;
    config.certificate = dir_ + "/missing.crt";
    auto missing = TlsContext::create(config, "host", {});
    ASSERT_FALSE(missing.has_value());
    EXPECT_NE(missing.error().message.find(dir_ + "/missing.crt"), std::string::npos);

    CertificateFiles files{dir_ + "/ok.crt", dir_ + "/ok.key"};
    ASSERT_TRUE(write_self_signed(files, {"ok", {}, 30}).has_value());
    config.certificate = files.certificate;
    config.private_key = files.private_key;
    config.ca_file = dir_ + "/no-ca.pem";
    auto no_ca = TlsContext::create(config, "host", {});
    ASSERT_FALSE(no_ca.has_value());
    EXPECT_NE(no_ca.error().message.find(dir_ + "/no-ca.pem"), std::string::npos);

    TlsConfig nowhere;  // no certificate and no directory for a generated one
    EXPECT_FALSE(TlsContext::create(nowhere, "host", {}).has_value());
}

}  // namespace
}  // namespace sb::transport
