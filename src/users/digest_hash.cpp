#include "users/digest_hash.h"

#include <openssl/evp.h>

#include <array>

namespace sb::users {
namespace {

std::string digest_hex(const EVP_MD* md, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(len * 2);
    for (unsigned int i = 0; i < len; ++i) {
        hex.push_back(kHex[out[i] >> 4]);
        hex.push_back(kHex[out[i] & 0xf]);
    }
    return hex;
}

std::string join(std::string_view user, std::string_view realm, std::string_view password) {
    std::string s;
    s.reserve(user.size() + realm.size() + password.size() + 2);
    s.append(user).append(":").append(realm).append(":").append(password);
    return s;
}

}  // namespace

std::string md5_hex(std::string_view data) { return digest_hex(EVP_md5(), data); }
std::string sha256_hex(std::string_view data) { return digest_hex(EVP_sha256(), data); }

std::string ha1_md5(std::string_view user, std::string_view realm, std::string_view password) {
    return md5_hex(join(user, realm, password));
}

std::string ha1_sha256(std::string_view user, std::string_view realm, std::string_view password) {
    return sha256_hex(join(user, realm, password));
}

}  // namespace sb::users
