#include "sip/method.h"

#include <array>

namespace sb::sip {
namespace {
constexpr std::array<std::string_view, 15> kNames = {
    "",        "INVITE", "ACK",    "BYE",   "CANCEL", "OPTIONS",   "REGISTER", "MESSAGE",
    "INFO",    "UPDATE", "PRACK",  "REFER", "SUBSCRIBE", "NOTIFY", "PUBLISH",
};
}  // namespace

Method parse_method(std::string_view text) {
    for (std::size_t i = 1; i < kNames.size(); ++i) {
        if (kNames[i] == text) {
            return static_cast<Method>(i);
        }
    }
    return Method::Unknown;
}

std::string_view method_name(Method m) { return kNames[static_cast<std::size_t>(m)]; }

}  // namespace sb::sip
