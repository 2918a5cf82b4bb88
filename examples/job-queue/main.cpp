// Serves the image worker: imageWorker["thumbs"].send("resize", {image, width}) from any client.
#include "job_queue.hpp"

int main(int argc, char** argv) {
  static const auto registry = job_queue::make_registry();
  return rivet::serve(registry, argc, argv);
}
