#include "sdp/writer.h"

namespace sb::sdp {

void write_to(const Session& session, std::string& out) {
    std::size_t size = 0;
    for (const Line& line : session.lines) {
        size += line.text.size() + 2;
    }
    out.reserve(out.size() + size);
    for (const Line& line : session.lines) {
        out.append(line.text).append("\r\n");
    }
}

std::string write(const Session& session) {
    std::string out;
    write_to(session, out);
    return out;
}

}  // namespace sb::sdp
