import { hash } from "node:crypto";

// RFC 6962 (Certificate Transparency) section 2.1 hashing, with SHA-256: a leaf is hashed with a
// 0x00 prefix and an interior node with 0x01, so no leaf can pass for a node (second-preimage),
// and a tree of n leaves splits at the largest power of two below n, so its shape is fixed by n.
const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);

export const HASH_BYTES = 32;

// Hashed in one call (crypto.hash) over the prefixed bytes: sealing and verifying hash twice an
// event, and creating a Hash object for each took about a quarter longer. A string is hashed as
// its UTF-8 bytes (a lone surrogate as U+FFFD, as Hash.update did).
export function leafHash(data: string | Uint8Array): Buffer {
  return hash("sha256", typeof data === "string" ? `\u0000${data}` : Buffer.concat([LEAF, data]), "buffer");
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return hash("sha256", Buffer.concat([NODE, left, right]), "buffer");
}

/** The Merkle tree hash of leaf hashes in order; a seal never covers zero events. */
export function merkleRoot(leaves: readonly Uint8Array[]): Buffer {
  if (leaves.length === 0) throw new Error("a Merkle tree needs at least one leaf");
  return Buffer.from(subtree(leaves, 0, leaves.length));
}

function subtree(leaves: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 1) return leaves[start]!;
  let split = 1;
  while (split * 2 < n) split *= 2;
  return nodeHash(subtree(leaves, start, start + split), subtree(leaves, start + split, end));
}

/** Packs leaf hashes as the seal row stores them (32 bytes each, in order) and back. */
export function packLeaves(leaves: readonly Uint8Array[]): Buffer {
  return Buffer.concat(leaves);
}

export function unpackLeaves(packed: Uint8Array): Buffer[] {
  const bytes = Buffer.from(packed);
  const leaves: Buffer[] = [];
  for (let offset = 0; offset + HASH_BYTES <= bytes.length; offset += HASH_BYTES)
    leaves.push(bytes.subarray(offset, offset + HASH_BYTES));
  return leaves;
}
