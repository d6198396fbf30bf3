#pragma once

// The user database seen by the proxy: which AORs are users (404 or 480), and what each callee
// asked for (do not disturb, blocked callers, redirect, forwarding rules).

#include "proxy/api/call_services.h"
#include "proxy/api/user_directory.h"
#include "users/directory.h"

namespace sb::server {

class UserServices final : public proxy::CallServices, public proxy::UserDirectory {
public:
    explicit UserServices(users::Directory& directory) : directory_(directory) {}

    // proxy::UserDirectory
    bool exists(std::string_view aor) const override;
    // proxy::CallServices
    proxy::CalleePolicy policy(std::string_view caller, std::string_view callee) override;

private:
    users::Directory& directory_;
};

}  // namespace sb::server
