/**
 * MessagePack payloads whose declared lengths lie, for the adversarial decoder tests (unit, capped
 * child process, real server). Each must be refused as a parse error without allocating what it
 * declares.
 */

/** The frame of the report: forty `dd 01 ff ff ff` (array 32 of 2^25 - 1 elements, nested), 200 bytes. */
export function arrayHeaders40(): Buffer {
  return Buffer.concat(Array.from({ length: 40 }, () => Buffer.from('dd01ffffff', 'hex')));
}

/**
 * A frame of `bytes` bytes: `levels` arrays (or maps) nested, each claiming as many elements as
 * the bytes left after its own header could hold; then zero bytes. Each header fits on its own,
 * not together: decoding one level at a time, without counting what the outer levels still owe,
 * allocates about `bytes` slots per level.
 */
export function nestedFittingContainers(bytes: number, levels: number, kind: 'array' | 'map' = 'array'): Buffer {
  const frame = Buffer.alloc(bytes);
  for (let i = 0, at = 0; i < levels; i++, at += 5) {
    const left = bytes - at - 5;
    frame[at] = kind === 'array' ? 0xdd : 0xdf;
    frame.writeUInt32BE(kind === 'array' ? left : Math.floor(left / 2), at + 1);
  }
  return frame;
}

/** Named payloads, built in the process that decodes them (see msgpack-decode-child.ts). */
export const HOSTILE_FRAMES: Readonly<Record<string, () => Buffer>> = {
  'array-headers-x40': arrayHeaders40,
  'one-array-header': () => Buffer.concat([Buffer.from('dd01ffffff', 'hex'), Buffer.alloc(10)]),
  'map-headers-x40': () => Buffer.concat(Array.from({ length: 40 }, () => Buffer.from('df00ffffff', 'hex'))),
  'nested-fitting-arrays-1MiB': () => nestedFittingContainers(1 << 20, 60),
  'nested-fitting-maps-1MiB': () => nestedFittingContainers(1 << 20, 60, 'map'),
  'str-bin-ext-headers': () => Buffer.from('93 db ffffffff c6 ffffffff c9 ffffffff 01'.replace(/ /g, ''), 'hex'),
  'deep-fixarrays-1MiB': () => Buffer.alloc(1 << 20, 0x91),
};
