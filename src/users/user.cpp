#include "users/user.h"

#include "base/strings.h"

namespace sb::users {

std::string_view to_string(ForwardWhen w) {
    switch (w) {
        case ForwardWhen::Always: return "always";
        case ForwardWhen::Busy: return "busy";
        case ForwardWhen::NoAnswer: return "no-answer";
        case ForwardWhen::Unavailable: return "unavailable";
    }
    return "?";
}

bool parse_forward_when(std::string_view text, ForwardWhen& out) {
    for (ForwardWhen w : {ForwardWhen::Always, ForwardWhen::Busy, ForwardWhen::NoAnswer,
                          ForwardWhen::Unavailable}) {
        if (iequals(text, to_string(w))) {
            out = w;
            return true;
        }
    }
    return false;
}

std::pair<std::string, std::string> split_aor(std::string_view aor) {
    if (istarts_with(aor, "sip:")) {
        aor.remove_prefix(4);
    } else if (istarts_with(aor, "sips:")) {
        aor.remove_prefix(5);
    }
    std::size_t at = aor.rfind('@');
    if (at == std::string_view::npos) {
        return {std::string(), std::string(aor)};
    }
    return {std::string(aor.substr(0, at)), std::string(aor.substr(at + 1))};
}

}  // namespace sb::users
