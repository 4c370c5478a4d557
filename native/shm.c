/*
 * sidewire's optional native helper for the shared-memory side channel (docs/shared-memory.md).
 * Ten functions, nothing else:
 *   createSealed(bytes)      -> the descriptor of a new memfd of `bytes` bytes, sealed so that it can
 *                               never shrink or grow (a peer's mapping of it can never fault past its end)
 *   createMemfd(bytes, seals, hugetlb)
 *                            -> the same with exactly `seals` (and MFD_HUGETLB when asked): what the
 *                               tests make to check that a receiver refuses anything but createSealed's
 *   seals(fd)                -> its F_GET_SEALS bits (-1: not a sealable file)
 *   fsType(fd)               -> fstatfs f_type of the file system it is on (-1 on error)
 *   openPath(path)           -> open(path, O_PATH): a descriptor of the file without opening it (no
 *                               driver's open() runs, a FIFO cannot block), or -errno
 *   peerCredentials(fd)      -> { pid, uid, gid } of a unix socket's peer (SO_PEERCRED), or null
 *   map(fd, bytes, writable) -> a handle of mmap(fd) (MAP_SHARED); the descriptor may be closed after
 *   view(handle)             -> the ArrayBuffer over it (made once, on first use)
 *   unmap(handle)            -> detaches that ArrayBuffer (every view becomes empty) and munmaps now;
 *                               otherwise it is unmapped once the handle and the ArrayBuffer are collected
 *   alloc(bytes)             -> a Buffer of recycled memory: when the Buffer (and every view of it)
 *                               is garbage collected, its block goes back to a small pool instead of
 *                               to the allocator, so the next one is not fresh memory (no page faults)
 * Everything else (files, the ring, the protocol) is TypeScript in src/transport/shm/.
 * NAPI_MODULE_INIT also registers socketInfo and notify, of socket activation (native/peer.c).
 */
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, "ERR_NATIVE", "sidewire shm: " #call);    \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

/*
 * A mapping is an external handle (so the file descriptor can be closed right after mmap, and no
 * memory is reported to the garbage collector until an ArrayBuffer is made of it) with two
 * references: the handle and the ArrayBuffer from view(). It is unmapped when both are gone, or
 * at once by unmap(), which first detaches the ArrayBuffer so no JavaScript can reach it again.
 */
typedef struct {
  void* ptr;
  size_t len;
  int refs;
  napi_ref view; /* weak reference to the ArrayBuffer from view(), or NULL */
} mapping;

static void drop_ref(mapping* m) {
  if (--m->refs > 0) return;
  if (m->ptr != NULL) munmap(m->ptr, m->len);
  free(m);
}

static void handle_finalizer(napi_env env, void* data, void* hint) {
  (void)hint;
  mapping* m = (mapping*)data;
  if (m->view != NULL) napi_delete_reference(env, m->view);
  m->view = NULL;
  drop_ref(m);
}

static void view_finalizer(napi_env env, void* data, void* hint) {
  (void)env;
  (void)data;
  drop_ref((mapping*)hint);
}

/* The mapping handle passed as the first argument (NULL, with a TypeError thrown, when it is not one). */
static mapping* mapping_arg(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void* data = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, "ERR_INVALID_ARGUMENT", "not a mapping handle");
    return NULL;
  }
  return (mapping*)data;
}

static napi_value Map(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd = -1;
  int64_t bytes = 0;
  bool writable = false;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int64(env, argv[1], &bytes) != napi_ok ||
      napi_get_value_bool(env, argv[2], &writable) != napi_ok || fd < 0 || bytes <= 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARGUMENT", "map(fd, bytes, writable)");
    return NULL;
  }
  void* p = mmap(NULL, (size_t)bytes, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    napi_throw_error(env, "ERR_SHM_MAP", strerror(errno));
    return NULL;
  }
  mapping* m = (mapping*)calloc(1, sizeof(mapping));
  if (m == NULL) {
    munmap(p, (size_t)bytes);
    napi_throw_error(env, "ERR_NATIVE", "out of memory");
    return NULL;
  }
  m->ptr = p;
  m->len = (size_t)bytes;
  m->refs = 1;
  napi_value handle;
  if (napi_create_external(env, m, handle_finalizer, NULL, &handle) != napi_ok) {
    munmap(p, (size_t)bytes);
    free(m);
    napi_throw_error(env, "ERR_SHM_MAP", "could not wrap the mapping");
    return NULL;
  }
  return handle;
}

static napi_value View(napi_env env, napi_callback_info info) {
  mapping* m = mapping_arg(env, info);
  if (m == NULL) return NULL;
  if (m->ptr == NULL) {
    napi_throw_error(env, "ERR_SHM_MAP", "the mapping was unmapped");
    return NULL;
  }
  if (m->view != NULL) {
    napi_value existing = NULL;
    if (napi_get_reference_value(env, m->view, &existing) == napi_ok && existing != NULL) return existing;
    napi_delete_reference(env, m->view);
    m->view = NULL;
  }
  napi_value ab;
  m->refs++;
  if (napi_create_external_arraybuffer(env, m->ptr, m->len, view_finalizer, m, &ab) != napi_ok) {
    m->refs--;
    napi_throw_error(env, "ERR_SHM_MAP", "could not wrap the mapping in an ArrayBuffer");
    return NULL;
  }
  CHECK(napi_create_reference(env, ab, 0, &m->view));
  return ab;
}

static napi_value Unmap(napi_env env, napi_callback_info info) {
  mapping* m = mapping_arg(env, info);
  if (m == NULL || m->ptr == NULL) return NULL;
  if (m->view != NULL) {
    napi_value ab = NULL;
    bool detached = true;
    if (napi_get_reference_value(env, m->view, &ab) == napi_ok && ab != NULL && napi_is_detached_arraybuffer(env, ab, &detached) == napi_ok &&
        !detached) {
      CHECK(napi_detach_arraybuffer(env, ab)); /* every view of it is now empty */
    }
  }
  munmap(m->ptr, m->len);
  m->ptr = NULL; /* the references still release the struct; nothing unmaps twice */
  return NULL;
}

/* A memfd of `bytes` bytes, mode 0600, with `seals` added (none: 0); its descriptor, or -errno. */
static int make_memfd(int64_t bytes, int seals, bool hugetlb) {
  int fd = memfd_create("sidewire-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING | (hugetlb ? MFD_HUGETLB : 0));
  if (fd < 0) return -errno;
  if (fchmod(fd, 0600) != 0 || ftruncate(fd, (off_t)bytes) != 0 || (seals != 0 && fcntl(fd, F_ADD_SEALS, seals) != 0)) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

static napi_value fd_or_throw(napi_env env, int fd) {
  if (fd < 0) {
    napi_throw_error(env, "ERR_SHM_CREATE", strerror(-fd));
    return NULL;
  }
  napi_value out;
  CHECK(napi_create_int32(env, fd, &out));
  return out;
}

static napi_value CreateSealed(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t bytes = 0;
  if (argc < 1 || napi_get_value_int64(env, argv[0], &bytes) != napi_ok || bytes <= 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARGUMENT", "createSealed(bytes)");
    return NULL;
  }
  return fd_or_throw(env, make_memfd(bytes, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL, false));
}

static napi_value CreateMemfd(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t bytes = 0;
  int32_t seals = 0;
  bool hugetlb = false;
  if (argc < 3 || napi_get_value_int64(env, argv[0], &bytes) != napi_ok || napi_get_value_int32(env, argv[1], &seals) != napi_ok ||
      napi_get_value_bool(env, argv[2], &hugetlb) != napi_ok || bytes <= 0 || seals < 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARGUMENT", "createMemfd(bytes, seals, hugetlb)");
    return NULL;
  }
  return fd_or_throw(env, make_memfd(bytes, seals, hugetlb));
}

/* The int32 first argument (a descriptor); false, with a TypeError thrown, when there is none. */
static bool fd_arg(napi_env env, napi_callback_info info, const char* usage, int32_t* fd) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_int32(env, argv[0], fd) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARGUMENT", usage);
    return false;
  }
  return true;
}

static napi_value FsType(napi_env env, napi_callback_info info) {
  int32_t fd = -1;
  if (!fd_arg(env, info, "fsType(fd)", &fd)) return NULL;
  struct statfs sf;
  double type = fstatfs(fd, &sf) == 0 ? (double)(uint32_t)sf.f_type : -1;
  napi_value out;
  CHECK(napi_create_double(env, type, &out));
  return out;
}

static napi_value OpenPath(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char path[256];
  size_t len = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len == 0 || len >= sizeof path - 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARGUMENT", "openPath(path): a path of 1 to 254 bytes");
    return NULL;
  }
  int fd = open(path, O_PATH | O_CLOEXEC);
  napi_value out;
  CHECK(napi_create_int32(env, fd < 0 ? -errno : fd, &out));
  return out;
}

static napi_value PeerCredentials(napi_env env, napi_callback_info info) {
  int32_t fd = -1;
  if (!fd_arg(env, info, "peerCredentials(fd)", &fd)) return NULL;
  napi_value out;
  struct sockaddr_storage addr;
  socklen_t addr_len = sizeof addr;
  struct ucred cred;
  socklen_t cred_len = sizeof cred;
  /* Only a unix socket has a peer the kernel vouches for (TCP reports pid 0, uid -1). */
  if (getsockname(fd, (struct sockaddr*)&addr, &addr_len) != 0 || addr.ss_family != AF_UNIX ||
      getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) != 0 || cred_len != sizeof cred || cred.pid <= 0 ||
      cred.uid == (uid_t)-1) {
    CHECK(napi_get_null(env, &out));
    return out;
  }
  napi_value v;
  CHECK(napi_create_object(env, &out));
  CHECK(napi_create_int32(env, cred.pid, &v));
  CHECK(napi_set_named_property(env, out, "pid", v));
  CHECK(napi_create_uint32(env, cred.uid, &v));
  CHECK(napi_set_named_property(env, out, "uid", v));
  CHECK(napi_create_uint32(env, cred.gid, &v));
  CHECK(napi_set_named_property(env, out, "gid", v));
  return out;
}

static napi_value Seals(napi_env env, napi_callback_info info) {
  int32_t fd = -1;
  if (!fd_arg(env, info, "seals(fd)", &fd)) return NULL;
  napi_value out;
  CHECK(napi_create_int32(env, fcntl(fd, F_GET_SEALS), &out));
  return out;
}

/* The pool: free blocks of 2^k bytes, k in [MIN_SHIFT, MAX_SHIFT], at most POOL_CAP bytes in all. */
#define MIN_SHIFT 16
#define MAX_SHIFT 26
#define POOL_CAP ((size_t)64 << 20)
typedef struct block { struct block* next; } block;
static block* free_blocks[MAX_SHIFT + 1];
static size_t pooled_bytes = 0;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

static void return_block(napi_env env, void* data, void* hint) {
  (void)env;
  int k = (int)(uintptr_t)hint;
  size_t size = (size_t)1 << k;
  pthread_mutex_lock(&pool_lock);
  if (pooled_bytes + size <= POOL_CAP) {
    block* b = (block*)data;
    b->next = free_blocks[k];
    free_blocks[k] = b;
    pooled_bytes += size;
    data = NULL;
  }
  pthread_mutex_unlock(&pool_lock);
  free(data);
}

static napi_value Alloc(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t bytes = 0;
  if (argc < 1 || napi_get_value_int64(env, argv[0], &bytes) != napi_ok || bytes <= 0 || bytes > ((int64_t)1 << MAX_SHIFT)) {
    napi_throw_range_error(env, "ERR_INVALID_ARGUMENT", "alloc(bytes): 1 to 64 MiB");
    return NULL;
  }
  int k = MIN_SHIFT;
  while (((int64_t)1 << k) < bytes) k++;
  pthread_mutex_lock(&pool_lock);
  block* b = free_blocks[k];
  if (b != NULL) {
    free_blocks[k] = b->next;
    pooled_bytes -= (size_t)1 << k;
  }
  pthread_mutex_unlock(&pool_lock);
  void* p = b != NULL ? (void*)b : malloc((size_t)1 << k);
  if (p == NULL) {
    napi_throw_error(env, "ERR_NATIVE", "out of memory");
    return NULL;
  }
  napi_value out;
  if (napi_create_external_buffer(env, (size_t)bytes, p, return_block, (void*)(uintptr_t)k, &out) != napi_ok) {
    free(p);
    napi_throw_error(env, "ERR_NATIVE", "could not create a Buffer");
    return NULL;
  }
  return out;
}

/* native/abstract.c: abstractListen, abstractConnect. */
napi_value sidewire_abstract_init(napi_env env, napi_value exports);
/* Socket activation's functions, in native/peer.c. */
napi_value SocketInfo(napi_env env, napi_callback_info info);
napi_value Notify(napi_env env, napi_callback_info info);

NAPI_MODULE_INIT() {
  static const struct {
    const char* name;
    napi_callback cb;
  } functions[] = {
      {"createSealed", CreateSealed}, {"createMemfd", CreateMemfd}, {"seals", Seals}, {"fsType", FsType},
      {"openPath", OpenPath},         {"peerCredentials", PeerCredentials}, {"map", Map}, {"view", View},
      {"unmap", Unmap},               {"alloc", Alloc},
      {"socketInfo", SocketInfo},     {"notify", Notify},
  };
  for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].cb, NULL, &fn) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, functions[i].name, fn) != napi_ok) return NULL;
  }
  if (sidewire_abstract_init(env, exports) == NULL) return NULL;
  return exports;
}
