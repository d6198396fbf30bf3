#pragma once

// Reads the configuration: the embedded defaults, then a TOML file. Every problem is reported
// as "FILE:LINE: KEY: what is wrong"; all of them are collected, not just the first.

#include <string>
#include <vector>

#include "base/result.h"
#include "config/server_config.h"

namespace sb::config {

/// The built-in configuration (defaults.toml compiled into the binary).
ServerConfig defaults();

/// Applies the TOML file at `path` on top of `config`. On failure, every error found.
Expected<void, std::vector<std::string>> load_file(const std::string& path, ServerConfig& config);

/// Applies TOML text (named `origin` in errors) on top of `config`.
Expected<void, std::vector<std::string>> load_text(std::string_view text, const std::string& origin,
                                                   ServerConfig& config);

/// The embedded defaults.toml text.
std::string_view defaults_text();

}  // namespace sb::config
