#include "transport/tls_certificate.h"

#include <sys/stat.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sb::transport {
namespace {

namespace fs = std::filesystem;

class TlsCertificateTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "sb-tls-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string path(const std::string& name) const { return (fs::path(dir_) / name).string(); }
    static std::string slurp(const std::string& p) {
        std::ifstream in(p);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    static SelfSignedSpec spec() { return {"sip.example.test", {"127.0.0.1", "::1"}, 3650}; }

    std::string dir_;
};

TEST_F(TlsCertificateTest, GeneratedCertificateIsWhatTheConfigPromises) {
    auto made = ensure_self_signed(dir_ + "/tls", spec());
    ASSERT_TRUE(made.has_value()) << made.error().message;
    EXPECT_TRUE(made->generated);
    EXPECT_EQ(made->files.certificate, dir_ + "/tls/server.crt");
    EXPECT_EQ(made->files.private_key, dir_ + "/tls/server.key");

    auto info = read_certificate_info(made->files.certificate);
    ASSERT_TRUE(info.has_value()) << info.error().message;
    EXPECT_EQ(info->version, 3);
    EXPECT_EQ(info->key_type, "EC prime256v1");  // P-256
    EXPECT_NE(info->subject.find("CN=sip.example.test"), std::string::npos) << info->subject;
    EXPECT_EQ(info->alt_names,
              (std::vector<std::string>{"DNS:sip.example.test", "IP:127.0.0.1", "IP:::1"}));
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    EXPECT_LE(info->not_before, now);
    EXPECT_GT(info->not_after, now + 3649LL * 86400);  // ten years
    EXPECT_LT(info->not_after, now + 3651LL * 86400);

    // The key is readable by its owner only.
    struct stat st {};
    ASSERT_EQ(::stat(made->files.private_key.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_TRUE(check_certificate_pair(made->files).has_value());
}

TEST_F(TlsCertificateTest, LaterStartsReuseTheFiles) {
    auto first = ensure_self_signed(dir_, spec());
    ASSERT_TRUE(first.has_value());
    std::string cert = slurp(first->files.certificate);
    std::string key = slurp(first->files.private_key);
    auto again = ensure_self_signed(dir_, spec());
    ASSERT_TRUE(again.has_value()) << again.error().message;
    EXPECT_FALSE(again->generated);
    EXPECT_EQ(slurp(again->files.certificate), cert);
    EXPECT_EQ(slurp(again->files.private_key), key);
}

TEST_F(TlsCertificateTest, BrokenGeneratedFilesStopTheStartNamingThem) {
    auto first = ensure_self_signed(dir_, spec());
    ASSERT_TRUE(first.has_value());
    std::ofstream(first->files.certificate, std::ios::trunc) << "garbage\n";
    auto again = ensure_self_signed(dir_, spec());
    ASSERT_FALSE(again.has_value());
    EXPECT_NE(again.error().message.find(first->files.certificate + ": not a PEM certificate"),
              std::string::npos)
        << again.error().message;
}

TEST_F(TlsCertificateTest, ClientsThatPinTheCertificateCanVerifyIt) {
    // A phone given server.crt as its only trust anchor must accept the server.
    auto made = ensure_self_signed(dir_, spec());
    ASSERT_TRUE(made.has_value());
    X509_STORE* store = X509_STORE_new();
    ASSERT_EQ(X509_STORE_load_file(store, made->files.certificate.c_str()), 1);
    std::FILE* f = std::fopen(made->files.certificate.c_str(), "rb");
    ASSERT_NE(f, nullptr);
    X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    ASSERT_NE(cert, nullptr);
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    ASSERT_EQ(X509_STORE_CTX_init(ctx, store, cert, nullptr), 1);
    X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx), "sip.example.test", 0);
    EXPECT_EQ(X509_verify_cert(ctx), 1)
        << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
    X509_STORE_CTX_free(ctx);
    X509_free(cert);
    X509_STORE_free(store);
}

TEST_F(TlsCertificateTest, EveryBadFileIsNamed) {
    CertificateFiles a{path("a.crt"), path("a.key")};
    CertificateFiles b{path("b.crt"), path("b.key")};
    ASSERT_TRUE(write_self_signed(a, spec()).has_value());
    ASSERT_TRUE(write_self_signed(b, spec()).has_value());

    auto missing = check_certificate_pair({path("none.crt"), a.private_key});
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().message.rfind(path("none.crt") + ": cannot read", 0), 0u)
        << missing.error().message;

    std::ofstream(path("junk.pem")) << "-----BEGIN NOTHING-----\nabc\n";
    auto junk = check_certificate_pair({path("junk.pem"), a.private_key});
    ASSERT_FALSE(junk.has_value());
    EXPECT_EQ(junk.error().message, path("junk.pem") + ": not a PEM certificate");

    // A certificate where the key should be.
    auto not_key = check_certificate_pair({a.certificate, a.certificate});
    ASSERT_FALSE(not_key.has_value());
    EXPECT_EQ(not_key.error().message.rfind(a.certificate + ": not a PEM private key", 0), 0u)
        << not_key.error().message;

    auto mismatch = check_certificate_pair({a.certificate, b.private_key});
    ASSERT_FALSE(mismatch.has_value());
    EXPECT_EQ(mismatch.error().message,
              b.private_key + ": not the private key of the certificate in " + a.certificate);

    auto dir = check_certificate_pair({dir_, a.private_key});
    ASSERT_FALSE(dir.has_value());
    EXPECT_NE(dir.error().message.find("is a directory"), std::string::npos);

    EXPECT_TRUE(check_ca_file(a.certificate).has_value());
    auto bad_ca = check_ca_file(a.private_key);
    ASSERT_FALSE(bad_ca.has_value());
    EXPECT_EQ(bad_ca.error().message, a.private_key + ": not a PEM certificate");
}

TEST_F(TlsCertificateTest, HostNamesAreCleanedForTheCertificate) {
    CertificateFiles f{path("h.crt"), path("h.key")};
    ASSERT_TRUE(write_self_signed(f, {"bad host,name", {}, 1}).has_value());
    auto info = read_certificate_info(f.certificate);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->alt_names, std::vector<std::string>{"DNS:badhostname"});
}

}  // namespace
}  // namespace sb::transport
