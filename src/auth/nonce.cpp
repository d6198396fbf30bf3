#include "auth/nonce.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>

#include <fmt/format.h>

namespace sb::auth {
namespace {

std::string hex(const unsigned char* data, std::size_t n) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(kHex[data[i] >> 4]);
        out.push_back(kHex[data[i] & 0xf]);
    }
    return out;
}

constexpr std::size_t kSignatureHex = 32;  // 16 bytes of HMAC-SHA-256: plenty against forgery

}  // namespace

std::string random_hex(std::size_t bytes) {
    std::string buf(bytes, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(buf.data()), static_cast<int>(bytes));
    return hex(reinterpret_cast<const unsigned char*>(buf.data()), bytes);
}

NonceService::NonceService(std::string secret, std::chrono::seconds lifetime, const Clock& clock)
    : secret_(std::move(secret)), lifetime_(lifetime), clock_(clock) {}

std::string NonceService::sign(std::string_view payload, std::string_view realm) const {
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int len = 0;
    std::string data(payload);
    data.push_back(':');
    data.append(realm);
    HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(), &len);
    return hex(mac.data(), len).substr(0, kSignatureHex);
}

std::string NonceService::issue(std::string_view realm) {
    // payload = issue time (hex seconds) "." 64 random bits
    std::string payload = fmt::format("{:x}.{}", clock_.unix_seconds(), random_hex(8));
    return payload + "." + sign(payload, realm);
}

NonceCheck NonceService::check(std::string_view nonce, std::string_view realm) const {
    std::size_t last = nonce.rfind('.');
    std::size_t first = nonce.find('.');
    if (last == std::string_view::npos || first == last || nonce.size() - last - 1 != kSignatureHex) {
        return NonceCheck::Invalid;
    }
    std::string_view payload = nonce.substr(0, last);
    std::string expected = sign(payload, realm);
    if (CRYPTO_memcmp(expected.data(), nonce.data() + last + 1, kSignatureHex) != 0) {
        return NonceCheck::Invalid;
    }
    std::int64_t issued = 0;
    for (char c : nonce.substr(0, first)) {
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) {
            return NonceCheck::Invalid;
        }
        issued = issued * 16 + v;
    }
    std::int64_t now = clock_.unix_seconds();
    if (issued > now + 5 || now - issued > lifetime_.count()) {
        return NonceCheck::Stale;
    }
    return NonceCheck::Valid;
}

bool NonceService::accept_count(std::string_view nonce, std::uint32_t nc) {
    std::lock_guard lock(mutex_);
    std::int64_t now = clock_.unix_seconds();
    if (now >= next_sweep_) {
        // Forget counts of nonces that can no longer be used anyway.
        for (auto it = counts_.begin(); it != counts_.end();) {
            it = it->second.second < now ? counts_.erase(it) : std::next(it);
        }
        next_sweep_ = now + 60;
    }
    auto [it, inserted] = counts_.try_emplace(std::string(nonce), nc, now + lifetime_.count() + 5);
    if (inserted) {
        return true;
    }
    if (nc <= it->second.first) {
        return false;
    }
    it->second.first = nc;
    return true;
}

}  // namespace sb::auth
