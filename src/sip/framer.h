#pragma once

// Finds message boundaries in a byte stream (TCP, TLS, WebSocket text frames carry whole
// messages already) from the Content-Length header (RFC 3261 §18.3), and recognises the
// CRLF keep-alives of RFC 5626 §3.5.1.

#include <cstddef>
#include <string_view>

namespace sb::sip {

enum class FrameStatus {
    NeedMore,    // read more bytes, then call again with the longer buffer
    Complete,    // `length` bytes form one message
    Ping,        // `length` bytes are a CRLFCRLF keep-alive: answer with one CRLF
    Pong,        // `length` bytes are a lone CRLF (a keep-alive answer): drop them
    TooLarge,    // the message would exceed the size limit (answer 513 and close)
    Invalid,     // the framing cannot be recovered (close the connection)
};

struct Frame {
    FrameStatus status = FrameStatus::NeedMore;
    std::size_t length = 0;
};

/// Frames the message at the start of `stream`. Remembers how far it has searched, so calling
/// again after more bytes arrive does not rescan them; call reset() after consuming a frame.
class Framer {
public:
    explicit Framer(std::size_t max_message_size) : max_size_(max_message_size) {}
    Frame next(std::string_view stream);
    void reset() { scanned_ = 0; }

private:
    std::size_t max_size_;
    std::size_t scanned_ = 0;
};

}  // namespace sb::sip
