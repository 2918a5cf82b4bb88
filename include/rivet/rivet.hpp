#pragma once
/// Everything a user needs to define and serve actors.

#include <rivet/common/error.hpp>
#include <rivet/common/value.hpp>
#include <rivet/core/actor.hpp>
#include <rivet/core/registry.hpp>
#include <rivet/server/serve.hpp>
