// Dataset digests as DEBUG DIGEST and DEBUG DIGEST-VALUE report them: 20-byte
// SHA1-based values that match Redis's for the same data. Two operations
// build them: "add" XORs the SHA1 of some bytes into a digest (order does not
// matter), "mix" does the same and then replaces the digest by its own SHA1
// (order matters).

import { createHash } from 'node:crypto';

export const DIGEST_LENGTH = 20;

/** digest ^= SHA1(bytes). */
export function addToDigest(digest: Buffer, bytes: Uint8Array): void {
  const hash = createHash('sha1').update(bytes).digest();
  for (let i = 0; i < DIGEST_LENGTH; i++) digest[i] ^= hash[i];
}

/** digest = SHA1(digest ^ SHA1(bytes)). */
export function mixIntoDigest(digest: Buffer, bytes: Uint8Array): void {
  addToDigest(digest, bytes);
  createHash('sha1').update(digest).digest().copy(digest);
}

/** A 32-bit number in network byte order, as the digests take type codes and database numbers. */
export function uint32Bytes(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}
