#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace sb::auth {

enum class AuthMode : std::uint8_t {
    Off,       // nobody is asked for credentials
    Users,     // users with a password must authenticate; other names are open (LAN quick start)
    Required,  // only users of the database may register or call out, all with credentials
};

struct AuthConfig {
    AuthMode mode = AuthMode::Users;
    std::map<std::string, AuthMode> domains;  // per-domain overrides of `mode`
    std::chrono::seconds nonce_lifetime{300};
};

}  // namespace sb::auth
