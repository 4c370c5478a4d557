/*
 * Linux abstract unix sockets bound and connected with the exact length of their name
 * (docs/protocol.md, "Endpoints"). Node.js (libuv) passes the whole sun_path to bind() and
 * connect(), so `\0name` becomes `\0name\0\0\0…` (108 bytes): another name than the one Python's
 * `'\0name'`, socat's ABSTRACT-CONNECT:name, Rust's or Bun's sockets use. These two functions make
 * the socket with the address length `offsetof(sun_path) + 1 + strlen(name)`, and Node adopts the
 * descriptor (`server.listen({ fd })`, `new net.Socket({ fd })`):
 *   abstractListen(name, backlog) -> the descriptor of a listening SOCK_STREAM socket bound to
 *                                    `\0name`, or -errno (EADDRINUSE: the name is taken)
 *   abstractConnect(name)         -> the descriptor of a socket connected to `\0name`, or -errno
 *                                    (ECONNREFUSED: nobody listens; EAGAIN: its backlog is full).
 *                                    Non-blocking: a unix socket connects at once or fails.
 * Both descriptors are close-on-exec and non-blocking. Names are 1 to 107 bytes of UTF-8 without
 * NUL (the endpoint parser checks the same).
 */
#include <node_api.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Longest name: sun_path minus the leading NUL. */
#define NAME_MAX_BYTES (sizeof(((struct sockaddr_un*)0)->sun_path) - 1)

/* Fills `addr` with `\0name` and returns its exact length; 0 (TypeError thrown) on a bad name argument. */
static socklen_t name_arg(napi_env env, napi_value value, struct sockaddr_un* addr, const char* usage) {
  char name[NAME_MAX_BYTES + 2];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, name, sizeof name, &len) != napi_ok || len == 0 || len > NAME_MAX_BYTES ||
      memchr(name, '\0', len) != NULL) {
    napi_throw_type_error(env, "ERR_INVALID_ARGUMENT", usage);
    return 0;
  }
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  memcpy(addr->sun_path + 1, name, len); /* sun_path[0] stays NUL: the abstract namespace */
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
}

static napi_value int_value(napi_env env, int n) {
  napi_value out;
  if (napi_create_int32(env, n, &out) != napi_ok) return NULL;
  return out;
}

/* socket(), then bind() + listen(backlog) when do_listen, else connect(); the descriptor, or -errno (socket closed). */
static int open_socket(const struct sockaddr_un* addr, socklen_t addr_len, int backlog, int do_listen) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -errno;
  int rc = do_listen ? bind(fd, (const struct sockaddr*)addr, addr_len) : connect(fd, (const struct sockaddr*)addr, addr_len);
  if (rc == 0 && do_listen) rc = listen(fd, backlog);
  if (rc != 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

static napi_value AbstractListen(napi_env env, napi_callback_info info) {
  static const char usage[] = "abstractListen(name, backlog): a name of 1 to 107 bytes without NUL, a backlog of 1 or more";
  size_t argc = 2;
  napi_value argv[2];
  int32_t backlog = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 || napi_get_value_int32(env, argv[1], &backlog) != napi_ok ||
      backlog < 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARGUMENT", usage);
    return NULL;
  }
  struct sockaddr_un addr;
  socklen_t len = name_arg(env, argv[0], &addr, usage);
  if (len == 0) return NULL;
  return int_value(env, open_socket(&addr, len, backlog, 1));
}

static napi_value AbstractConnect(napi_env env, napi_callback_info info) {
  static const char usage[] = "abstractConnect(name): a name of 1 to 107 bytes without NUL";
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARGUMENT", usage);
    return NULL;
  }
  struct sockaddr_un addr;
  socklen_t len = name_arg(env, argv[0], &addr, usage);
  if (len == 0) return NULL;
  return int_value(env, open_socket(&addr, len, 0, 0));
}

/* Adds abstractListen and abstractConnect to the module's exports (called from NAPI_MODULE_INIT). */
napi_value sidewire_abstract_init(napi_env env, napi_value exports) {
  static const struct {
    const char* name;
    napi_callback cb;
  } functions[] = {{"abstractListen", AbstractListen}, {"abstractConnect", AbstractConnect}};
  for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].cb, NULL, &fn) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, functions[i].name, fn) != napi_ok) return NULL;
  }
  return exports;
}
