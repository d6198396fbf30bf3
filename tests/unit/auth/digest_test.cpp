#include "auth/digest.h"

#include <gtest/gtest.h>

#include "auth/nonce.h"
#include "support/manual_clock.h"
#include "users/digest_hash.h"

namespace sb::auth {
namespace {

using namespace std::chrono_literals;

TEST(Digest, Rfc2617Md5Example) {
    auto c = parse_credentials(
        "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
        "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", qop=auth, "
        "nc=00000001, cnonce=\"0a4f113b\", response=\"6629fae49393a05397450978507c4ef1\", "
        "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");
    ASSERT_TRUE(c.has_value()) << c.error().message;
    EXPECT_EQ(c->algorithm, Algorithm::Md5);
    EXPECT_EQ(c->nc, 1u);
    std::string ha1 = users::ha1_md5("Mufasa", "testrealm@host.com", "Circle Of Life");
    EXPECT_EQ(expected_response(*c, ha1, "GET"), c->response);
}

TEST(Digest, Rfc7616Sha256Example) {
    auto c = parse_credentials(
        "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", "
        "algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001, "
        "cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth, "
        "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", "
        "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"");
    ASSERT_TRUE(c.has_value()) << c.error().message;
    EXPECT_EQ(c->algorithm, Algorithm::Sha256);
    std::string ha1 = users::ha1_sha256("Mufasa", "http-auth@example.org", "Circle of Life");
    EXPECT_EQ(expected_response(*c, ha1, "GET"), c->response);
}

TEST(Digest, Rejects) {
    EXPECT_FALSE(parse_credentials("Basic YWxhZGRpbjpvcGVuc2VzYW1l").has_value());
    EXPECT_FALSE(parse_credentials("Digest username=\"a\"").has_value());
    EXPECT_FALSE(parse_credentials("Digest username=\"a, nonce=\"x\"").has_value());
    EXPECT_FALSE(parse_credentials("Digest username=\"a\", nonce=\"n\", uri=\"u\", response=\"r\", "
                                   "algorithm=SHA-512-256")
                     .has_value());
    EXPECT_FALSE(parse_credentials("Digest username=\"a\", nonce=\"n\", uri=\"u\", response=\"r\", "
                                   "qop=auth")
                     .has_value());  // qop without nc and cnonce
}

TEST(Digest, Challenge) {
    EXPECT_EQ(challenge("example.com", "abc", Algorithm::Sha256, true),
              "Digest realm=\"example.com\", nonce=\"abc\", algorithm=SHA-256, qop=\"auth\", stale=true");
}

TEST(Nonce, ValidStaleForgedAndBoundToTheRealm) {
    test::ManualClock clock;
    NonceService nonces(random_hex(32), 300s, clock);
    std::string n = nonces.issue("example.com");
    EXPECT_EQ(nonces.check(n, "example.com"), NonceCheck::Valid);
    EXPECT_EQ(nonces.check(n, "other.com"), NonceCheck::Invalid);
    std::string forged = n;
    forged[forged.size() - 1] = forged.back() == 'a' ? 'b' : 'a';
    EXPECT_EQ(nonces.check(forged, "example.com"), NonceCheck::Invalid);
    EXPECT_EQ(nonces.check("garbage", "example.com"), NonceCheck::Invalid);
    clock.advance(301s);
    EXPECT_EQ(nonces.check(n, "example.com"), NonceCheck::Stale);
    NonceService other_server(random_hex(32), 300s, clock);
    EXPECT_EQ(other_server.check(nonces.issue("example.com"), "example.com"), NonceCheck::Invalid);
}

TEST(Nonce, CountsMustGrow) {
    test::ManualClock clock;
    NonceService nonces(random_hex(32), 300s, clock);
    std::string n = nonces.issue("example.com");
    EXPECT_TRUE(nonces.accept_count(n, 1));
    EXPECT_FALSE(nonces.accept_count(n, 1));  // a replay
    EXPECT_TRUE(nonces.accept_count(n, 2));
    EXPECT_FALSE(nonces.accept_count(n, 1));
    EXPECT_TRUE(nonces.accept_count(nonces.issue("example.com"), 1));
}

}  // namespace
}  // namespace sb::auth
