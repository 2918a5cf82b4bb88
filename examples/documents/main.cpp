// Serves the documents: document.getOrCreate(["acme", "roadmap"], {createWithInput: {title,
// owner}}) then edit(0, "text", "ada") from any client.
#include "documents.hpp"

int main(int argc, char** argv) {
  static const auto registry = documents::make_registry();
  return rivet::serve(registry, argc, argv);
}
