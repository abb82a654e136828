// Turns the DKIM configuration into the key the SMTP transport signs with. Read and checked once when
// the worker starts, so a missing file or a malformed key stops the worker instead of failing every send.
import { createPrivateKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { DkimSettings } from "../../domain/config.ts";
import type { DkimKey } from "./smtp-transport.ts";

export async function loadDkimKey(settings: DkimSettings): Promise<DkimKey> {
  const source = settings.privateKey;
  const privateKey = "pem" in source ? source.pem : await readFile(source.file, "utf8");
  try {
    createPrivateKey(privateKey);
  } catch {
    // The message names where the key came from, never the key itself.
    const origin = "pem" in source ? "DKIM_PRIVATE_KEY" : `DKIM_PRIVATE_KEY_FILE (${source.file})`;
    throw new Error(`${origin} is not a PEM private key`);
  }
  return { domainName: settings.domainName, keySelector: settings.keySelector, privateKey };
}
