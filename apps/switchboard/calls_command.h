#pragma once

#include <cstddef>
#include <string>

#include <CLI/CLI.hpp>

namespace sb::app {

struct CallsFlags {
    CLI::App* command = nullptr;
    std::string data_dir = "./var";
    std::string user;
    std::string since;
    std::string until;
    std::string outcome;
    std::string format = "table";
    std::size_t limit = 0;
};

/// Adds `switchboard calls ...` to the app.
void add_calls_command(CLI::App& app, CallsFlags& flags);
/// Runs the parsed calls command; returns the exit status.
int run_calls_command(const CallsFlags& flags);

}  // namespace sb::app
