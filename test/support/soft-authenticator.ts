import { createHash, generateKeyPairSync, KeyObject, randomBytes, sign } from "node:crypto";
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { encodeCBOR } from "@levischuck/tiny-cbor";

// A software authenticator for the tests: what a browser plus a platform authenticator would
// answer to navigator.credentials.create/get, with real P-256 keys (ES256) and real signatures,
// so that Konto's verification runs unchanged with no browser.

/** Plain CBOR as WebAuthn writes it (the encoder SimpleWebAuthn itself decodes with): maps, byte strings, no tags. */
const cbor = { encode: (value: Parameters<typeof encodeCBOR>[0]) => Buffer.from(encodeCBOR(value)) };
const bytes = (buffer: Buffer) => new Uint8Array(buffer);

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest();
const b64url = (data: Buffer) => data.toString("base64url");

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

/** One passkey the authenticator holds. */
export interface SoftCredential {
  id: Buffer;
  privateKey: KeyObject;
  /** The user handle of the login it was made for (options.user.id), base64url. */
  userHandle: string;
  rpId: string;
  signCount: number;
}

export interface CeremonyOptions {
  /** The page's origin; the authenticator's default otherwise. */
  origin?: string;
  /** Whether the user was verified (PIN, biometrics); true by default. */
  userVerified?: boolean;
  /** The signature counter to report; one more than the last otherwise. */
  signCount?: number;
  /** The credential to use; otherwise the first one the options allow. */
  credential?: SoftCredential;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(readonly origin: string) {}

  /** navigator.credentials.create: a new ES256 credential, attestation "none". */
  register(options: PublicKeyCredentialCreationOptionsJSON, ceremony: CeremonyOptions = {}): RegistrationResponseJSON {
    const rpId = options.rp.id ?? new URL(ceremony.origin ?? this.origin).hostname;
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const credential: SoftCredential = { id: randomBytes(32), privateKey, userHandle: options.user.id, rpId, signCount: 0 };
    const jwk = publicKey.export({ format: "jwk" });
    // COSE_Key, EC2: kty 2, alg -7 (ES256), crv 1 (P-256), x, y.
    const coseKey = cbor.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, bytes(Buffer.from(jwk.x!, "base64url"))],
        [-3, bytes(Buffer.from(jwk.y!, "base64url"))],
      ]),
    );
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credential.id.length);
    const attestedCredentialData = Buffer.concat([Buffer.alloc(16), idLength, credential.id, coseKey]);
    const authData = Buffer.concat([
      this.header(rpId, FLAG_UP | (ceremony.userVerified === false ? 0 : FLAG_UV) | FLAG_AT, ceremony.signCount ?? 0),
      attestedCredentialData,
    ]);
    const attestationObject = cbor.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", bytes(authData)],
      ]),
    );
    this.credentials.push(credential);
    return {
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: "public-key",
      response: {
        clientDataJSON: this.clientData("webauthn.create", options.challenge, ceremony.origin),
        attestationObject: b64url(attestationObject),
        transports: ["internal", "hybrid"],
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** navigator.credentials.get: an assertion signed over authenticatorData || SHA-256(clientDataJSON), DER ECDSA. */
  authenticate(options: PublicKeyCredentialRequestOptionsJSON, ceremony: CeremonyOptions = {}): AuthenticationResponseJSON {
    const allowed = options.allowCredentials?.map((c) => c.id);
    const credential =
      ceremony.credential ??
      this.credentials.find((c) => (allowed?.length ? allowed.includes(b64url(c.id)) : c.rpId === (options.rpId ?? c.rpId)));
    if (!credential) throw new Error("the soft authenticator holds no credential these options allow");
    credential.signCount = ceremony.signCount ?? credential.signCount + 1;
    const authenticatorData = this.header(
      options.rpId ?? credential.rpId,
      FLAG_UP | (ceremony.userVerified === false ? 0 : FLAG_UV),
      credential.signCount,
    );
    const clientDataJSON = this.clientData("webauthn.get", options.challenge, ceremony.origin);
    const signature = sign(
      "sha256",
      Buffer.concat([authenticatorData, sha256(Buffer.from(clientDataJSON, "base64url"))]),
      credential.privateKey,
    );
    return {
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: "public-key",
      response: {
        clientDataJSON,
        authenticatorData: b64url(authenticatorData),
        signature: b64url(signature),
        // Discoverable credentials name their login.
        userHandle: credential.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** rpIdHash (32) | flags (1) | signCount (4, big-endian). */
  private header(rpId: string, flags: number, signCount: number): Buffer {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(signCount);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), counter]);
  }

  private clientData(type: string, challenge: string, origin = this.origin): string {
    return b64url(Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false })));
  }
}
