import { lookup as dnsLookup, LookupAddress } from "node:dns";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * Where Konto may POST: public unicast addresses only (no private, link-local, unique-local,
 * carrier-grade NAT, multicast or reserved ranges, so a subscription cannot reach the provider's
 * internal network). Loopback only outside production (tests and local receivers). HTTPS only in
 * production. Checked when a subscription is saved and again on every connection, against the
 * address actually connected to (a name that later resolves elsewhere is refused then).
 */
export function addressAllowed(address: string, production: boolean): boolean {
  if (!ipaddr.isValid(address)) return false;
  const range = ipaddr.process(address).range();
  return range === "unicast" || (range === "loopback" && !production);
}

/** Why a URL may not be a webhook target, or null when it may. */
export function urlProblem(raw: string, production: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "Give an absolute URL, e.g. https://hooks.example.com/konto";
  }
  if (raw.length > 2000) return "A URL has at most 2000 characters";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && !production)) return "Use an https:// URL";
  if (url.username || url.password) return "Put no credentials into the URL";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) && !addressAllowed(host, production)) return "The URL points to a private or reserved address";
  return null;
}

/** Resolves a URL's host and refuses it when any address is not allowed (or it does not resolve). */
export async function resolvedProblem(raw: string, production: boolean): Promise<string | null> {
  const host = new URL(raw).hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) return null;
  const addresses = await new Promise<LookupAddress[] | null>((resolve) =>
    dnsLookup(host, { all: true }, (err, found) => resolve(err ? null : found)),
  );
  if (!addresses?.length) return "The URL's host does not resolve";
  return addresses.every((a) => addressAllowed(a.address, production)) ? null : "The URL points to a private or reserved address";
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for http(s).request that refuses a name resolving to an address that is not allowed. */
export function guardedLookup(production: boolean) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    dnsLookup(hostname, { all: true }, (err, addresses) => {
      if (err) return callback(err, "");
      const refused = addresses.find((a) => !addressAllowed(a.address, production));
      if (refused || !addresses.length) {
        const error: NodeJS.ErrnoException = new Error(`${hostname} resolves to an address webhooks may not reach`);
        error.code = "EADDRNOTALLOWED";
        return callback(error, "");
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
