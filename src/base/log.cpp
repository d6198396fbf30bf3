#include "base/log.h"

#include <mutex>

#include <spdlog/sinks/stdout_sinks.h>

namespace sb::log {
namespace {

struct Registry {
    std::mutex mutex;
    spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    spdlog::level::level_enum level = spdlog::level::info;
};

Registry& registry() {
    static Registry r;
    return r;
}

}  // namespace

bool set_level(std::string_view level) {
    auto parsed = spdlog::level::from_str(std::string(level));
    if (parsed == spdlog::level::off && level != "off") {
        return false;
    }
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    r.level = parsed;
    spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->set_level(parsed); });
    return true;
}

std::shared_ptr<spdlog::logger> get(const std::string& module) {
    if (auto existing = spdlog::get(module)) {
        return existing;
    }
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    if (auto existing = spdlog::get(module)) {
        return existing;
    }
    auto logger = std::make_shared<spdlog::logger>(module, r.sink);
    logger->set_level(r.level);
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v");
    spdlog::register_logger(logger);
    return logger;
}

}  // namespace sb::log
