#pragma once
/// rivet::Task<T>: the coroutine type of actions, hooks and runtime calls.

#include <boost/asio/awaitable.hpp>

namespace rivet {
template <class T>
using Task = boost::asio::awaitable<T>;
}  // namespace rivet
