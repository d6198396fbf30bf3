#pragma once

// The composition root: builds the workers, the transport, the location store, the registrar
// and one proxy core per worker from a ServerConfig, and runs them until stopped.

#include <memory>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "config/server_config.h"

namespace sb::server {

class Server {
public:
    explicit Server(config::ServerConfig config);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Opens the store, binds every listener and starts the workers. Fails with a message
    /// that names what could not be done (a file, an address).
    Result<void> start();
    /// One line for people: where the server listens and what it serves.
    std::string ready_line() const;
    /// Stops receiving, closes connections and joins the workers.
    void stop();

private:
    struct Parts;
    Result<void> write_ready_file() const;
    config::ServerConfig config_;
    SystemClock clock_;
    std::unique_ptr<Parts> parts_;
};

}  // namespace sb::server
