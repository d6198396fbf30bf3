#pragma once

// The registrar (RFC 3261 §10.3): answers REGISTER requests for our domains and keeps the
// bindings in a LocationStore. A 200 goes out only after the store said the change is durable;
// a store that fails answers 500 and keeps what it had.

#include "base/clock.h"
#include "location/api/store.h"
#include "registrar/config.h"
#include "txn/transaction.h"

namespace sb::registrar {

class Registrar {
public:
    Registrar(const RegistrarConfig& config, location::LocationStore& store, const Clock& clock);

    /// Answers the REGISTER held by `st` (its Request-URI is one of our domains).
    void handle(txn::ServerTransaction& st);

private:
    const RegistrarConfig& config_;
    location::LocationStore& store_;
    const Clock& clock_;
};

/// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 3261 §20.17).
std::string http_date(std::int64_t unix_seconds);

}  // namespace sb::registrar
