#pragma once

// The SDP parser (RFC 8866 §5, §9). It indexes a body without copying it: the Session it returns
// holds views into `text`, which must outlive it. Anything it rejects gets an error that names
// the line and the fault ("line 4: m= line needs a port"), fit for a 488 or a log line.

#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"
#include "sdp/session.h"

namespace sb::sdp {

inline constexpr std::size_t kMaxMedia = 64;
inline constexpr std::size_t kMaxLineLength = 4096;

struct Limits {
    /// More m= lines than this make the description invalid.
    std::size_t max_media = kMaxMedia;
    /// A line longer than this (line ending excluded) makes the description invalid.
    std::size_t max_line_length = kMaxLineLength;
};

/// Parses one session description. Lines may end in CRLF or a bare LF, the last one may have no
/// ending, and empty lines at the very end are ignored.
///
/// Checked: v=0 first, then o= (six fields) and s=; the fields of c=, b=, t= and m= (ports
/// 0-65535, at least one format, payload types 0-127 for RTP profiles); a=rtpmap, a=fmtp and
/// a=rtcp values; attribute names are tokens; at most one c= per section. Lines with other type
/// letters, and attributes nobody here reads, are kept in order without checks.
Result<Session> parse_session(std::string_view text, const Limits& limits = {});

/// Refused at compile time: the Session would view a string that dies at the end of the call
/// (`parse_session(editor.write())`). Keep the text in a variable first.
template <class S>
    requires std::same_as<S, std::string>
Result<Session> parse_session(S&& temporary, const Limits& limits = {}) = delete;

}  // namespace sb::sdp
