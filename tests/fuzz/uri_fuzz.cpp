// libFuzzer target for the URI, name-addr and Via value parsers: the whole input is handed to
// parse_uri, unescape, parse_name_addr and parse_via, and what they return is used the way the
// registrar and the proxy use it. Seed it with tests/fuzz/corpus/uri.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "sip/name_addr.h"
#include "sip/uri.h"
#include "sip/via.h"

namespace {

using namespace sb::sip;

bool within(std::string_view part, std::string_view whole) {
    return part.empty() || (part.data() >= whole.data() &&
                            part.data() + part.size() <= whole.data() + whole.size());
}

void check_uri(const Uri& uri, std::string_view text) {
    FUZZ_CHECK(uri.text == text);
    FUZZ_CHECK(within(uri.user, text) && within(uri.password, text) && within(uri.host, text) &&
               within(uri.params, text) && within(uri.headers, text));
    FUZZ_CHECK(uri.params.empty() || uri.params.front() == ';');
    if (uri.is_sip()) {
        FUZZ_CHECK(!uri.host.empty());
        std::string aor = address_of_record(uri);
        FUZZ_CHECK(aor.starts_with("sip:"));
        FUZZ_CHECK(within(uri.host_address(), uri.host));
        (void)is_ip_literal(uri.host);
        (void)is_ip_literal(uri.host_address());
    }
    (void)uri.param("transport");
    (void)uri.param("maddr");
    (void)uri.has_param("lr");
    std::string user = unescape(uri.user);
    FUZZ_CHECK(user.size() <= uri.user.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);

    if (auto uri = parse_uri(input)) {
        check_uri(*uri, input);
    } else {
        FUZZ_CHECK(uri.error() != nullptr);
    }

    std::string plain = unescape(input);
    FUZZ_CHECK(plain.size() <= input.size());

    if (auto na = parse_name_addr(input)) {
        FUZZ_CHECK(within(na->text, input) && within(na->display_name, na->text) &&
                   within(na->params, na->text));
        check_uri(na->uri, na->uri.text);
        FUZZ_CHECK(within(na->uri.text, na->text));
        FUZZ_CHECK(na->params.empty() || na->params.front() == ';');
        (void)na->tag();
        (void)na->param("expires");
        (void)na->param("q");
    } else {
        FUZZ_CHECK(na.error() != nullptr);
    }

    if (auto via = parse_via(input)) {
        FUZZ_CHECK(within(via->text, input) && within(via->host, via->text) &&
                   within(via->params, via->text) && within(via->branch, via->params));
        FUZZ_CHECK(!via->host.empty() && !via->transport.empty());
        (void)via->rfc3261_branch();
        (void)via->param("maddr");
        (void)via->param("ttl");
    } else {
        FUZZ_CHECK(via.error() != nullptr);
    }
    return 0;
}
