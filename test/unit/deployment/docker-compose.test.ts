// docker-compose.yml cannot run here (no Docker engine), so it is checked statically: by compose-go,
// the loader Docker Compose itself uses (schema, interpolation, references), and by the rules below:
// images pinned to the checked list, the environment contract of DESIGN.md §4, the production
// commands, and the search attributes the workflows use.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { SEARCH_ATTRIBUTE_DEFINITIONS } from "../../../workflows/search-attributes.ts";

interface Service {
  image?: string;
  build?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  init?: boolean;
}

const root = fileURLToPath(new URL("../../../", import.meta.url));
const composeFile = join(root, "docker-compose.yml");
const compose = parse(readFileSync(composeFile, "utf8"), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const checkedTags = JSON.parse(readFileSync(join(root, "docs/image-tags.json"), "utf8")) as {
  checked: string;
  images: string[];
};

let composeCheck = "";
beforeAll(() => {
  composeCheck = join(mkdtempSync(join(tmpdir(), "compose-check-")), "compose-check");
  execFileSync("go", ["build", "-o", composeCheck, "."], {
    cwd: join(root, "scripts/compose-check"),
    stdio: "pipe",
  });
}, 300_000);

/** What compose requires, each with a value; every one missing alone is refused. */
const REQUIRED: Record<string, string> = {
  API_KEYS: "k",
  LINK_SIGNING_SECRET: "s",
  WEBHOOK_SIGNING_SECRET: "w",
  ERASURE_HASH_SECRET: "e",
};

function loadWithCompose(env: Record<string, string>) {
  const { PATH, HOME, GOPATH, GOCACHE } = process.env;
  return spawnSync(composeCheck, [composeFile], {
    encoding: "utf8",
    env: { PATH, HOME, GOPATH, GOCACHE, ...env },
  });
}

describe("docker-compose.yml", () => {
  test("loads with Docker Compose's own loader when the required secrets are given", () => {
    const loaded = loadWithCompose(REQUIRED);
    expect(loaded.stderr).toBe("");
    expect(loaded.status).toBe(0);
    const names = (JSON.parse(loaded.stdout) as { name: string }[]).map((service) => service.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "postgres",
        "temporal-schema",
        "temporal",
        "temporal-setup",
        "temporal-ui",
        "mail",
        "migrate",
        "worker",
        "api",
      ]),
    );
  });

  test("refuses to start without API keys or any of the secrets, naming the variable", () => {
    for (const name of Object.keys(REQUIRED)) {
      const { [name]: _missing, ...others } = REQUIRED;
      const refused = loadWithCompose(others);
      expect(refused.status, name).not.toBe(0);
      expect(refused.stderr).toMatch(new RegExp(`required variable ${name} is missing`));
    }
  });

  test("every image is one of the pinned, checked tags, and the checked list is dated", () => {
    expect(checkedTags.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const [name, service] of Object.entries(services)) {
      const dependencies = Array.isArray(service.depends_on)
        ? service.depends_on
        : Object.keys(service.depends_on ?? {});
      for (const dependency of dependencies)
        expect(services, `${name} → ${dependency}`).toHaveProperty(dependency);
      if (service.build) {
        expect(service.build, name).toBe(".");
        continue;
      }
      expect(service.image, name).toMatch(/:[0-9][\w.-]*$/);
      expect(checkedTags.images, name).toContain(service.image);
    }
    expect(JSON.stringify(services)).not.toContain("auto-setup");
  });

  test("worker, API and migrations get the configuration contract and run the built code", () => {
    for (const name of ["worker", "api", "migrate"]) {
      expect(Object.keys(services[name]?.environment ?? {}), name).toEqual(
        expect.arrayContaining([
          "DATABASE_URL",
          "TEMPORAL_ADDRESS",
          "TEMPORAL_NAMESPACE",
          "SMTP_URL",
          "MAIL_FROM",
          "PUBLIC_URL",
          "API_KEYS",
          "LINK_SIGNING_SECRET",
          "WEBHOOK_SIGNING_SECRET",
          "ERASURE_HASH_SECRET",
        ]),
      );
      expect(services[name]?.environment?.NODE_ENV, name).toBe("production");
      expect(services[name]?.init, name).toBe(true);
    }
    // node itself, no npm or shell in between, so SIGTERM reaches the process that drains; the
    // worker with its heap bounded and few malloc arenas, as `npm run start:worker` starts it.
    expect(services.worker?.command).toEqual(["node", "--max-old-space-size=384", "dist/worker/main.js"]);
    expect(services.worker?.environment?.MALLOC_ARENA_MAX).toBe("2");
    expect(services.api?.command).toEqual(["node", "dist/api/main.js"]);
  });

  test("registers exactly the search attributes the workflows set", () => {
    const setup = JSON.stringify(services["temporal-setup"]?.command);
    for (const { name, cliType } of SEARCH_ATTRIBUTE_DEFINITIONS)
      expect(setup).toContain(`${name}=${cliType}`);
    expect(setup.match(/Nf\w+=/g)).toHaveLength(SEARCH_ATTRIBUTE_DEFINITIONS.length);
  });
});
