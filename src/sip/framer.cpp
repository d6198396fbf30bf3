#include "sip/framer.h"

#include <cstring>

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
        if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
            continue;  // a folded continuation belongs to the header above it
        }
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
    // The header section ends where the parser ends it: at the first line terminator followed
    // by an empty line, "\n\n" or "\n\r\n" (bare LF lines are tolerated like CRLF ones).
    std::size_t end = std::string_view::npos;  // offset of the '\n' that ends the last header
    std::size_t sep = 0;                       // bytes from there to the body
    for (std::size_t i = scanned_ > 2 ? scanned_ - 2 : 0; i < stream.size(); ++i) {
        const void* lf = std::memchr(stream.data() + i, '\n', stream.size() - i);
        if (lf == nullptr) {
            break;
        }
        i = static_cast<std::size_t>(static_cast<const char*>(lf) - stream.data());
        if (i + 1 < stream.size() && stream[i + 1] == '\n') {
            end = i;
            sep = 2;
            break;
        }
        if (i + 2 < stream.size() && stream[i + 1] == '\r' && stream[i + 2] == '\n') {
            end = i;
            sep = 3;
            break;
        }
    }
    if (end == std::string_view::npos) {
        scanned_ = stream.size();
        if (stream.size() > max_size_) {
            return {FrameStatus::TooLarge, 0};
        }
        return {};
    }
    long long cl = content_length(stream.substr(0, end + 1));
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
