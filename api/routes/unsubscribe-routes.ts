// Unsubscribing, without an API key: the signed token in the link is the authority.
// - POST /v1/unsubscribe?token=… is the RFC 8058 one-click target of List-Unsubscribe: mailbox providers
//   POST `List-Unsubscribe=One-Click` there, and it takes effect at once.
// - GET /unsubscribe?token=… is the visible link of the footer: a page with a button, because link
//   scanners and previews fetch every link of an email and must not unsubscribe anyone by doing so.
import express, { type Request, type Response, Router } from "express";
import { unsubscribeContact } from "../../activities/consent/unsubscribe.ts";
import type { UnsubscribeLinks } from "../../activities/email/unsubscribe-links.ts";
import { escapeHtml, htmlPage } from "../html-page.ts";
import { notFound, ProblemError } from "../problem.ts";

function tokenOf(req: Request): string {
  const token = req.query.token;
  return typeof token === "string" ? token : "";
}

// The token in the address must not travel to other sites, and the page has no business in a search index.
function privatePage(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .set({ "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex" })
    .type("html")
    .send(htmlPage(title, body));
}

const INVALID_LINK =
  "<p>This unsubscribe link is not valid. Please use the link in your most recent email.</p>";

export function unsubscribeRoutes(
  links: UnsubscribeLinks,
  store: Parameters<typeof unsubscribeContact>[0],
): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: "10kb" });

  router.post("/v1/unsubscribe", form, async (req, res) => {
    const contactId = links.verify(tokenOf(req));
    if (!contactId) throw new ProblemError(400, "Bad Request", "the unsubscribe token is not valid");
    const outcome = await unsubscribeContact(store, contactId);
    if (outcome === "unknown_contact") throw notFound("contact");
    res.set("Cache-Control", "no-store").json({ status: outcome });
  });

  router.get("/unsubscribe", async (req, res) => {
    const token = tokenOf(req);
    const contactId = links.verify(token);
    if (!contactId) return privatePage(res, 400, "Unsubscribe", INVALID_LINK);
    const contact = await store.contact.findUnique({
      where: { id: contactId },
      select: { unsubscribedAt: true },
    });
    if (!contact) return privatePage(res, 404, "Unsubscribe", INVALID_LINK);
    if (contact.unsubscribedAt) {
      return privatePage(
        res,
        200,
        "Unsubscribed",
        "<p>You are unsubscribed: you will get no more marketing email from us.</p>",
      );
    }
    privatePage(
      res,
      200,
      "Unsubscribe",
      `<p>Stop receiving marketing email from us? Emails about your orders and account still reach you.</p>
<form method="post" action="unsubscribe?token=${escapeHtml(encodeURIComponent(token))}">
  <button type="submit">Unsubscribe</button>
</form>`,
    );
  });

  router.post("/unsubscribe", form, async (req, res) => {
    const contactId = links.verify(tokenOf(req));
    if (!contactId) return privatePage(res, 400, "Unsubscribe", INVALID_LINK);
    const outcome = await unsubscribeContact(store, contactId);
    if (outcome === "unknown_contact") return privatePage(res, 404, "Unsubscribe", INVALID_LINK);
    privatePage(
      res,
      200,
      "Unsubscribed",
      "<p>You are unsubscribed: you will get no more marketing email from us.</p>",
    );
  });

  return router;
}
