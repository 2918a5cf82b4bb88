#pragma once
/// rivet::Task<T> (defined in common, where the lifecycle primitives need it too).

#include <rivet/common/task.hpp>
