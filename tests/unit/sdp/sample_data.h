#pragma once

// Reads the sample bodies in tests/data/sdp. ctest passes the data root in SB_TEST_DATA; when a
// test binary is run by hand, the directory CMake compiled in (SB_SDP_SAMPLE_DIR) is used.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace sb::sdp::test {

inline std::string sample_dir() {
    if (const char* root = std::getenv("SB_TEST_DATA")) {
        return std::string(root) + "/sdp";
    }
#ifdef SB_SDP_SAMPLE_DIR
    return SB_SDP_SAMPLE_DIR;
#else
    return "tests/data/sdp";
#endif
}

/// The bytes of tests/data/sdp/<name>, or "" (and a test failure) when it cannot be read.
inline std::string load_sample(std::string_view name) {
    std::string path = sample_dir() + "/" + std::string(name);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        ADD_FAILURE() << "cannot read " << path;
        return {};
    }
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

/// Every sample body, for the tests that run over all of them.
inline const std::vector<std::string>& sample_names() {
    static const std::vector<std::string> names = {
        "linphone_offer.sdp", "baresip_offer.sdp", "hold_answer.sdp", "ipv6.sdp",
        "multistream.sdp",    "rtcp_address.sdp",  "ice_offer.sdp",   "lf_only.sdp",
    };
    return names;
}

/// `body` with every bare LF turned into CRLF: what the writer is expected to produce.
inline std::string with_crlf(std::string_view body) {
    std::string out;
    for (std::size_t i = 0; i < body.size(); ++i) {
        if (body[i] == '\n' && (i == 0 || body[i - 1] != '\r')) {
            out += '\r';
        }
        out += body[i];
    }
    return out;
}

}  // namespace sb::sdp::test
