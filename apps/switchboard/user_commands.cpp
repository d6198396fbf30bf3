// switchboard user add|list|remove|set|import: the user database next to the server's data.

#include "user_commands.h"

#include <termios.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "base/strings.h"
#include "sip/uri.h"
#include "users/digest_hash.h"
#include "users/sqlite_directory.h"

namespace sb::app {
namespace {

// "alice@example.com", "sip:alice@example.com" → "sip:alice@example.com"; "" when invalid.
std::string normalise_aor(std::string_view text) {
    std::string with_scheme = istarts_with(text, "sip:") || istarts_with(text, "sips:")
                                  ? std::string(text)
                                  : "sip:" + std::string(text);
    auto uri = sip::parse_uri(with_scheme);
    if (!uri || !uri->is_sip() || !uri->has_user() || uri->port != 0 || !uri->params.empty()) {
        return {};
    }
    return sip::address_of_record(*uri);
}

std::string read_password(const std::string& file, const std::string& aor) {
    if (!file.empty()) {
        std::ifstream in(file);
        std::string line;
        std::getline(in, line);
        return line;
    }
    std::string password;
    if (isatty(STDIN_FILENO)) {
        fmt::print(stderr, "password for {}: ", aor);
        termios old{};
        tcgetattr(STDIN_FILENO, &old);
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
        std::getline(std::cin, password);
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        fmt::print(stderr, "\n");
    } else {
        std::getline(std::cin, password);
    }
    return password;
}

void set_password(users::User& u, const std::string& password) {
    auto [user, realm] = users::split_aor(u.aor);
    u.ha1_md5 = users::ha1_md5(user, realm, password);
    u.ha1_sha256 = users::ha1_sha256(user, realm, password);
}

std::string describe_forwards(const users::User& u) {
    std::string out;
    for (const auto& f : u.forwards) {
        out += (out.empty() ? "" : ", ") + std::string(users::to_string(f.when)) + "→" + f.target;
        if (f.when == users::ForwardWhen::NoAnswer) {
            out += fmt::format(" after {} s", f.after_seconds);
        }
    }
    return out.empty() ? "-" : out;
}

// One user from an import record; errors name the record.
Result<users::User> user_from(std::string_view aor_text, std::string_view name,
                              std::string_view password, const std::string& where) {
    users::User u;
    u.aor = normalise_aor(aor_text);
    if (u.aor.empty()) {
        return fail(where + ": '" + std::string(aor_text) + "' is not a user@domain address");
    }
    u.display_name = std::string(name);
    if (!password.empty()) {
        set_password(u, std::string(password));
    }
    return u;
}

Result<std::vector<users::User>> read_import(const std::string& path) {
    std::vector<users::User> out;
    if (path.ends_with(".toml")) {
        toml::table doc;
        try {
            doc = toml::parse_file(path);
        } catch (const toml::parse_error& e) {
            return fail(fmt::format("{}:{}: {}", path, e.source().begin.line, e.description()));
        }
        const toml::array* list = doc["user"].as_array();
        if (list == nullptr) {
            return fail(path + ": expected [[user]] tables");
        }
        for (const toml::node& n : *list) {
            const toml::table* t = n.as_table();
            std::string where = fmt::format("{}:{}", path, n.source().begin.line);
            if (t == nullptr) {
                return fail(where + ": expected a [[user]] table");
            }
            for (const auto& [key, value] : *t) {
                if (key != "aor" && key != "name" && key != "password") {
                    return fail(fmt::format("{}:{}: user.{}: unknown key", path,
                                            key.source().begin.line, key.str()));
                }
            }
            auto u = user_from((*t)["aor"].value_or(std::string()), (*t)["name"].value_or(std::string()),
                               (*t)["password"].value_or(std::string()), where);
            if (!u) {
                return Unexpected(u.error());
            }
            out.push_back(std::move(*u));
        }
        return out;
    }
    std::ifstream in(path);
    if (!in) {
        return fail(path + ": cannot open");
    }
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (trim(line).empty() || line[0] == '#' || (number == 1 && istarts_with(line, "aor"))) {
            continue;
        }
        std::vector<std::string> cells;
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, ',')) {
            cells.emplace_back(trim(cell));
        }
        cells.resize(3);
        auto u = user_from(cells[0], cells[1], cells[2], fmt::format("{}:{}", path, number));
        if (!u) {
            return Unexpected(u.error());
        }
        out.push_back(std::move(*u));
    }
    return out;
}

}  // namespace

void add_user_commands(CLI::App& app, UserFlags& f) {
    CLI::App* user = app.add_subcommand("user", "manage users (AOR, name, password, call services)");
    user->require_subcommand(1);
    user->add_option("--data-dir", f.data_dir, "the server's data directory")->capture_default_str();

    CLI::App* add = user->add_subcommand("add", "add a user");
    add->add_option("aor", f.aor, "user@domain")->required();
    add->add_option("--name", f.name, "display name");
    add->add_option("--password-file", f.password_file, "read the password from this file");
    add->add_flag("--no-password", f.no_password, "no password (no authentication possible)");

    user->add_subcommand("list", "list users");

    CLI::App* remove = user->add_subcommand("remove", "remove a user");
    remove->add_option("aor", f.aor, "user@domain")->required();

    CLI::App* set = user->add_subcommand("set", "change a user");
    set->add_option("aor", f.aor, "user@domain")->required();
    set->add_option("--name", f.name, "display name");
    set->add_flag("--password", f.change_password, "set a new password (prompted, or --password-file)");
    set->add_option("--password-file", f.password_file, "read the new password from this file");
    set->add_option("--enabled", f.enabled, "true or false");
    set->add_option("--dnd", f.dnd, "do not disturb: true or false");
    set->add_option("--redirect", f.redirect, "answer 302 with the contacts: true or false");
    set->add_option("--forward", f.forwards,
                    "WHEN=TARGET[/SECONDS]: always, busy, no-answer (after SECONDS), unavailable "
                    "(repeatable; replaces the rules)");
    set->add_flag("--no-forward", f.clear_forwards, "remove every forwarding rule");
    set->add_option("--block", f.block, "refuse calls from this caller (repeatable)");
    set->add_option("--unblock", f.unblock, "stop refusing this caller (repeatable)");

    CLI::App* import = user->add_subcommand("import", "add or update users from a TOML or CSV file");
    import->add_option("file", f.import_file, "users.toml ([[user]] aor/name/password) or users.csv "
                                              "(aor,name,password)")
        ->required()
        ->check(CLI::ExistingFile);
    f.command = user;
}

int run_user_command(const UserFlags& f) {
    auto dir = users::SqliteDirectory::open(f.data_dir + "/users.db");
    if (!dir) {
        fmt::print(stderr, "switchboard: {}\n", dir.error().message);
        return 1;
    }
    users::Directory& d = **dir;
    auto fail_with = [](const std::string& message) {
        fmt::print(stderr, "switchboard: {}\n", message);
        return 1;
    };
    CLI::App* sub = f.command->get_subcommands().front();
    std::string name = sub->get_name();
    if (name == "list") {
        auto all = d.list();
        if (!all) {
            return fail_with(all.error().message);
        }
        fmt::print("{:<32} {:<20} {:<8} {:<4} {:<8} {}\n", "AOR", "NAME", "ENABLED", "DND",
                   "PASSWORD", "FORWARDING / BLOCKED");
        for (const auto& u : *all) {
            std::string blocked;
            for (const auto& b : u.blocked) {
                blocked += (blocked.empty() ? " blocked: " : ", ") + b;
            }
            fmt::print("{:<32} {:<20} {:<8} {:<4} {:<8} {}{}\n", u.aor, u.display_name,
                       u.enabled ? "yes" : "no", u.do_not_disturb ? "on" : "off",
                       u.ha1_md5.empty() ? "none" : "set", describe_forwards(u), blocked);
        }
        return 0;
    }
    if (name == "import") {
        auto records = read_import(f.import_file);
        if (!records) {
            return fail_with(records.error().message);
        }
        int added = 0;
        int updated = 0;
        for (auto& u : *records) {
            auto existing = d.find(u.aor);
            if (!existing) {
                return fail_with(existing.error().message);
            }
            if (*existing) {
                users::User merged = **existing;
                merged.display_name = u.display_name.empty() ? merged.display_name : u.display_name;
                if (!u.ha1_md5.empty()) {
                    merged.ha1_md5 = u.ha1_md5;
                    merged.ha1_sha256 = u.ha1_sha256;
                }
                if (auto r = d.update(merged); !r) {
                    return fail_with(r.error().message);
                }
                ++updated;
            } else {
                u.created_at = SystemClock().unix_seconds();
                if (auto r = d.add(u); !r) {
                    return fail_with(r.error().message);
                }
                ++added;
            }
        }
        fmt::print("{}: {} added, {} updated\n", f.import_file, added, updated);
        return 0;
    }
    std::string aor = normalise_aor(f.aor);
    if (aor.empty()) {
        return fail_with("'" + f.aor + "' is not a user@domain address");
    }
    if (name == "add") {
        users::User u;
        u.aor = aor;
        u.display_name = f.name;
        u.created_at = SystemClock().unix_seconds();
        if (!f.no_password) {
            std::string password = read_password(f.password_file, aor);
            if (password.empty()) {
                return fail_with("empty password (use --no-password for a user without one)");
            }
            set_password(u, password);
        }
        if (auto r = d.add(u); !r) {
            return fail_with(r.error().message);
        }
        fmt::print("added {}\n", aor);
        return 0;
    }
    if (name == "remove") {
        auto removed = d.remove(aor);
        if (!removed) {
            return fail_with(removed.error().message);
        }
        if (!*removed) {
            return fail_with("no user " + aor);
        }
        fmt::print("removed {}\n", aor);
        return 0;
    }
    // set
    auto existing = d.find(aor);
    if (!existing) {
        return fail_with(existing.error().message);
    }
    if (!*existing) {
        return fail_with("no user " + aor);
    }
    users::User u = **existing;
    if (!f.name.empty()) {
        u.display_name = f.name;
    }
    if (f.change_password || !f.password_file.empty()) {
        std::string password = read_password(f.password_file, aor);
        if (password.empty()) {
            return fail_with("empty password");
        }
        set_password(u, password);
    }
    if (f.enabled) {
        u.enabled = *f.enabled;
    }
    if (f.dnd) {
        u.do_not_disturb = *f.dnd;
    }
    if (f.redirect) {
        u.redirect = *f.redirect;
    }
    if (f.clear_forwards) {
        u.forwards.clear();
    }
    if (!f.forwards.empty()) {
        u.forwards.clear();
        for (const std::string& spec : f.forwards) {
            // WHEN=TARGET[/SECONDS]
            std::size_t eq = spec.find('=');
            users::ForwardRule rule;
            if (eq == std::string::npos || !users::parse_forward_when(spec.substr(0, eq), rule.when)) {
                return fail_with("--forward '" + spec +
                                 "': expected always|busy|no-answer|unavailable=TARGET[/SECONDS]");
            }
            std::string target = spec.substr(eq + 1);
            if (std::size_t slash = target.rfind('/'); slash != std::string::npos &&
                                                       rule.when == users::ForwardWhen::NoAnswer) {
                auto seconds = parse_u32(target.substr(slash + 1));
                if (!seconds || *seconds == 0 || *seconds > 600) {
                    return fail_with("--forward '" + spec + "': seconds must be 1..600");
                }
                rule.after_seconds = *seconds;
                target = target.substr(0, slash);
            } else if (rule.when == users::ForwardWhen::NoAnswer) {
                rule.after_seconds = 20;
            }
            std::string normalised = normalise_aor(target);
            auto uri = sip::parse_uri(istarts_with(target, "sip") ? target : "sip:" + target);
            if (normalised.empty() && (!uri || !uri->is_sip())) {
                return fail_with("--forward '" + spec + "': '" + target + "' is not a SIP address");
            }
            rule.target = normalised.empty() ? std::string(uri->text) : normalised;
            u.forwards.push_back(std::move(rule));
        }
    }
    for (const std::string& b : f.block) {
        std::string caller = normalise_aor(b);
        if (caller.empty()) {
            return fail_with("--block '" + b + "' is not a user@domain address");
        }
        if (std::find(u.blocked.begin(), u.blocked.end(), caller) == u.blocked.end()) {
            u.blocked.push_back(caller);
        }
    }
    for (const std::string& b : f.unblock) {
        std::string caller = normalise_aor(b);
        u.blocked.erase(std::remove(u.blocked.begin(), u.blocked.end(), caller), u.blocked.end());
    }
    if (auto r = d.update(u); !r) {
        return fail_with(r.error().message);
    }
    fmt::print("updated {}: forwarding {}\n", aor, describe_forwards(u));
    return 0;
}

}  // namespace sb::app
