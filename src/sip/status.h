#pragma once

#include <string_view>

namespace sb::sip {

/// The RFC 3261 §21 reason phrase of a status code (or of its class when the code is unknown).
std::string_view default_reason(int status);

}  // namespace sb::sip
