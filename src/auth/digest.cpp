#include "auth/digest.h"

#include <openssl/crypto.h>

#include <fmt/format.h>

#include "base/strings.h"
#include "users/digest_hash.h"

namespace sb::auth {
namespace {

constexpr bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view skip_ws(std::string_view s) {
    while (!s.empty() && is_ws(s.front())) {
        s.remove_prefix(1);
    }
    return s;
}

// The hash of `data` for the credentials' algorithm, as lower-case hex.
std::string h(Algorithm a, std::string_view data) {
    return a == Algorithm::Sha256 ? users::sha256_hex(data) : users::md5_hex(data);
}

}  // namespace

Result<Credentials> parse_credentials(std::string_view value) {
    value = skip_ws(value);
    if (!istarts_with(value, "Digest") || value.size() < 7 || !is_ws(value[6])) {
        return fail("not Digest credentials");
    }
    std::string_view rest = value.substr(6);
    Credentials c;
    bool has_response = false;
    while (true) {
        rest = skip_ws(rest);
        if (rest.empty()) {
            break;
        }
        std::size_t eq = rest.find('=');
        if (eq == std::string_view::npos) {
            return fail("malformed parameter");
        }
        std::string name = to_lower(trim(rest.substr(0, eq)));
        rest = skip_ws(rest.substr(eq + 1));
        std::string param;
        if (!rest.empty() && rest.front() == '"') {
            std::size_t i = 1;
            for (; i < rest.size() && rest[i] != '"'; ++i) {
                if (rest[i] == '\\' && i + 1 < rest.size()) {
                    ++i;
                }
                param.push_back(rest[i]);
            }
            if (i >= rest.size()) {
                return fail("unterminated quoted string");
            }
            rest = rest.substr(i + 1);
        } else {
            std::size_t end = rest.find(',');
            param = std::string(trim(rest.substr(0, end)));
            rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
        }
        rest = skip_ws(rest);
        if (!rest.empty()) {
            if (rest.front() != ',') {
                return fail("expected ',' between parameters");
            }
            rest.remove_prefix(1);
        }
        if (name == "username") {
            c.username = param;
        } else if (name == "realm") {
            c.realm = param;
        } else if (name == "nonce") {
            c.nonce = param;
        } else if (name == "uri") {
            c.uri = param;
        } else if (name == "response") {
            c.response = to_lower(param);
            has_response = true;
        } else if (name == "algorithm") {
            if (iequals(param, "MD5")) {
                c.algorithm = Algorithm::Md5;
            } else if (iequals(param, "SHA-256")) {
                c.algorithm = Algorithm::Sha256;
            } else {
                return fail("unsupported algorithm " + param);
            }
        } else if (name == "cnonce") {
            c.cnonce = param;
        } else if (name == "qop") {
            c.qop = to_lower(param);
        } else if (name == "nc") {
            std::uint32_t nc = 0;
            if (param.empty() || param.size() > 8) {
                return fail("bad nc");
            }
            for (char ch : param) {
                int v = ch >= '0' && ch <= '9'   ? ch - '0'
                        : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                        : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                                 : -1;
                if (v < 0) {
                    return fail("bad nc");
                }
                nc = nc * 16 + static_cast<std::uint32_t>(v);
            }
            c.nc = nc;
        } else if (name == "opaque") {
            c.opaque = param;
        }
    }
    if (c.username.empty() || c.nonce.empty() || c.uri.empty() || !has_response) {
        return fail("missing username, nonce, uri or response");
    }
    if (!c.qop.empty() && (c.qop != "auth" || c.cnonce.empty() || c.nc == 0)) {
        return fail("qop needs qop=auth, cnonce and nc");
    }
    return c;
}

std::string expected_response(const Credentials& c, std::string_view ha1, std::string_view method) {
    std::string ha2 = h(c.algorithm, std::string(method) + ":" + c.uri);
    if (c.qop.empty()) {
        return h(c.algorithm, std::string(ha1) + ":" + c.nonce + ":" + ha2);
    }
    return h(c.algorithm, fmt::format("{}:{}:{:08x}:{}:{}:{}", ha1, c.nonce, c.nc, c.cnonce, c.qop, ha2));
}

std::string challenge(std::string_view realm, std::string_view nonce, Algorithm algorithm,
                      bool stale) {
    return fmt::format("Digest realm=\"{}\", nonce=\"{}\", algorithm={}, qop=\"auth\"{}", realm, nonce,
                       algorithm == Algorithm::Sha256 ? "SHA-256" : "MD5", stale ? ", stale=true" : "");
}

bool equal_in_constant_time(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sb::auth
