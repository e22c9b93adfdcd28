import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { EncryptionKeys } from "../config";

/** A secret encrypted with AES-256-GCM under one key of a key ring (named, for rotation). */
export interface SealedSecret {
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
  keyId: string;
}

/**
 * Encrypts under the ring's current key. `boundTo` is authenticated additional data: a sealed
 * secret copied to another row (another login, another subscription) does not open there.
 */
export function sealSecret(keys: EncryptionKeys, boundTo: string, secret: Buffer): SealedSecret {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keys.all.get(keys.currentId)!, iv);
  cipher.setAAD(Buffer.from(boundTo));
  const ciphertext = Buffer.concat([cipher.update(secret), cipher.final()]);
  return { ciphertext, iv, tag: cipher.getAuthTag(), keyId: keys.currentId };
}

/** Decrypts with the key the secret names; a key no longer listed is a deployment fault, named by `variable`. */
export function openSecret(keys: EncryptionKeys, boundTo: string, sealed: SealedSecret, what: string, variable: string): Buffer {
  const key = keys.all.get(sealed.keyId);
  if (!key) throw new Error(`${what} is encrypted with key "${sealed.keyId}", which ${variable} no longer lists`);
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.iv);
  decipher.setAAD(Buffer.from(boundTo));
  decipher.setAuthTag(sealed.tag);
  return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
}

/** One column's worth: key id length, key id, iv (12), tag (16), ciphertext. */
export function packSealed(sealed: SealedSecret): Buffer {
  const keyId = Buffer.from(sealed.keyId);
  return Buffer.concat([Buffer.from([keyId.length]), keyId, sealed.iv, sealed.tag, sealed.ciphertext]);
}

export function unpackSealed(packed: Buffer): SealedSecret {
  const idLength = packed[0];
  const keyId = packed.subarray(1, 1 + idLength).toString();
  const iv = packed.subarray(1 + idLength, 13 + idLength);
  const tag = packed.subarray(13 + idLength, 29 + idLength);
  return { keyId, iv, tag, ciphertext: packed.subarray(29 + idLength) };
}
