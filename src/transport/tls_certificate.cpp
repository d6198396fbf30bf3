#include "transport/tls_certificate.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>

namespace sb::transport {
namespace {

void close_file(std::FILE* f) { std::fclose(f); }

template <auto Free>
struct Deleter {
    template <class T>
    void operator()(T* p) const {
        Free(p);
    }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using FilePtr = std::unique_ptr<std::FILE, Deleter<close_file>>;

// The reason of the last OpenSSL failure, and an empty queue for the next call.
std::string openssl_error() {
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) {
        return "unknown OpenSSL error";
    }
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    return text;
}

Result<FilePtr> open_for_reading(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        return fail(path + ": is a directory, not a file");
    }
    FilePtr f(std::fopen(path.c_str(), "rb"));
    if (!f) {
        return fail(path + ": cannot read: " + std::strerror(errno));
    }
    return f;
}

Result<X509Ptr> read_certificate(const std::string& path) {
    auto f = open_for_reading(path);
    if (!f) {
        return Unexpected(f.error());
    }
    X509Ptr cert(PEM_read_X509(f->get(), nullptr, nullptr, nullptr));
    if (!cert) {
        ERR_clear_error();
        return fail(path + ": not a PEM certificate");
    }
    return cert;
}

Result<KeyPtr> read_private_key(const std::string& path) {
    auto f = open_for_reading(path);
    if (!f) {
        return Unexpected(f.error());
    }
    // A key protected by a pass phrase would make OpenSSL ask on the terminal: refuse instead.
    pem_password_cb* no_pass_phrase = [](char*, int, int, void*) { return 0; };
    KeyPtr key(PEM_read_PrivateKey(f->get(), nullptr, no_pass_phrase, nullptr));
    if (!key) {
        ERR_clear_error();
        return fail(path + ": not a PEM private key (or protected by a pass phrase)");
    }
    return key;
}

std::string one_line(const X509_NAME* name) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
        return "(unreadable name)";
    }
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::int64_t unix_time(const ASN1_TIME* t) {
    std::tm tm{};
    if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
        return 0;
    }
    return static_cast<std::int64_t>(timegm(&tm));
}

// A DNS name fit for a certificate: what gethostname() gives may hold anything.
std::string dns_name(const std::string& host) {
    std::string out;
    for (char c : host) {
        if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.') {
            out.push_back(c);
        }
    }
    return out.empty() ? std::string("localhost") : out.substr(0, 64);  // CN: 64 at most
}

Result<void> add_extension(X509* cert, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
        return fail("certificate extension '" + value + "': " + openssl_error());
    }
    return {};
}

// Writes a PEM file under a temporary name with `mode`, then renames it into place.
template <class Write>
Result<void> write_pem(const std::string& path, mode_t mode, Write write) {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        return fail("cannot write " + tmp + ": " + std::strerror(errno));
    }
    // O_CREAT keeps the mode of a file left over from an earlier attempt.
    if (::fchmod(fd, mode) != 0) {
        ::close(fd);
        return fail("cannot set the mode of " + tmp + ": " + std::strerror(errno));
    }
    FilePtr f(::fdopen(fd, "w"));
    if (!f) {
        ::close(fd);
        return fail("cannot write " + tmp + ": " + std::strerror(errno));
    }
    bool written = write(f.get()) == 1;
    bool flushed = std::fflush(f.get()) == 0 && ::fsync(fd) == 0;
    f.reset();
    if (!written || !flushed) {
        ::unlink(tmp.c_str());
        return fail("cannot write " + path + ": " +
                    (written ? std::strerror(errno) : openssl_error()));
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return fail("cannot write " + path + ": " + std::strerror(errno));
    }
    return {};
}

}  // namespace

Result<void> write_self_signed(const CertificateFiles& files, const SelfSignedSpec& spec) {
    KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!key) {
        return fail("cannot make an EC P-256 key: " + openssl_error());
    }
    X509Ptr cert(X509_new());
    if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
        return fail("cannot make a certificate: " + openssl_error());
    }
    // RFC 5280 §4.1.2.2: a positive serial number of at most 20 octets, unique per issuer;
    // random, since every start may make a new issuer of the same name.
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof(serial)) != 1) {
        return fail("no random bytes for a serial number: " + openssl_error());
    }
    serial[0] = static_cast<unsigned char>((serial[0] & 0x7f) | 0x01);
    BignumPtr bn(BN_bin2bn(serial, sizeof(serial), nullptr));
    const std::string host = dns_name(spec.host_name);
    X509_NAME* name = X509_get_subject_name(cert.get());
    // An hour back, for peers whose clocks run a little behind ours.
    bool ok = bn && BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) != nullptr &&
              X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&
              X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                              static_cast<long>(spec.days) * 86400) != nullptr &&
              X509_set_pubkey(cert.get(), key.get()) == 1 &&
              X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                         reinterpret_cast<const unsigned char*>("Switchboard"), -1,
                                         -1, 0) == 1 &&
              X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                         reinterpret_cast<const unsigned char*>(host.c_str()), -1,
                                         -1, 0) == 1 &&
              X509_set_issuer_name(cert.get(), name) == 1;
    if (!ok) {
        return fail("cannot fill in the certificate: " + openssl_error());
    }
    std::string alt = "DNS:" + host;
    for (const std::string& a : spec.addresses) {
        std::string entry = ",IP:" + a;
        if (alt.find(entry) == std::string::npos) {
            alt += entry;
        }
    }
    const std::pair<int, std::string> extensions[] = {
        {NID_basic_constraints, "critical,CA:FALSE"},
        {NID_key_usage, "critical,digitalSignature,keyAgreement"},
        {NID_ext_key_usage, "serverAuth,clientAuth"},
        {NID_subject_key_identifier, "hash"},
        {NID_subject_alt_name, alt}};
    for (const auto& [nid, value] : extensions) {
        if (auto added = add_extension(cert.get(), nid, value); !added) {
            return added;
        }
    }
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
        return fail("cannot sign the certificate: " + openssl_error());
    }
    if (auto w = write_pem(files.private_key, 0600,
                           [&](std::FILE* f) {
                               return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0,
                                                           nullptr, nullptr);
                           });
        !w) {
        return w;
    }
    return write_pem(files.certificate, 0644,
                     [&](std::FILE* f) { return PEM_write_X509(f, cert.get()); });
}

Result<SelfSigned> ensure_self_signed(const std::string& dir, const SelfSignedSpec& spec) {
    SelfSigned out{{dir + "/server.crt", dir + "/server.key"}, false};
    std::error_code ec;
    if (std::filesystem::exists(out.files.certificate, ec) &&
        std::filesystem::exists(out.files.private_key, ec)) {
        if (auto checked = check_certificate_pair(out.files); !checked) {
            return fail(checked.error().message + " (remove " + out.files.certificate + " and " +
                        out.files.private_key + " to have new ones made)");
        }
        return out;
    }
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return fail("cannot create " + dir + ": " + ec.message());
    }
    if (auto written = write_self_signed(out.files, spec); !written) {
        return Unexpected(written.error());
    }
    out.generated = true;
    return out;
}

Result<void> check_certificate_pair(const CertificateFiles& files) {
    auto cert = read_certificate(files.certificate);
    if (!cert) {
        return Unexpected(cert.error());
    }
    auto key = read_private_key(files.private_key);
    if (!key) {
        return Unexpected(key.error());
    }
    if (X509_check_private_key(cert->get(), key->get()) != 1) {
        ERR_clear_error();
        return fail(files.private_key + ": not the private key of the certificate in " +
                    files.certificate);
    }
    return {};
}

Result<void> check_ca_file(const std::string& path) {
    auto cert = read_certificate(path);
    if (!cert) {
        return Unexpected(cert.error());
    }
    return {};
}

Result<CertificateInfo> read_certificate_info(const std::string& path) {
    auto cert = read_certificate(path);
    if (!cert) {
        return Unexpected(cert.error());
    }
    X509* x = cert->get();
    CertificateInfo info;
    info.subject = one_line(X509_get_subject_name(x));
    info.version = X509_get_version(x) + 1;
    info.not_before = unix_time(X509_get0_notBefore(x));
    info.not_after = unix_time(X509_get0_notAfter(x));
    if (EVP_PKEY* key = X509_get0_pubkey(x)) {
        if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
            char group[64] = {};
            std::size_t n = 0;
            EVP_PKEY_get_group_name(key, group, sizeof(group), &n);
            info.key_type = std::string("EC ") + group;
        } else {
            info.key_type = std::string(EVP_PKEY_get0_type_name(key) != nullptr
                                            ? EVP_PKEY_get0_type_name(key)
                                            : "key") +
                            " " + std::to_string(EVP_PKEY_get_bits(key));
        }
    }
    NamesPtr names(static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr)));
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* g = sk_GENERAL_NAME_value(names.get(), i);
        if (g->type == GEN_DNS) {
            const ASN1_STRING* s = g->d.dNSName;
            info.alt_names.push_back(
                "DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                     static_cast<std::size_t>(ASN1_STRING_length(s))));
        } else if (g->type == GEN_IPADD) {
            const ASN1_OCTET_STRING* s = g->d.iPAddress;
            char text[INET6_ADDRSTRLEN] = {};
            int len = ASN1_STRING_length(s);
            if ((len == 4 || len == 16) &&
                inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(s), text,
                          sizeof(text)) != nullptr) {
                info.alt_names.push_back(std::string("IP:") + text);
            }
        }
    }
    ERR_clear_error();
    return info;
}

std::string peer_subject(SSL* ssl) {
    X509Ptr peer(SSL_get1_peer_certificate(ssl));
    return peer ? "'" + one_line(X509_get_subject_name(peer.get())) + "'" : "(no certificate)";
}

}  // namespace sb::transport
