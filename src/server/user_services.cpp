#include "server/user_services.h"

#include <algorithm>

#include "base/log.h"

namespace sb::server {

bool UserServices::exists(std::string_view aor) const {
    auto user = directory_.find(aor);
    return user && user->has_value() && (*user)->enabled;
}

proxy::CalleePolicy UserServices::policy(std::string_view caller, std::string_view callee) {
    proxy::CalleePolicy p;
    auto found = directory_.find(callee);
    if (!found) {
        static auto logger = log::get("proxy");
        logger->error("user database: {}", found.error().message);
        return p;
    }
    if (!found->has_value()) {
        return p;
    }
    const users::User& u = **found;
    p.known = true;
    if (!u.enabled) {
        p.refuse_status = 403;
        p.refuse_detail = "user disabled";
        return p;
    }
    if (std::find(u.blocked.begin(), u.blocked.end(), caller) != u.blocked.end()) {
        p.refuse_status = 603;
        p.refuse_detail = "blocked";
        return p;
    }
    if (u.do_not_disturb) {
        p.refuse_status = 486;
        p.refuse_detail = "do not disturb";
        return p;
    }
    p.redirect = u.redirect;
    for (const users::ForwardRule& rule : u.forwards) {
        proxy::Forward f{rule.target, std::string(users::to_string(rule.when))};
        switch (rule.when) {
            case users::ForwardWhen::Always:
                p.always = f;
                break;
            case users::ForwardWhen::Busy:
                p.on_busy = f;
                break;
            case users::ForwardWhen::NoAnswer:
                p.on_no_answer = f;
                p.no_answer_after = rule.after_seconds;
                break;
            case users::ForwardWhen::Unavailable:
                p.on_unavailable = f;
                break;
        }
    }
    return p;
}

}  // namespace sb::server
