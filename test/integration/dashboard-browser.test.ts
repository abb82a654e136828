// Issue #11: /dashboard in Debian's chromium over demo data, with API keys enabled. The page asks for
// the key once (a prompt), keeps it for the browser session, draws every chart with data points (read
// from the ECharts instances, not from pixels), and redraws with other numbers for another date range.
// Screenshots land in .nurtureflow/test-artifacts/dashboard/.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launchDebianChromium } from "../../scripts/browser/debian-chromium.ts";
import { writeDemoData } from "../support/demo-data.ts";
import { startTestStack, type TestStack } from "../support/test-stack.ts";

const API_KEY = "dashboard-test-key";
const ARTIFACTS = path.resolve(import.meta.dirname, "../../.nurtureflow/test-artifacts/dashboard");
const CHARTS = ["funnel", "conversion", "drivers", "segments", "revenue"] as const;
const DAY = 86_400_000;
const isoDate = (time: number) => new Date(time).toISOString().slice(0, 10);

let stack: TestStack;
let browser: Browser;
let page: Page;
const prompts: string[] = [];

/** The page's globals these tests read (the project compiles without the DOM types). */
interface DashboardWindow {
  document: { getElementById(id: string): unknown; body: { dataset: Record<string, string | undefined> } };
  echarts: { getInstanceByDom(element: unknown): { getOption(): ChartOption } | undefined };
}
interface ChartOption {
  series: Array<{ type: string; data: unknown[] }>;
  xAxis?: Array<{ data?: unknown[] }>;
  title?: Array<{ text?: string }>;
}

interface ChartView {
  series: Array<{ type: string; points: number; total: number }>;
  categories: string[];
  title: string;
}

/** What each chart instance holds: per series the data points and their sum; the x categories. */
function readCharts(): Promise<Record<string, ChartView>> {
  return page.evaluate((ids) => {
    const { document, echarts } = globalThis as unknown as DashboardWindow;
    const value = (point: unknown): number =>
      typeof point === "number" ? point : Number((point as { value?: unknown } | null)?.value ?? Number.NaN);
    const views: Record<string, ChartView> = {};
    for (const id of ids) {
      const option = echarts.getInstanceByDom(document.getElementById(id))?.getOption() ?? { series: [] };
      views[id] = {
        series: option.series.map((series) => {
          const values = series.data.map(value).filter((v) => Number.isFinite(v));
          return { type: series.type, points: values.length, total: values.reduce((sum, v) => sum + v, 0) };
        }),
        categories: (option.xAxis?.[0]?.data ?? []).map(String),
        title: option.title?.[0]?.text ?? "",
      };
    }
    return views;
  }, CHARTS);
}

/** Charts animate into place for about a second: a picture taken at once shows them halfway. */
async function screenshot(name: string): Promise<void> {
  await page.waitForTimeout(1_500);
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}

async function waitForLoad(previous: string | undefined): Promise<string> {
  const loaded = () => (globalThis as unknown as DashboardWindow).document.body.dataset.loaded;
  await page.waitForFunction(
    (before) => {
      const now = (globalThis as unknown as DashboardWindow).document.body.dataset.loaded;
      return now !== undefined && now !== before;
    },
    previous,
    { timeout: 60_000 },
  );
  return (await page.evaluate(loaded)) as string;
}

beforeAll(async () => {
  stack = await startTestStack({ smtpUrl: "smtp://127.0.0.1:1", env: { API_KEYS: API_KEY } });
  const demo = writeDemoData(stack.config.databaseUrl, 80);
  if (demo.status !== 0) throw new Error(`demo:data failed: ${demo.stderr}`);
  await mkdir(ARTIFACTS, { recursive: true });
  browser = await launchDebianChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  page.on("dialog", async (dialog) => {
    prompts.push(dialog.message());
    await dialog.accept(API_KEY);
  });
}, 660_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("the dashboard", () => {
  test("without a key the metrics are refused: the page has to ask for one", async () => {
    const response = await fetch(`${stack.baseUrl}/v1/metrics/funnel`);
    expect(response.status).toBe(401);
    const withKey = await fetch(`${stack.baseUrl}/v1/metrics/funnel`, {
      headers: { Authorization: `Bearer ${API_KEY}` },
    });
    expect(withKey.status).toBe(200);
  });

  test("asks for the key once, draws every chart with data, and redraws for another period", async () => {
    await page.goto(`${stack.baseUrl}/dashboard`);
    // The default period (the last 90 days) first; then the whole six months of demo data.
    let loaded = await waitForLoad(undefined);
    expect(prompts).toEqual(["API key (read scope) for this dashboard:"]);
    await page.fill("#from", isoDate(Date.now() - 183 * DAY));
    await page.fill("#tz", "UTC");
    await page.click("#apply");
    loaded = await waitForLoad(loaded);
    const wide = await readCharts();
    await screenshot("six-months.png");

    for (const id of CHARTS) {
      expect(wide[id]?.series.length, id).toBeGreaterThan(0);
      for (const series of wide[id]?.series ?? [])
        expect(series.points, `${id} ${series.type}`).toBeGreaterThan(0);
    }
    expect(wide.funnel?.series[0]?.total).toBeGreaterThan(0);
    expect(wide.drivers?.series[0]?.total).toBeGreaterThan(0);
    expect(wide.revenue?.series[0]?.total).toBeGreaterThan(0);
    expect(wide.conversion?.categories.length).toBeGreaterThan(20);
    expect(await page.locator("#programs tbody tr").count()).toBeGreaterThan(4);

    // The last four weeks only: other buckets, less revenue, fewer score points.
    await page.fill("#from", isoDate(Date.now() - 28 * DAY));
    await page.click("#apply");
    loaded = await waitForLoad(loaded);
    const narrow = await readCharts();
    await screenshot("four-weeks.png");
    // Six months come in weeks, four weeks in days, starting later.
    expect(narrow.conversion?.categories).not.toEqual(wide.conversion?.categories);
    expect((narrow.conversion?.categories[0] ?? "") > (wide.conversion?.categories[0] ?? "")).toBe(true);
    expect(narrow.revenue?.series[0]?.total ?? 0).toBeLessThan(wide.revenue?.series[0]?.total ?? 0);
    expect(narrow.drivers?.series[0]?.total ?? 0).toBeLessThan(wide.drivers?.series[0]?.total ?? 0);
    expect(narrow.revenue?.title).not.toBe(wide.revenue?.title);

    // The key is kept for the browser session: a reload asks nothing and loads again.
    await page.reload();
    await waitForLoad(undefined);
    expect(await page.textContent("#status")).not.toContain("error");
    expect(prompts).toHaveLength(1);
  }, 180_000);
});
