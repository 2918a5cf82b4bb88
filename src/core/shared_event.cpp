#include <rivet/core/shared_event.hpp>
#include <rivet/protocol/messages.hpp>

namespace rivet {

const Bytes& SharedEvent::encoded(protocol::Encoding encoding) const {
  const auto index = static_cast<std::size_t>(encoding);
  std::call_once(once_.at(index), [&] {
    bytes_[index] = protocol::encode_to_client(protocol::Event{name_, args_}, encoding);
  });
  return bytes_[index];
}

}  // namespace rivet
