#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace sb::app {

struct UserFlags {
    CLI::App* command = nullptr;
    std::string data_dir = "./var";
    std::string aor;
    std::string name;
    std::string password_file;
    bool no_password = false;
    bool change_password = false;
    std::optional<bool> enabled;
    std::optional<bool> dnd;
    std::optional<bool> redirect;
    std::vector<std::string> forwards;
    bool clear_forwards = false;
    std::vector<std::string> block;
    std::vector<std::string> unblock;
    std::string import_file;
};

/// Adds `switchboard user ...` to the app.
void add_user_commands(CLI::App& app, UserFlags& flags);
/// Runs the parsed user subcommand; returns the exit status.
int run_user_command(const UserFlags& flags);

}  // namespace sb::app
