// libFuzzer target for the SDP module: parse; when that succeeds, write and parse again (the
// model must come back the same and the text must be a fixed point), then run the rewrites the
// media relay performs and parse their output. Seed it with tests/data/sdp.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sdp/editor.h"
#include "sdp/parser.h"
#include "sdp/writer.h"

namespace {

void check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

void fuzz_editor(const sb::sdp::Session& session) {
    using sb::sdp::Direction;
    sb::sdp::Editor editor(session);
    editor.set_connection_address("203.0.113.1");
    editor.set_origin_address("2001:db8::1");
    editor.set_session_direction(Direction::SendRecv);
    for (std::size_t i = 0; i < session.media.size(); ++i) {
        auto port = static_cast<std::uint16_t>(40000 + 2 * i);
        editor.set_port(i, port);
        editor.set_rtcp(i, static_cast<std::uint16_t>(port + 1), i % 2 ? "203.0.113.1" : "");
        editor.set_direction(i, static_cast<Direction>(i % 4));
        if (i % 3 == 0) {
            editor.set_connection_address(i, "2001:db8::2");
        }
    }
    editor.remove_attributes("candidate");
    std::string edited = editor.write();
    auto reparsed = sb::sdp::parse_session(edited);
    if (!reparsed) {
        // A rewritten line may grow past the line limit; nothing else may fail.
        check(reparsed.error().message.find("longer than") != std::string::npos);
        return;
    }
    check(reparsed->media.size() == session.media.size());
    for (std::size_t i = 0; i < session.media.size(); ++i) {
        check(reparsed->media[i].port == 40000 + 2 * i);
        check(reparsed->direction_of(i) == static_cast<Direction>(i % 4));
        check(reparsed->connection_for(i) != nullptr);
        check(!reparsed->media[i].has_attribute("candidate"));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto session = sb::sdp::parse_session(input);
    if (!session) {
        check(session.error().message.rfind("line ", 0) == 0);
        return 0;
    }
    std::string text = sb::sdp::write(*session);
    auto again = sb::sdp::parse_session(text);
    check(again.has_value());
    check(*again == *session);
    check(sb::sdp::write(*again) == text);
    fuzz_editor(*session);
    return 0;
}
