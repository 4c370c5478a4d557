{
  # The native helper of the shared-memory side channel (native/shm.c, docs/shared-memory.md),
  # and of abstract sockets bound with their exact name (native/abstract.c, docs/protocol.md).
  # Built by node-gyp (`npm run build:native`) only when no prebuilt binary in prebuilds/ fits;
  # `npm run prebuild` (prebuildify) makes those. Linux only: elsewhere there is nothing to build.
  "targets": [
    {
      "target_name": "sidewire_shm",
      "conditions": [
        ["OS=='linux'", {
          "sources": ["native/shm.c", "native/abstract.c", "native/peer.c"],
          "defines": ["_GNU_SOURCE"],
          "cflags": ["-O2", "-std=c11", "-Wall", "-Wextra"],
          "libraries": ["-lpthread"]
        }]
      ]
    }
  ]
}
