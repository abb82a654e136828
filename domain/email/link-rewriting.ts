// Click tracking replaces each link of a rendered email with a redirect through Nurtureflow. Works on the
// HTML Handlebars produced: href values are entity-escaped there, so they are unescaped before the URL is
// handed over and the replacement is written back escaped.

const HREF = /(<a\b[^>]*?\shref=)(["'])(.*?)\2/gi;

const ENTITIES: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#x27;": "'",
  "&#39;": "'",
  "&#x60;": "`",
  "&#x3D;": "=",
};

function unescapeHtml(value: string): string {
  return value.replace(/&(?:amp|lt|gt|quot|#x27|#39|#x60|#x3D);/g, (entity) => ENTITIES[entity] ?? entity);
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
}

/**
 * Rewrites the href of every `<a>` whose target is an absolute http(s) URL; `rewrite` returns the new
 * URL, or null to leave a link as it is (the unsubscribe link must reach its page directly).
 */
export function rewriteLinks(html: string, rewrite: (url: string) => string | null): string {
  return html.replace(HREF, (whole, start: string, quote: string, raw: string) => {
    const url = unescapeHtml(raw.trim());
    if (!/^https?:\/\//i.test(url)) return whole;
    const replacement = rewrite(url);
    return replacement === null ? whole : `${start}${quote}${escapeAttribute(replacement)}${quote}`;
  });
}
