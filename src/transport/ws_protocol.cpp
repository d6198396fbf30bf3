#include "transport/ws_protocol.h"

#include "base/strings.h"

namespace sb::transport {

bool offers_sip(std::string_view protocols) {
    while (!protocols.empty()) {
        std::size_t comma = protocols.find(',');
        std::string_view one = trim(protocols.substr(0, comma));
        if (one == kSipSubprotocol) {
            return true;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        protocols.remove_prefix(comma + 1);
    }
    return false;
}

UpgradeVerdict check_upgrade(bool is_websocket_upgrade, std::string_view protocols) {
    if (!is_websocket_upgrade) {
        return {426, "Upgrade Required"};
    }
    if (!offers_sip(protocols)) {
        return {400, "Bad Request"};
    }
    return {};
}

bool is_utf8(std::string_view bytes) {
    std::size_t i = 0;
    const std::size_t n = bytes.size();
    while (i < n) {
        auto c = static_cast<unsigned char>(bytes[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        char32_t cp = 0;
        char32_t min = 0;
        if ((c & 0xe0) == 0xc0) {
            len = 2;
            cp = c & 0x1f;
            min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3;
            cp = c & 0x0f;
            min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4;
            cp = c & 0x07;
            min = 0x10000;
        } else {
            return false;  // a continuation byte where a character starts, or 0xf8..0xff
        }
        if (n - i < len) {
            return false;
        }
        for (std::size_t k = 1; k < len; ++k) {
            auto cc = static_cast<unsigned char>(bytes[i + k]);
            if ((cc & 0xc0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (cc & 0x3f);
        }
        // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
        if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
            return false;
        }
        i += len;
    }
    return true;
}

KeepAlive keep_alive_of(std::string_view message) {
    if (message == "\r\n\r\n") {
        return KeepAlive::Ping;
    }
    if (message == "\r\n") {
        return KeepAlive::Pong;
    }
    return KeepAlive::None;
}

}  // namespace sb::transport
