#pragma once

// Digest authentication of our users (RFC 3261 §22): REGISTER is challenged with 401, initial
// requests whose From is a local user with 407, so nobody can register or call as someone else.
// Requests from other domains (calls coming in) and requests inside a dialog pass.

#include <functional>

#include "auth/config.h"
#include "auth/digest.h"
#include "auth/nonce.h"
#include "proxy/api/stage.h"
#include "proxy/local_domains.h"
#include "users/directory.h"

namespace sb::auth {

class AuthStage final : public proxy::RequestStage {
public:
    /// Told of every failed attempt (wrong password, replayed or forged nonce), for rate limits.
    using FailureHook = std::function<void(const transport::Source&)>;

    AuthStage(const AuthConfig& config, NonceService& nonces, users::Directory& directory,
              const proxy::LocalDomains& local, FailureHook on_failure = {});

    std::string_view name() const override { return "auth"; }
    proxy::StageResult on_request(txn::ServerTransaction& st) override;

private:
    enum class Verdict { Ok, Missing, Stale, Wrong };
    AuthMode mode_for(std::string_view domain) const;
    Verdict verify(const sip::Message& req, const users::User& user, std::string_view username,
                   std::string_view realm, bool proxy_side);
    void challenge(txn::ServerTransaction& st, std::string_view realm, bool proxy_side, bool stale);

    const AuthConfig& config_;
    NonceService& nonces_;
    users::Directory& directory_;
    const proxy::LocalDomains& local_;
    FailureHook on_failure_;
};

}  // namespace sb::auth
