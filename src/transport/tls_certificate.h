#pragma once

// Certificate files for TLS (RFC 3261 §26.2.1): a self-signed certificate made at start when
// none is configured, and checks of configured files, so that a bad file stops the start with
// its name instead of failing every handshake later.

#include <openssl/ssl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace sb::transport {

struct CertificateFiles {
    std::string certificate;  // PEM: the certificate, then any intermediates
    std::string private_key;  // PEM: its private key
};

/// What a generated certificate names.
struct SelfSignedSpec {
    std::string host_name;                // CN and a DNS subjectAltName
    std::vector<std::string> addresses;   // IP subjectAltNames
    int days = 3650;
};

struct SelfSigned {
    CertificateFiles files;
    bool generated = false;  // false: the files from an earlier start were reused
};

/// The self-signed certificate kept in `dir` as server.crt and server.key (mode 0600): the
/// files already there when both exist, are valid and match, else new ones. Fails naming the
/// file that cannot be written, or the one at fault when existing files are broken.
Result<SelfSigned> ensure_self_signed(const std::string& dir, const SelfSignedSpec& spec);

/// Writes a new EC P-256 key and a self-signed X.509 v3 certificate for it (serverAuth and
/// clientAuth, valid from now for `spec.days` days). The key file gets mode 0600. Each file is
/// written under a temporary name and renamed, so no reader sees half a file.
Result<void> write_self_signed(const CertificateFiles& files, const SelfSignedSpec& spec);

/// Checks that the certificate file holds a PEM certificate and the key file a PEM private key
/// that belongs to it; the error names the file at fault (missing, unreadable, not a
/// certificate, not a key, or a key of another certificate).
Result<void> check_certificate_pair(const CertificateFiles& files);

/// Checks that `path` holds at least one PEM certificate.
Result<void> check_ca_file(const std::string& path);

/// A certificate's names and dates, for logs and tests.
struct CertificateInfo {
    std::string subject;                 // one line: "CN=host,O=Switchboard"
    std::vector<std::string> alt_names;  // "DNS:host", "IP:127.0.0.1"
    long version = 0;                    // 3 for X.509 v3
    std::string key_type;                // "EC P-256", "RSA 2048", ...
    std::int64_t not_before = 0;         // Unix seconds
    std::int64_t not_after = 0;
};
Result<CertificateInfo> read_certificate_info(const std::string& path);

/// The subject of the peer's certificate on an established connection as one line, or
/// "(no certificate)".
std::string peer_subject(SSL* ssl);

}  // namespace sb::transport
