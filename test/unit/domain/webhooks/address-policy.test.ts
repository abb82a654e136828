import { describe, expect, it } from "vitest";
import { isForbiddenAddress } from "../../../../domain/webhooks/address-policy.ts";

describe("isForbiddenAddress", () => {
  it("refuses loopback, private, link-local, CGNAT, multicast and unspecified IPv4", () => {
    for (const ip of [
      "127.0.0.1",
      "127.255.0.9",
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "224.0.0.1",
      "255.255.255.255",
    ]) {
      expect(isForbiddenAddress(ip), ip).toBe(true);
    }
  });

  it("allows public IPv4", () => {
    for (const ip of ["8.8.8.8", "93.184.216.34", "172.32.0.1", "192.169.0.1", "100.128.0.1", "11.0.0.1"]) {
      expect(isForbiddenAddress(ip), ip).toBe(false);
    }
  });

  it("refuses loopback, unspecified, unique-local, link-local and multicast IPv6", () => {
    for (const ip of ["::1", "::", "fc00::1", "fd12:3456::1", "fe80::1%eth0", "FE80::abcd", "ff02::1"]) {
      expect(isForbiddenAddress(ip), ip).toBe(true);
    }
  });

  it("judges IPv4-mapped and IPv4-compatible IPv6 by the IPv4 address inside", () => {
    expect(isForbiddenAddress("::ffff:127.0.0.1")).toBe(true);
    expect(isForbiddenAddress("::ffff:7f00:1")).toBe(true);
    expect(isForbiddenAddress("::ffff:10.0.0.1")).toBe(true);
    expect(isForbiddenAddress("::127.0.0.1")).toBe(true);
    expect(isForbiddenAddress("::ffff:8.8.8.8")).toBe(false);
  });

  it("allows public IPv6", () => {
    expect(isForbiddenAddress("2001:4860:4860::8888")).toBe(false);
    expect(isForbiddenAddress("2606:4700:4700:0:0:0:0:1111")).toBe(false);
  });

  it("refuses what does not parse", () => {
    for (const ip of ["", "localhost", "1.2.3", "1.2.3.256", "1::2::3", "12345::1", "1:2:3:4:5:6:7:8:9"]) {
      expect(isForbiddenAddress(ip), ip).toBe(true);
    }
  });
});
