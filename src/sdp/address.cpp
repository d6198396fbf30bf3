#include "sdp/address.h"

#include "base/strings.h"

namespace sb::sdp {

AddressType address_type_from(std::string_view addrtype) {
    if (iequals(addrtype, "IP4")) {
        return AddressType::Ip4;
    }
    if (iequals(addrtype, "IP6")) {
        return AddressType::Ip6;
    }
    return AddressType::Other;
}

std::string_view addrtype_for(std::string_view address) {
    return address.find(':') == std::string_view::npos ? "IP4" : "IP6";
}

bool is_unspecified_address(std::string_view address) {
    if (address == "0.0.0.0") {
        return true;
    }
    // Any spelling of the IPv6 unspecified address ("::", "0::0", "0:0:0:0:0:0:0:0"): nothing
    // but zeros and colons, with at least one colon.
    if (address.find(':') == std::string_view::npos) {
        return false;
    }
    for (char c : address) {
        if (c != '0' && c != ':') {
            return false;
        }
    }
    return true;
}

}  // namespace sb::sdp
