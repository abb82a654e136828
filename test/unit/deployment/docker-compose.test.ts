// docker-compose.yml cannot run here (no Docker engine), so it is validated statically: every service
// it depends on exists, images are pinned, the app services get the environment contract of
// DESIGN.md §4, and the search attributes it registers are the ones the workflows use.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { SEARCH_ATTRIBUTE_DEFINITIONS } from "../../../workflows/search-attributes.ts";

interface Service {
  image?: string;
  build?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
}

const compose = parse(readFileSync(new URL("../../../docker-compose.yml", import.meta.url), "utf8"), {
  merge: true,
}) as { services: Record<string, Service> };
const services = compose.services;

describe("docker-compose.yml", () => {
  test("runs the whole topology: Temporal and its UI, PostgreSQL, mail, migrations, worker, API", () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(["postgres", "temporal", "temporal-ui", "mail", "migrate", "worker", "api"]),
    );
  });

  test("every dependency names a service, and every image is pinned to a version", () => {
    for (const [name, service] of Object.entries(services)) {
      const dependencies = Array.isArray(service.depends_on)
        ? service.depends_on
        : Object.keys(service.depends_on ?? {});
      for (const dependency of dependencies)
        expect(services, `${name} → ${dependency}`).toHaveProperty(dependency);
      if (service.image) expect(service.image, name).toMatch(/:[0-9][\w.-]*$/);
      else expect(service.build, name).toBe(".");
    }
  });

  test("worker, API and migrations get the configuration contract", () => {
    for (const name of ["worker", "api", "migrate"]) {
      expect(Object.keys(services[name]?.environment ?? {}), name).toEqual(
        expect.arrayContaining([
          "DATABASE_URL",
          "TEMPORAL_ADDRESS",
          "TEMPORAL_NAMESPACE",
          "SMTP_URL",
          "MAIL_FROM",
          "PUBLIC_URL",
        ]),
      );
    }
    expect(services.worker?.command).toEqual(["npm", "run", "worker"]);
    expect(services.api?.command).toEqual(["npm", "run", "api"]);
  });

  test("registers exactly the search attributes the workflows set", () => {
    const setup = JSON.stringify(services["temporal-setup"]?.command);
    for (const { name, cliType } of SEARCH_ATTRIBUTE_DEFINITIONS)
      expect(setup).toContain(`${name}=${cliType}`);
    expect(setup.match(/Nf\w+=/g)).toHaveLength(SEARCH_ATTRIBUTE_DEFINITIONS.length);
  });
});
