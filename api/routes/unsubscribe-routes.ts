// Unsubscribing, without an API key: the signed token in the link is the authority.
// - POST /v1/unsubscribe?token=… is the RFC 8058 one-click target of List-Unsubscribe: mailbox providers
//   POST `List-Unsubscribe=One-Click` there, and it takes effect at once.
// - GET /unsubscribe?token=… is the visible link of the footer: a page with a button, because link
//   scanners and previews fetch every link of an email and must not unsubscribe anyone by doing so.
import type { Response } from "express";
import { z } from "zod";
import { unsubscribeContact } from "../../activities/consent/unsubscribe.ts";
import type { UnsubscribeLinks } from "../../activities/email/unsubscribe-links.ts";
import { escapeHtml, htmlPage } from "../html-page.ts";
import { notFound, ProblemError } from "../problem.ts";
import { defineRoute, type RouteDefinition } from "../route-definition.ts";

// A missing or repeated token is just a link that does not verify: the answer says so, in the page's
// own form (HTML for the footer link), never as a validation problem.
const TokenQuery = z.object({
  token: z.string().catch("").describe("The link's token, signed by Nurtureflow"),
});
const OneClickForm = z
  .looseObject({ "List-Unsubscribe": z.literal("One-Click").optional().catch(undefined) })
  .meta({ examples: [{ "List-Unsubscribe": "One-Click" }] });
const FORM_ROUTE = {
  body: OneClickForm,
  bodyOptional: true,
  bodyTypes: ["application/x-www-form-urlencoded"],
  bodyLimit: "10kb",
} as const;

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
): RouteDefinition[] {
  const unsubscribed = (res: Response) =>
    privatePage(
      res,
      200,
      "Unsubscribed",
      "<p>You are unsubscribed: you will get no more marketing email from us.</p>",
    );
  return [
    defineRoute({
      method: "post",
      path: "/v1/unsubscribe",
      access: "public",
      tags: ["email"],
      summary: "RFC 8058 one-click unsubscribe (the List-Unsubscribe target); no API key",
      query: TokenQuery,
      ...FORM_ROUTE,
      responses: { 200: { description: "Unsubscribed", schema: z.object({ status: z.string() }) } },
      handle: async ({ query, res }) => {
        const contactId = links.verify(query.token);
        if (!contactId) throw new ProblemError(400, "Bad Request", "the unsubscribe token is not valid");
        const outcome = await unsubscribeContact(store, contactId);
        if (outcome === "unknown_contact") throw notFound("contact");
        res.set("Cache-Control", "no-store").json({ status: outcome });
      },
    }),
    defineRoute({
      method: "get",
      path: "/unsubscribe",
      access: "public",
      tags: ["email"],
      summary: "Unsubscribe page (the footer link): asks before it unsubscribes",
      query: TokenQuery,
      responses: {
        200: { description: "HTML page with the button", contentType: "text/html" },
        400: { description: "Invalid link (HTML)", contentType: "text/html" },
        404: { description: "Unknown contact (HTML)", contentType: "text/html" },
      },
      handle: async ({ query, res }) => {
        const { token } = query;
        const contactId = links.verify(token);
        if (!contactId) return privatePage(res, 400, "Unsubscribe", INVALID_LINK);
        const contact = await store.contact.findUnique({
          where: { id: contactId },
          select: { unsubscribedAt: true },
        });
        if (!contact) return privatePage(res, 404, "Unsubscribe", INVALID_LINK);
        if (contact.unsubscribedAt) return unsubscribed(res);
        privatePage(
          res,
          200,
          "Unsubscribe",
          `<p>Stop receiving marketing email from us? Emails about your orders and account still reach you.</p>
<form method="post" action="unsubscribe?token=${escapeHtml(encodeURIComponent(token))}">
  <button type="submit">Unsubscribe</button>
</form>`,
        );
      },
    }),
    defineRoute({
      method: "post",
      path: "/unsubscribe",
      access: "public",
      tags: ["email"],
      summary: "The page's button: unsubscribes and confirms",
      query: TokenQuery,
      ...FORM_ROUTE,
      responses: {
        200: { description: "HTML confirmation", contentType: "text/html" },
        400: { description: "Invalid link (HTML)", contentType: "text/html" },
        404: { description: "Unknown contact (HTML)", contentType: "text/html" },
      },
      handle: async ({ query, res }) => {
        const contactId = links.verify(query.token);
        if (!contactId) return privatePage(res, 400, "Unsubscribe", INVALID_LINK);
        const outcome = await unsubscribeContact(store, contactId);
        if (outcome === "unknown_contact") return privatePage(res, 404, "Unsubscribe", INVALID_LINK);
        unsubscribed(res);
      },
    }),
  ];
}
