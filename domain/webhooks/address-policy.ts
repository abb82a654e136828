// Which IP addresses a webhook may not reach unless its host is allow-listed: loopback, private,
// link-local, unique-local, carrier-grade NAT, multicast, reserved and unspecified, in IPv4 and IPv6
// (IPv4-mapped and IPv4-compatible IPv6 are judged by the IPv4 address inside). Pure.
//
// Interface:
//   isForbiddenAddress(ip: string) → true for an address a webhook must not reach (or one that does not parse)

type Range = readonly [base: bigint, prefix: number];

const V4_FORBIDDEN: readonly Range[] = [
  [0x00000000n, 8], // "this network", 0.0.0.0 unspecified
  [0x0a000000n, 8], // 10/8 private
  [0x64400000n, 10], // 100.64/10 carrier-grade NAT
  [0x7f000000n, 8], // 127/8 loopback
  [0xa9fe0000n, 16], // 169.254/16 link-local (cloud metadata endpoints live here)
  [0xac100000n, 12], // 172.16/12 private
  [0xc0000000n, 24], // 192.0.0/24 protocol assignments
  [0xc0a80000n, 16], // 192.168/16 private
  [0xc6120000n, 15], // 198.18/15 benchmarking
  [0xe0000000n, 4], // 224/4 multicast
  [0xf0000000n, 4], // 240/4 reserved, broadcast
];

const V6_FORBIDDEN: readonly Range[] = [
  [0n, 128], // :: unspecified
  [1n, 128], // ::1 loopback
  [0xfc00n << 112n, 7], // fc00::/7 unique-local
  [0xfe80n << 112n, 10], // fe80::/10 link-local
  [0xfec0n << 112n, 10], // fec0::/10 site-local (deprecated)
  [0xff00n << 112n, 8], // ff00::/8 multicast
];

function inRange(value: bigint, bits: number, [base, prefix]: Range): boolean {
  const shift = BigInt(bits - prefix);
  return value >> shift === base >> shift;
}

function parseIpv4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseIpv6(text: string): bigint | null {
  let address = text.split("%")[0] ?? ""; // a zone index names an interface, not part of the address
  // A trailing dotted IPv4 part (::ffff:127.0.0.1) stands for the last two 16-bit groups.
  const lastColon = address.lastIndexOf(":");
  const dotted = address.slice(lastColon + 1);
  if (dotted.includes(".")) {
    const v4 = parseIpv4(dotted);
    if (v4 === null) return null;
    address = `${address.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const rest = halves[1] ? halves[1].split(":") : [];
  const given = head.length + rest.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return null;
  let value = 0n;
  for (const group of [...head, ...Array<string>(8 - given).fill("0"), ...rest]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    value = (value << 16n) | BigInt(`0x${group}`);
  }
  return value;
}

export function isForbiddenAddress(ip: string): boolean {
  const v4 = parseIpv4(ip);
  if (v4 !== null) return V4_FORBIDDEN.some((range) => inRange(v4, 32, range));
  const v6 = parseIpv6(ip);
  if (v6 === null) return true;
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible) reach the IPv4 address inside.
  if (v6 >> 32n === 0xffffn || (v6 >> 32n === 0n && v6 > 1n)) {
    return V4_FORBIDDEN.some((range) => inRange(v6 & 0xffffffffn, 32, range));
  }
  return V6_FORBIDDEN.some((range) => inRange(v6, 128, range));
}
