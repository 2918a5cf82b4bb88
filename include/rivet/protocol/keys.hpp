#pragma once
/// Actor keys: a list of string components, and their two text forms.

#include <string>
#include <string_view>
#include <vector>

namespace rivet::protocol {

using ActorKey = std::vector<std::string>;

/// Management-API form: [] -> "/", "" -> "\0", escape '\' then '/', join with '/'.
[[nodiscard]] std::string serialize_key(const ActorKey& key);
/// Inverse of serialize_key; "/" and "" give [].
[[nodiscard]] ActorKey deserialize_key(std::string_view text);
/// Query-gateway form (rvt-key): comma join without escaping; "" -> [].
[[nodiscard]] ActorKey split_query_key(std::string_view text);

}  // namespace rivet::protocol
