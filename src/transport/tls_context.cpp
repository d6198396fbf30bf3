#include "transport/tls_context.h"

#include <openssl/ssl.h>

#include "base/log.h"
#include "transport/tls_certificate.h"

namespace sb::transport {
namespace {

namespace ssl = boost::asio::ssl;

std::shared_ptr<spdlog::logger> logger() {
    static auto l = log::get("transport");
    return l;
}

// What both contexts share: protocol versions, our certificate and key, the CAs we trust.
Result<void> configure(ssl::context& ctx, const CertificateFiles& files, const TlsConfig& config) {
    boost::system::error_code ec;
    // RFC 3261 §26.3.1 asks for TLS; RFC 8996 retired TLS 1.0 and 1.1, so 1.2 is the floor.
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                        ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                        ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                    ec);
    int min = config.min_version == TlsVersion::V1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
    if (ec || SSL_CTX_set_min_proto_version(ctx.native_handle(), min) != 1) {
        return fail("cannot set up TLS: " + (ec ? ec.message() : std::string("protocol version")));
    }
    ctx.use_certificate_chain_file(files.certificate, ec);
    if (ec) {
        return fail(files.certificate + ": " + ec.message());
    }
    ctx.use_private_key_file(files.private_key, ssl::context::pem, ec);
    if (ec) {
        return fail(files.private_key + ": " + ec.message());
    }
    if (!config.ca_file.empty()) {
        ctx.load_verify_file(config.ca_file, ec);
        if (ec) {
            return fail(config.ca_file + ": " + ec.message());
        }
    }
    return {};
}

}  // namespace

TlsContext::TlsContext() : server_(ssl::context::tls_server), client_(ssl::context::tls_client) {}

Result<std::unique_ptr<TlsContext>> TlsContext::create(const TlsConfig& config,
                                                       const std::string& host_name,
                                                       const std::vector<std::string>& addresses) {
    CertificateFiles files;
    if (config.certificate.empty()) {
        if (config.generated_dir.empty()) {
            return fail("tls.certificate: none given and no directory to keep a generated one");
        }
        auto made = ensure_self_signed(config.generated_dir,
                                       SelfSignedSpec{host_name, addresses, 3650});
        if (!made) {
            return Unexpected(made.error());
        }
        files = made->files;
        logger()->info("{} self-signed TLS certificate {} (key {}); set tls.certificate to use "
                       "your own",
                       made->generated ? "generated a" : "using the", files.certificate,
                       files.private_key);
    } else {
        files = {config.certificate,
                 config.private_key.empty() ? config.certificate : config.private_key};
        if (auto checked = check_certificate_pair(files); !checked) {
            return Unexpected(checked.error());
        }
    }
    if (!config.ca_file.empty()) {
        if (auto checked = check_ca_file(config.ca_file); !checked) {
            return Unexpected(checked.error());
        }
    }

    std::unique_ptr<TlsContext> out(new TlsContext());
    out->certificate_ = files.certificate;
    for (ssl::context* ctx : {&out->server_, &out->client_}) {
        if (auto configured = configure(*ctx, files, config); !configured) {
            return Unexpected(configured.error());
        }
    }
    boost::system::error_code ec;
    SSL_CTX* server = out->server_.native_handle();
    // Session resumption with client certificates needs a context id, or OpenSSL refuses the
    // resumed handshake.
    static constexpr unsigned char kSessionContext[] = "switchboard";
    SSL_CTX_set_session_id_context(server, kSessionContext, sizeof(kSessionContext) - 1);
    if (config.verify_clients) {
        out->server_.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
        // Tell clients which CAs we accept, so one with several certificates picks the right one.
        if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.ca_file.c_str())) {
            SSL_CTX_set_client_CA_list(server, names);
        }
    } else {
        out->server_.set_verify_mode(ssl::verify_none, ec);
    }
    // Outbound peers are verified against ca_file when one is set. Without one, any certificate
    // is accepted (a self-signed peer is the common case on a LAN) and its subject is logged
    // after the handshake, so the operator sees whom we talk to; README says so.
    out->client_.set_verify_mode(config.ca_file.empty() ? ssl::verify_none : ssl::verify_peer, ec);
    if (ec) {
        return fail("cannot set up TLS verification: " + ec.message());
    }
    return out;
}

}  // namespace sb::transport
