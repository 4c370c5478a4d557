/*
 * The parts of sidewire's native helper for socket activation (docs/daemon.md "Socket activation"),
 * registered by NAPI_MODULE_INIT in shm.c:
 *   socketInfo(fd)        -> what an inherited descriptor is: { type, listening, family, path?,
 *                            abstract?, address?, port? } (getsockopt SO_TYPE / SO_ACCEPTCONN and
 *                            getsockname), or null when it is not a socket
 *   notify(path, message) -> sends `message` as one datagram to the unix datagram socket `path`
 *                            (NOTIFY_SOCKET: a path, or '@name' for an abstract one); 0, or -errno
 * Node.js has no AF_UNIX datagram sockets and no getsockname for pipes: that is all this file does.
 */
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

napi_value SocketInfo(napi_env env, napi_callback_info info);
napi_value Notify(napi_env env, napi_callback_info info);

#define PCHECK(call)                                                  \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, "ERR_NATIVE", "sidewire peer: " #call);   \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

/* The largest datagram notify() sends (sd_notify messages are a few short lines). */
#define MAX_MESSAGE 4096

static int set_string(napi_env env, napi_value obj, const char* key, const char* value, size_t len) {
  napi_value v;
  if (napi_create_string_utf8(env, value, len, &v) != napi_ok) return 0;
  return napi_set_named_property(env, obj, key, v) == napi_ok;
}

static int set_int(napi_env env, napi_value obj, const char* key, int value) {
  napi_value v;
  if (napi_create_int32(env, value, &v) != napi_ok) return 0;
  return napi_set_named_property(env, obj, key, v) == napi_ok;
}

napi_value SocketInfo(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  PCHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd = -1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARGUMENT", "socketInfo(fd): fd must be a descriptor number");
    return NULL;
  }
  napi_value out;
  int type = 0;
  socklen_t len = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0) {
    PCHECK(napi_get_null(env, &out));
    return out;
  }
  int listening = 0;
  len = sizeof listening;
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0) listening = 0;
  struct sockaddr_storage addr;
  socklen_t addr_len = sizeof addr;
  memset(&addr, 0, sizeof addr);
  PCHECK(napi_create_object(env, &out));
  const char* type_name = type == SOCK_STREAM ? "stream" : type == SOCK_DGRAM ? "dgram" : type == SOCK_SEQPACKET ? "seqpacket" : "other";
  if (!set_string(env, out, "type", type_name, NAPI_AUTO_LENGTH)) return NULL;
  napi_value b;
  PCHECK(napi_get_boolean(env, listening != 0, &b));
  PCHECK(napi_set_named_property(env, out, "listening", b));
  if (getsockname(fd, (struct sockaddr*)&addr, &addr_len) != 0) {
    if (!set_string(env, out, "family", "other", NAPI_AUTO_LENGTH)) return NULL;
    return out;
  }
  if (addr.ss_family == AF_UNIX) {
    const struct sockaddr_un* un = (const struct sockaddr_un*)&addr;
    size_t path_len = addr_len > offsetof(struct sockaddr_un, sun_path) ? addr_len - offsetof(struct sockaddr_un, sun_path) : 0;
    if (path_len > sizeof un->sun_path) path_len = sizeof un->sun_path;
    if (!set_string(env, out, "family", "unix", NAPI_AUTO_LENGTH)) return NULL;
    if (path_len > 0 && un->sun_path[0] == '\0') {
      if (!set_string(env, out, "abstract", un->sun_path + 1, path_len - 1)) return NULL;
    } else if (path_len > 0) {
      if (!set_string(env, out, "path", un->sun_path, strnlen(un->sun_path, path_len))) return NULL;
    }
  } else if (addr.ss_family == AF_INET || addr.ss_family == AF_INET6) {
    char text[INET6_ADDRSTRLEN];
    int port;
    const void* where;
    if (addr.ss_family == AF_INET) {
      const struct sockaddr_in* in = (const struct sockaddr_in*)&addr;
      where = &in->sin_addr;
      port = ntohs(in->sin_port);
    } else {
      const struct sockaddr_in6* in6 = (const struct sockaddr_in6*)&addr;
      where = &in6->sin6_addr;
      port = ntohs(in6->sin6_port);
    }
    if (inet_ntop(addr.ss_family, where, text, sizeof text) == NULL) text[0] = '\0';
    if (!set_string(env, out, "family", addr.ss_family == AF_INET ? "inet" : "inet6", NAPI_AUTO_LENGTH)) return NULL;
    if (!set_string(env, out, "address", text, NAPI_AUTO_LENGTH)) return NULL;
    if (!set_int(env, out, "port", port)) return NULL;
  } else if (!set_string(env, out, "family", "other", NAPI_AUTO_LENGTH)) {
    return NULL;
  }
  return out;
}

napi_value Notify(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  PCHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  struct sockaddr_un un;
  memset(&un, 0, sizeof un);
  un.sun_family = AF_UNIX;
  char path[sizeof un.sun_path + 1];
  char message[MAX_MESSAGE + 1];
  size_t path_len = 0, message_len = 0;
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &path_len) != napi_ok ||
      napi_get_value_string_utf8(env, argv[1], message, sizeof message, &message_len) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARGUMENT", "notify(path, message): two strings");
    return NULL;
  }
  napi_value out;
  /* Too long to be a socket address or an sd_notify message: the copy above was cut short. */
  if (path_len == 0 || path_len >= sizeof un.sun_path || message_len >= MAX_MESSAGE) {
    PCHECK(napi_create_int32(env, -ENAMETOOLONG, &out));
    return out;
  }
  memcpy(un.sun_path, path, path_len);
  if (path[0] == '@') un.sun_path[0] = '\0'; /* an abstract name, as systemd writes it */
  socklen_t addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_len + (path[0] == '@' ? 0 : 1));
  int result = 0;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    result = -errno;
  } else {
    ssize_t sent;
    do {
      sent = sendto(fd, message, message_len, MSG_NOSIGNAL, (struct sockaddr*)&un, addr_len);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) result = -errno;
    close(fd);
  }
  PCHECK(napi_create_int32(env, result, &out));
  return out;
}
