#include "sip/framer.h"

#include "base/strings.h"

namespace sb::sip {
namespace {

// The Content-Length value in a header block, or -1 when absent, -2 when malformed.
long long content_length(std::string_view headers) {
    std::size_t pos = 0;
    long long found = -1;
    while (pos < headers.size()) {
        std::size_t eol = headers.find('\n', pos);
        std::string_view line = headers.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
        pos = eol == std::string_view::npos ? headers.size() : eol + 1;
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            continue;
        }
        std::string_view name = trim(line.substr(0, colon));
        if (iequals(name, "Content-Length") || iequals(name, "l")) {
            auto value = parse_u32(trim(line.substr(colon + 1)));
            if (!value || found >= 0) {
                return -2;  // malformed, or a second Content-Length: framing is ambiguous
            }
            found = *value;
        }
    }
    return found;
}

}  // namespace

Frame Framer::next(std::string_view stream) {
    if (stream.empty()) {
        return {};
    }
    if (stream[0] == '\r' || stream[0] == '\n') {
        constexpr std::string_view kPing = "\r\n\r\n";
        if (stream.starts_with(kPing)) {
            return {FrameStatus::Ping, kPing.size()};
        }
        if (kPing.starts_with(stream)) {
            return {};  // may still become a ping
        }
        // A lone CRLF (or LF) before a message is a keep-alive answer.
        return {FrameStatus::Pong, stream.starts_with("\r\n") ? 2u : 1u};
    }
    std::size_t from = scanned_ > 3 ? scanned_ - 3 : 0;
    std::size_t end = stream.find("\r\n\r\n", from);
    std::size_t sep = 4;
    if (end == std::string_view::npos) {
        std::size_t lf = stream.find("\n\n", from);
        if (lf != std::string_view::npos) {
            end = lf;
            sep = 2;
        }
    }
    if (end == std::string_view::npos) {
        scanned_ = stream.size();
        if (stream.size() > max_size_) {
            return {FrameStatus::TooLarge, 0};
        }
        return {};
    }
    long long cl = content_length(stream.substr(0, end));
    if (cl == -2) {
        return {FrameStatus::Invalid, 0};
    }
    std::size_t total = end + sep + static_cast<std::size_t>(cl < 0 ? 0 : cl);
    if (total > max_size_) {
        return {FrameStatus::TooLarge, 0};
    }
    if (stream.size() < total) {
        return {};
    }
    return {FrameStatus::Complete, total};
}

}  // namespace sb::sip
