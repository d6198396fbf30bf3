// libFuzzer target for the stream Framer. The first four input bytes choose the size limit and
// how the rest arrives: in chunks of pseudo-random size, the way TCP delivers it. The stream is
// fed to one Framer the way a connection does (append what arrived, call next(), consume each
// complete frame and reset()) until the data runs out or the framing fails. The Framer must
// never report a frame longer than the bytes it was given, nor an empty one, nor make the
// connection loop without progress; and when a frame parses as a stream message, the parser
// must agree with the framer on its length.
// Seed it with tests/fuzz/corpus/framer (each seed starts with the four control bytes).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "sip/framer.h"
#include "sip/parser.h"

namespace {

using namespace sb::sip;

// xorshift32: cheap and fully determined by the seed from the input.
struct Rng {
    std::uint32_t state;
    std::uint32_t next() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        return state;
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 4) {
        return 0;
    }
    // byte 0: limit 128 << (0..7) bytes (128 B .. 16 KiB) so TooLarge is reachable;
    // byte 1: largest chunk 1..256 bytes; bytes 2-3: seed of the chunk sizes.
    const std::size_t max_size = std::size_t{128} << (data[0] & 7);
    const std::uint32_t max_chunk = std::uint32_t{data[1]} + 1;
    Rng rng{(std::uint32_t{data[2]} << 8 | data[3]) * 2654435761u | 1u};
    std::string_view input(reinterpret_cast<const char*>(data) + 4, size - 4);

    Framer framer(max_size);
    std::string buffer;       // what has arrived and not been consumed yet
    std::size_t fed = 0;      // bytes of `input` appended to `buffer` so far
    std::size_t steps = 0;
    // Each step consumes at least one byte or appends at least one; anything more is a loop.
    const std::size_t max_steps = 2 * input.size() + 2;
    while (true) {
        FUZZ_CHECK(++steps <= max_steps);
        Frame frame = framer.next(buffer);
        switch (frame.status) {
            case FrameStatus::NeedMore: {
                FUZZ_CHECK(buffer.size() <= max_size);
                if (fed == input.size()) {
                    return 0;  // the connection ends with a partial message pending
                }
                std::size_t chunk = 1 + rng.next() % max_chunk;
                if (chunk > input.size() - fed) {
                    chunk = input.size() - fed;
                }
                buffer.append(input.substr(fed, chunk));
                fed += chunk;
                break;
            }
            case FrameStatus::Complete: {
                FUZZ_CHECK(frame.length > 0 && frame.length <= buffer.size());
                FUZZ_CHECK(frame.length <= max_size);
                std::string_view message(buffer.data(), frame.length);
                FUZZ_CHECK(message.front() != '\r' && message.front() != '\n');
                // The same bytes framed at once by a fresh Framer give the same frame: what
                // next() remembers between calls only saves rescanning.
                Framer fresh(max_size);
                Frame again = fresh.next(buffer);
                FUZZ_CHECK(again.status == FrameStatus::Complete && again.length == frame.length);
                // The transport parses each frame as one stream message. When that succeeds, the
                // parser must have found the message the framer measured: if they disagree on
                // where the headers end or on the Content-Length, bytes of the next message are
                // swallowed as trailing junk (or a message is lost) and the stream desynchronises.
                auto msg = parse_message(message, ParseOptions{.stream = true});
                if (msg) {
                    FUZZ_CHECK(msg->bytes().size() == frame.length);
                }
                buffer.erase(0, frame.length);
                framer.reset();
                break;
            }
            case FrameStatus::Ping:
            case FrameStatus::Pong: {
                FUZZ_CHECK(frame.length > 0 && frame.length <= buffer.size());
                FUZZ_CHECK(frame.length <= 4);
                for (std::size_t i = 0; i < frame.length; ++i) {
                    FUZZ_CHECK(buffer[i] == '\r' || buffer[i] == '\n');
                }
                buffer.erase(0, frame.length);
                framer.reset();
                break;
            }
            case FrameStatus::TooLarge:
            case FrameStatus::Invalid:
                return 0;  // the connection is answered and closed
        }
    }
}
