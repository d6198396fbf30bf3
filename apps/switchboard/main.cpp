// switchboard: the SIP registrar and proxy.
//   switchboard [run] [flags]     run the server (the default command)
//   switchboard config defaults   print the built-in configuration
//   switchboard user ...          manage users (add, list, remove, set, import)
//   switchboard calls [filters]   list finished calls from the call log

#include <malloc.h>
#include <signal.h>

#include <cstdio>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>

#include "calls_command.h"
#include "cli.h"
#include "huge_page_heap.h"
#include "user_commands.h"
#include "config/loader.h"
#include "server/server.h"

namespace {

int run(const sb::app::RunFlags& flags) {
    auto config = sb::app::build_config(flags);
    if (!config) {
        for (const auto& e : config.error()) {
            fmt::print(stderr, "switchboard: {}\n", e);
        }
        return 2;
    }
    ::signal(SIGPIPE, SIG_IGN);
    // One malloc arena grown in large steps: the workers allocate and free small objects all
    // the time, and per-thread arenas grew page by page, a system call each time.
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_TOP_PAD, 16 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    sb::server::Server server(std::move(*config));
    if (auto started = server.start(); !started) {
        fmt::print(stderr, "switchboard: {}\n", started.error().message);
        return 1;
    }
    fmt::print("{}\n", server.ready_line());
    std::fflush(stdout);

    boost::asio::io_context control;
    boost::asio::signal_set signals(control, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int signal) {
        fmt::print("switchboard: {} received, stopping\n", signal == SIGINT ? "SIGINT" : "SIGTERM");
        std::fflush(stdout);
    });
    control.run();
    server.stop();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Switchboard: a SIP registrar and proxy"};
    app.set_version_flag("--version", "switchboard 0.1.0");
    sb::app::RunFlags flags;
    sb::app::add_run_flags(app, flags);
    CLI::App* run_cmd = app.add_subcommand("run", "run the server (the default)");
    sb::app::add_run_flags(*run_cmd, flags);
    CLI::App* config_cmd = app.add_subcommand("config", "configuration tools");
    CLI::App* defaults_cmd = config_cmd->add_subcommand("defaults", "print the built-in configuration");
    CLI::App* check_cmd = config_cmd->add_subcommand("check", "check a configuration file and exit");
    std::string check_file;
    check_cmd->add_option("file", check_file, "TOML file")->required();
    config_cmd->require_subcommand(1);
    sb::app::UserFlags user_flags;
    sb::app::add_user_commands(app, user_flags);
    sb::app::CallsFlags calls_flags;
    sb::app::add_calls_command(app, calls_flags);
    CLI11_PARSE(app, argc, argv);

    if (user_flags.command->parsed()) {
        return sb::app::run_user_command(user_flags);
    }
    if (calls_flags.command->parsed()) {
        return sb::app::run_calls_command(calls_flags);
    }

    if (defaults_cmd->parsed()) {
        fmt::print("{}", sb::config::defaults_text());
        return 0;
    }
    if (check_cmd->parsed()) {
        sb::config::ServerConfig c = sb::config::defaults();
        auto loaded = sb::config::load_file(check_file, c);
        if (!loaded) {
            for (const auto& e : loaded.error()) {
                fmt::print(stderr, "{}\n", e);
            }
            return 2;
        }
        fmt::print("{}: ok\n", check_file);
        return 0;
    }
    sb::app::restart_with_huge_page_heap(argv);
    return run(flags);
}
