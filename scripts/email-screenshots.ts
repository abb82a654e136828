// `npm run docs:emails`: renders every built-in template with its sample data and photographs it in
// headless Chromium, at desktop and phone width, into docs/emails/ (with an index page). The sample
// product pictures point at shop.example.com; here they are answered with generated tiles, and every
// other request is refused, so the pictures show the email as a mail client lays it out, offline.

import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { listFileTemplates } from "../activities/email/file-templates.ts";
import { compileTemplate } from "../activities/email/template-compiler.ts";
import { launchDebianChromium } from "./browser/debian-chromium.ts";

const OUT_DIR = path.resolve(import.meta.dirname, "../docs/emails");
const WIDTHS = [
  { name: "desktop", width: 720 },
  { name: "phone", width: 390 },
] as const;
const TILE_COLOURS = ["#2563eb", "#059669", "#d97706", "#7c3aed", "#db2777", "#0891b2"];

// A square tile with the product's initials stands in for a product photo.
function sampleProductTile(fileName: string): string {
  const words = fileName.replace(/\.[a-z]+$/, "").split("-");
  const initials = words
    .slice(0, 2)
    .map((word) => word[0]?.toUpperCase() ?? "")
    .join("");
  const hash = [...fileName].reduce((sum, char) => sum + char.charCodeAt(0), 0);
  const colour = TILE_COLOURS[hash % TILE_COLOURS.length];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">
  <rect width="128" height="128" rx="12" fill="${colour}"/>
  <text x="64" y="78" font-family="Helvetica, Arial, sans-serif" font-size="44" font-weight="700" fill="#ffffff" text-anchor="middle">${initials}</text>
</svg>`;
}

const browser = await launchDebianChromium();
try {
  const templates = await listFileTemplates();
  const index: string[] = [
    "# The built-in emails",
    "",
    "Every built-in template (`templates/`) rendered with its sample data in headless Chromium, at",
    "desktop and phone width. Regenerate with `npm run docs:emails`. Product pictures are placeholder",
    "tiles: the sample data's image links point at an example shop.",
    "",
  ];
  for (const width of WIDTHS) await mkdir(path.join(OUT_DIR, width.name), { recursive: true });
  for (const template of templates) {
    const email = (await compileTemplate(template, { strict: true })).render(template.sampleData);
    for (const { name, width } of WIDTHS) {
      const page = await browser.newPage({ viewport: { width, height: 800 }, deviceScaleFactor: 1 });
      await page.route("**/*", (route) => {
        const url = new URL(route.request().url());
        if (url.hostname === "shop.example.com" && url.pathname.startsWith("/images/")) {
          return route.fulfill({
            contentType: "image/svg+xml",
            body: sampleProductTile(path.basename(url.pathname)),
          });
        }
        return route.abort();
      });
      await page.setContent(email.html, { waitUntil: "load" });
      await page.screenshot({ path: path.join(OUT_DIR, name, `${template.key}.png`), fullPage: true });
      await page.close();
    }
    index.push(
      `## \`${template.key}\` (${template.category})`,
      "",
      `${template.description}`,
      "",
      `Subject: **${email.subject}**`,
      "",
      `<img src="desktop/${template.key}.png" alt="${template.key} at desktop width" width="480"> ` +
        `<img src="phone/${template.key}.png" alt="${template.key} at phone width" width="260">`,
      "",
    );
    console.log(`${template.key}: ${email.subject}`);
  }
  await writeFile(path.join(OUT_DIR, "README.md"), `${index.join("\n")}`);
} finally {
  await browser.close();
}
