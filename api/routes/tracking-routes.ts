// Open pixel (GET /t/o/<token>.gif) and click redirect (GET /t/c/<token>), without an API key: the
// signed token is the authority. A click redirects only to the URL signed into its token, so these routes
// cannot be used to send anyone elsewhere; a token that does not verify gets a 400 and never a redirect.
// An expired token is still served (pixel, redirect) but records nothing (tracking-links.ts).
import type { Logger } from "pino";
import { z } from "zod";
import { recordEngagement } from "../../activities/tracking/record-engagement.ts";
import type { TrackingLinks } from "../../activities/tracking/tracking-links.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { ProblemError } from "../problem.ts";
import { defineRoute, type RouteDefinition } from "../route-definition.ts";

// The smallest transparent GIF.
const PIXEL = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

const PixelParams = z.object({
  file: z.string().describe("The open token signed by Nurtureflow, then .gif"),
});
const ClickParams = z.object({ token: z.string().describe("The click token signed by Nurtureflow") });
const invalidToken = () => new ProblemError(400, "Bad Request", "the tracking token is not valid");

export function trackingRoutes(links: TrackingLinks, store: ContactStore, logger: Logger): RouteDefinition[] {
  return [
    defineRoute({
      method: "get",
      path: "/t/o/:file",
      access: "public",
      tags: ["email"],
      summary: "Open pixel: records email_opened",
      params: PixelParams,
      responses: {
        200: { description: "A 1×1 transparent GIF", contentType: "image/gif" },
        400: { description: "The token does not verify" },
      },
      handle: async ({ params, res }) => {
        const target = links.verifyOpen(params.file.replace(/\.gif$/, ""));
        if (!target) throw invalidToken();
        const { ledgerId } = target;
        // The image is shown whatever happens to the record: a failure must not show a broken image.
        try {
          if (!target.expired) await recordEngagement(store, ledgerId, { kind: "open" });
        } catch (error) {
          logger.error({ ledgerId, err: String(error) }, "recording an open failed");
        }
        res.set({ "Cache-Control": "no-store, max-age=0" }).type("gif").send(PIXEL);
      },
    }),
    defineRoute({
      method: "get",
      path: "/t/c/:token",
      access: "public",
      tags: ["email"],
      summary: "Click redirect: records email_clicked, redirects to the link signed into the token",
      params: ClickParams,
      responses: {
        302: { description: "To the link in the email" },
        400: { description: "The token does not verify" },
      },
      handle: async ({ params, res }) => {
        const target = links.verifyClick(params.token);
        if (!target || !/^https?:\/\//i.test(target.url)) throw invalidToken();
        // The reader gets where they clicked even when recording fails.
        try {
          if (!target.expired)
            await recordEngagement(store, target.ledgerId, { kind: "click", url: target.url });
        } catch (error) {
          logger.error({ ledgerId: target.ledgerId, err: String(error) }, "recording a click failed");
        }
        res.set("Cache-Control", "no-store").redirect(302, target.url);
      },
    }),
  ];
}
