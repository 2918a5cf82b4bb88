#pragma once
/// The set of actor definitions a process serves.
/// Thread-safety: populate before serving; afterwards read-only and safe to share.

#include <rivet/core/definition.hpp>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rivet {

class Registry {
 public:
  /// Adds a definition (anything with `definition()` returning shared_ptr<const ActorDefinition>,
  /// such as the builder from rivet::actor<S>()). A second definition with the same name replaces
  /// the first.
  template <class Builder>
  Registry& use(const Builder& builder) {
    add(builder.definition());
    return *this;
  }
  Registry& add(std::shared_ptr<const detail::ActorDefinition> def);

  [[nodiscard]] const detail::ActorDefinition* find(std::string_view name) const noexcept;
  [[nodiscard]] std::vector<std::string> names() const;

 private:
  std::map<std::string, std::shared_ptr<const detail::ActorDefinition>, std::less<>> defs_;
};

}  // namespace rivet
