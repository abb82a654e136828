// Open pixel (GET /t/o/<token>.gif) and click redirect (GET /t/c/<token>), without an API key: the
// signed token is the authority. A click redirects only to the URL signed into its token, so these routes
// cannot be used to send anyone elsewhere; a token that does not verify gets a 400 and never a redirect.
// An expired token is still served (pixel, redirect) but records nothing (tracking-links.ts).
import { type Response, Router } from "express";
import type { Logger } from "pino";
import { recordEngagement } from "../../activities/tracking/record-engagement.ts";
import type { TrackingLinks } from "../../activities/tracking/tracking-links.ts";
import type { ContactStore } from "../../prisma/client.ts";
import { ProblemError } from "../problem.ts";

// The smallest transparent GIF.
const PIXEL = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

function sendPixel(res: Response): void {
  res.set({ "Cache-Control": "no-store, max-age=0" }).type("gif").send(PIXEL);
}

export function trackingRoutes(links: TrackingLinks, store: ContactStore, logger: Logger): Router {
  const router = Router();

  router.get("/t/o/:file", async (req, res) => {
    const target = links.verifyOpen(req.params.file.replace(/\.gif$/, ""));
    if (!target) throw new ProblemError(400, "Bad Request", "the tracking token is not valid");
    const { ledgerId } = target;
    // The image is shown whatever happens to the record: a failure must not show a broken image.
    try {
      if (!target.expired) await recordEngagement(store, ledgerId, { kind: "open" });
    } catch (error) {
      logger.error({ ledgerId, err: String(error) }, "recording an open failed");
    }
    sendPixel(res);
  });

  router.get("/t/c/:token", async (req, res) => {
    const target = links.verifyClick(req.params.token);
    if (!target || !/^https?:\/\//i.test(target.url)) {
      throw new ProblemError(400, "Bad Request", "the tracking token is not valid");
    }
    // The reader gets where they clicked even when recording fails.
    try {
      if (!target.expired) await recordEngagement(store, target.ledgerId, { kind: "click", url: target.url });
    } catch (error) {
      logger.error({ ledgerId: target.ledgerId, err: String(error) }, "recording a click failed");
    }
    res.set("Cache-Control", "no-store").redirect(302, target.url);
  });

  return router;
}
