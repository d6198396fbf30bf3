#pragma once

// HA1 = H(username ":" realm ":" password), RFC 7616 §3.4.2: what a server stores instead of a
// password. MD5 for phones that know nothing else (RFC 2617), SHA-256 for the others.

#include <string>
#include <string_view>

namespace sb::users {

std::string md5_hex(std::string_view data);
std::string sha256_hex(std::string_view data);

std::string ha1_md5(std::string_view user, std::string_view realm, std::string_view password);
std::string ha1_sha256(std::string_view user, std::string_view realm, std::string_view password);

}  // namespace sb::users
