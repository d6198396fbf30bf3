#pragma once

// The Contact lines of a 302 Moved Temporarily from a redirect server (RFC 3261 §8.3): where
// the caller should try instead, either the callee's registered contacts or the target of
// the callee's forwarding rule.

#include <string>
#include <string_view>
#include <vector>

#include "location/api/binding.h"

namespace sb::proxy {

/// One Contact line per binding, with its q-value when it registered one.
std::string redirect_contacts(const std::vector<location::Binding>& bindings);

/// The Contact line that sends the caller to a forwarding target (a SIP URI).
std::string redirect_contact(std::string_view target);

}  // namespace sb::proxy
