#pragma once

// Serialises a parsed session description. Lines are written through as they were parsed, each
// ended with CRLF (RFC 8866 §5), so a body with bare LF endings comes out with CRLF and is
// otherwise byte for byte the same. Changes go through sdp::Editor.

#include <string>

#include "sdp/session.h"

namespace sb::sdp {

/// Appends the description to `out`.
void write_to(const Session& session, std::string& out);

/// The description as text.
std::string write(const Session& session);

}  // namespace sb::sdp
