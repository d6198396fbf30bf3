#pragma once

#include <cstdint>
#include <string_view>

namespace sb::sip {

/// The methods Switchboard knows by name. Methods are case-sensitive (RFC 3261 §7.1);
/// anything else is Unknown and keeps its text in the message.
enum class Method : std::uint8_t {
    Unknown,
    Invite,
    Ack,
    Bye,
    Cancel,
    Options,
    Register,
    Message,
    Info,
    Update,
    Prack,
    Refer,
    Subscribe,
    Notify,
    Publish,
};

Method parse_method(std::string_view text);
std::string_view method_name(Method m);

}  // namespace sb::sip
