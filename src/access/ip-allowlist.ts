import ipaddr from "ipaddr.js";

/** Whether an address is in a list of addresses and CIDRs. An empty or missing list allows all. */
export function ipAllowed(ip: string, allowlist: string[] | null | undefined): boolean {
  if (!allowlist?.length) return true;
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.process(ip); // IPv4-mapped IPv6 becomes IPv4
  } catch {
    return false;
  }
  return allowlist.some((entry) => {
    try {
      const [range, bits] = entry.includes("/") ? ipaddr.parseCIDR(entry) : [ipaddr.process(entry), null];
      if (range.kind() !== address.kind()) return false;
      return bits === null ? range.toString() === address.toString() : address.match([range, bits] as [never, number]);
    } catch {
      return false;
    }
  });
}

/** Why an allowlist entry is invalid, or null. */
export function allowlistEntryProblem(entry: string): string | null {
  try {
    if (entry.includes("/")) ipaddr.parseCIDR(entry);
    else ipaddr.parse(entry);
    return null;
  } catch {
    return `"${entry}" is neither an IP address nor a CIDR range`;
  }
}
