#pragma once

// Command-line flags on top of the configuration (defaults, then --config, then flags).

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/result.h"
#include "config/server_config.h"

namespace sb::app {

struct RunFlags {
    std::string config_file;
    std::vector<std::string> listen;
    std::vector<std::string> domains;
    std::optional<std::string> data_dir;
    std::optional<std::string> log_level;
    std::optional<std::string> ready_file;
    std::optional<std::string> store;
    std::optional<std::size_t> workers;
    bool trace_sip = false;
};

/// Adds the flags of `switchboard run` to an app (or subcommand).
void add_run_flags(CLI::App& app, RunFlags& flags);

/// Builds the configuration the flags ask for. On failure, the messages to print.
Expected<config::ServerConfig, std::vector<std::string>> build_config(const RunFlags& flags);

}  // namespace sb::app
