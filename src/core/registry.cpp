#include <rivet/core/registry.hpp>

namespace rivet {

Registry& Registry::add(std::shared_ptr<const detail::ActorDefinition> def) {
  auto name = def->name;
  defs_[std::move(name)] = std::move(def);
  return *this;
}

const detail::ActorDefinition* Registry::find(std::string_view name) const noexcept {
  auto it = defs_.find(name);
  return it == defs_.end() ? nullptr : it->second.get();
}

std::vector<std::string> Registry::names() const {
  std::vector<std::string> out;
  out.reserve(defs_.size());
  for (const auto& [name, def] : defs_) {
    out.push_back(name);
  }
  return out;
}

}  // namespace rivet
