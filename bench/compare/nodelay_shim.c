// Diagnostic only (UPSTREAM_NODELAY=1 in run.sh): an LD_PRELOAD shim that sets TCP_NODELAY on
// every TCP socket the upstream runner (node + rivetkit-napi) connects, to show what Nagle's
// algorithm costs upstream on its runner-to-engine WebSocket. Not used by default.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
int connect(int fd, const struct sockaddr* addr, socklen_t len) {
  static int (*real)(int, const struct sockaddr*, socklen_t);
  if (!real) real = dlsym(RTLD_NEXT, "connect");
  if (addr && (addr->sa_family == AF_INET || addr->sa_family == AF_INET6)) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return real(fd, addr, len);
}
