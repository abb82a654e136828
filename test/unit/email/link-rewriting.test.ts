import { describe, expect, it } from "vitest";
import { rewriteLinks } from "../../../domain/email/link-rewriting.ts";

describe("rewriteLinks", () => {
  const track = (url: string) => `https://nf.example/t/c/${encodeURIComponent(url)}`;

  it("rewrites absolute http(s) links, unescaping what Handlebars escaped", () => {
    const html = `<a href="https://shop.example/p?a&#x3D;1&amp;b&#x3D;2" class="x">Buy</a>`;
    expect(rewriteLinks(html, track)).toBe(
      `<a href="${track("https://shop.example/p?a=1&b=2").replace(/&/g, "&amp;")}" class="x">Buy</a>`,
    );
  });

  it("leaves mailto, anchors, relative links and links the callback declines", () => {
    const html = [
      '<a href="mailto:help@example.com">mail</a>',
      '<a href="#top">top</a>',
      '<a href="/relative">rel</a>',
      "<a href='https://keep.example/unsubscribe'>unsubscribe</a>",
    ].join("");
    expect(rewriteLinks(html, (url) => (url.includes("unsubscribe") ? null : track(url)))).toBe(html);
  });

  it("touches only <a> elements, whatever else carries an href", () => {
    const html =
      '<link href="https://fonts.example/css" rel="stylesheet"><a target="_blank" href="http://x.example">x</a>';
    expect(rewriteLinks(html, () => "https://nf.example/t")).toBe(
      '<link href="https://fonts.example/css" rel="stylesheet"><a target="_blank" href="https://nf.example/t">x</a>',
    );
  });
});
