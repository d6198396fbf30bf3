#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "users/user.h"

namespace sb::users {

/// The users of the exchange. Implementations are safe to call from any thread.
class Directory {
public:
    virtual ~Directory() = default;
    /// The user with this AOR, or nullopt when there is none.
    virtual Result<std::optional<User>> find(std::string_view aor) = 0;
    virtual Result<std::vector<User>> list() = 0;
    /// Adds a user; fails when the AOR exists.
    virtual Result<void> add(const User& user) = 0;
    /// Replaces a user's record; fails when the AOR does not exist.
    virtual Result<void> update(const User& user) = 0;
    /// Removes a user; false when there was none.
    virtual Result<bool> remove(std::string_view aor) = 0;
};

}  // namespace sb::users
