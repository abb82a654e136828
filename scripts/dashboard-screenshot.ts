// `npm run docs:dashboard [-- --contacts N]`: docs/dashboard.png, the dashboard over six months of
// demo data (npm run demo:data, 2,000 contacts by default) in a scratch database that is dropped
// afterwards, photographed in headless Chromium once the charts have settled.
import { spawnSync } from "node:child_process";
import type { AddressInfo } from "node:net";
import path from "node:path";
import pino from "pino";
import { createApp } from "../api/app.ts";
import { createBenchDatabase } from "../bench/bench-database.ts";
import { parseConfig } from "../domain/config.ts";
import { openContactStore } from "../prisma/client.ts";
import { launchDebianChromium } from "./browser/debian-chromium.ts";

const OUT = path.resolve(import.meta.dirname, "../docs/dashboard.png");
const contactsFlag = process.argv.indexOf("--contacts");
const contacts = contactsFlag === -1 ? "2000" : (process.argv[contactsFlag + 1] ?? "2000");

const database = await createBenchDatabase("docs");
const store = openContactStore(database.url);
try {
  const demo = spawnSync(
    process.execPath,
    ["--import", "tsx", "scripts/demo-data.ts", "--contacts", contacts],
    {
      env: { ...process.env, DATABASE_URL: database.url },
      stdio: "inherit",
    },
  );
  if (demo.status !== 0) throw new Error("demo:data failed");
  const app = createApp({
    config: parseConfig({ DATABASE_URL: database.url }),
    store,
    logger: pino({ level: "silent" }),
  });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const browser = await launchDebianChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/dashboard`);
    await page.waitForSelector("body[data-loaded]");
    await page.fill("#from", new Date(Date.now() - 182 * 86_400_000).toISOString().slice(0, 10));
    await page.fill("#tz", "UTC");
    const before = await page.getAttribute("body", "data-loaded");
    await page.click("#apply");
    await page.waitForFunction(
      (previous) =>
        (globalThis as unknown as { document: { body: { dataset: { loaded?: string } } } }).document.body
          .dataset.loaded !== previous,
      before,
    );
    // The charts animate into place for about a second.
    await page.waitForTimeout(1_500);
    await page.screenshot({ path: OUT, fullPage: true });
    console.log(`wrote ${path.relative(process.cwd(), OUT)}`);
  } finally {
    await browser.close();
    server.close();
  }
} finally {
  await store.$disconnect();
  await database.drop();
}
