#pragma once

// A value or the error that prevented it. Shaped like std::expected (C++23) so it can be swapped
// for it later; GCC 12 has no std::expected in C++20 mode.

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace sb {

/// An error that names what went wrong in words a user can act on.
struct Error {
    std::string message;
};

template <class E>
class Unexpected {
public:
    explicit Unexpected(E error) : error_(std::move(error)) {}
    E& error() & { return error_; }
    E&& error() && { return std::move(error_); }

private:
    E error_;
};

/// Shorthand for returning an error: `return fail("bad port");`.
inline Unexpected<Error> fail(std::string message) { return Unexpected<Error>(Error{std::move(message)}); }

template <class T, class E = Error>
class [[nodiscard]] Expected {
public:
    Expected() requires std::is_default_constructible_v<T> : state_(std::in_place_index<0>) {}
    Expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
    template <class U>
    Expected(Unexpected<U> error)  // NOLINT: implicit, as std::expected
        : state_(std::in_place_index<1>, E(std::move(error).error())) {}

    bool has_value() const { return state_.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & { assert(has_value()); return std::get<0>(state_); }
    const T& value() const& { assert(has_value()); return std::get<0>(state_); }
    T&& value() && { assert(has_value()); return std::get<0>(std::move(state_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const E& error() const { assert(!has_value()); return std::get<1>(state_); }
    E& error() { assert(!has_value()); return std::get<1>(state_); }

private:
    std::variant<T, E> state_;
};

template <class E>
class [[nodiscard]] Expected<void, E> {
public:
    Expected() = default;
    template <class U>
    Expected(Unexpected<U> error) : error_(E(std::move(error).error())), ok_(false) {}  // NOLINT

    bool has_value() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const E& error() const { assert(!ok_); return error_; }

private:
    E error_{};
    bool ok_ = true;
};

template <class T>
using Result = Expected<T, Error>;

}  // namespace sb
