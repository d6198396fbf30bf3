#pragma once

// One spdlog logger per module, all writing to the same sink (stderr by default).

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace sb::log {

/// Sets the level of every module logger ("trace", "debug", "info", "warn", "error", "off").
/// Returns false for an unknown level name.
bool set_level(std::string_view level);

/// The logger of a module ("sip", "transport", ...), created on first use.
std::shared_ptr<spdlog::logger> get(const std::string& module);

}  // namespace sb::log
