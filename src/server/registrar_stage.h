#pragma once

#include "proxy/api/stage.h"
#include "proxy/local_domains.h"
#include "registrar/registrar.h"

namespace sb::server {

/// Hands REGISTER requests for our domains to the registrar; others are routed like any
/// request (and refused when they are for a domain we do not serve).
class RegistrarStage final : public proxy::RequestStage {
public:
    RegistrarStage(registrar::Registrar& registrar, const proxy::LocalDomains& local)
        : registrar_(registrar), local_(local) {}

    std::string_view name() const override { return "registrar"; }
    proxy::StageResult on_request(txn::ServerTransaction& st) override;

private:
    registrar::Registrar& registrar_;
    const proxy::LocalDomains& local_;
};

}  // namespace sb::server
