// Serves the chat directory: roomDirectory["acme"].createRoom("general", "Anything goes"), then
// chatRoom.get(["acme", "general"]).post("ada", "hi") and roomDirectory["acme"].listRooms().
#include "chat_directory.hpp"

int main(int argc, char** argv) {
  static const auto registry = chat_directory::make_registry();
  return rivet::serve(registry, argc, argv);
}
