/** The languages every message is written in. A customer's locale picks one; anything else reads German. */
export type Locale = "de" | "en";

export const localeOf = (value: string | null | undefined): Locale => (value === "en" ? "en" : "de");

/** A message as a template renders it: the recipient and the technical headers are the sender's business. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** Escapes one value for HTML text or a quoted attribute. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A safe piece of HTML: what `html` built, never a user's value. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/**
 * Tagged template for the HTML part: every interpolated value is escaped unless it is SafeHtml
 * (another `html` result); arrays are joined. A template cannot forget to escape a user's value.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  values.forEach((value, i) => {
    const parts = Array.isArray(value) ? value : [value];
    out += parts.map((part) => (part instanceof SafeHtml ? part.value : escapeHtml(part ?? ""))).join("") + strings[i + 1];
  });
  return new SafeHtml(out);
}

/**
 * Wraps the body of a message in the one layout every HTML part shares. Messages without a signature
 * (the text part has none) pass no footer, so the HTML part does not end in an empty rule.
 */
export function layout(locale: Locale, body: SafeHtml, footer = ""): string {
  const signature = footer
    ? html`<hr />
        <p style="color:#666;font-size:smaller">${footer}</p>`
    : "";
  return html`<!doctype html>
    <html lang="${locale}">
      <head>
        <meta charset="utf-8" />
      </head>
      <body style="font-family:system-ui,sans-serif;color:#222;max-width:40rem">
        ${body}${signature}
      </body>
    </html>`.value;
}

/** A text paragraph turned into HTML paragraphs, line breaks kept. */
export function paragraphs(text: string): SafeHtml {
  return html`${text
    .trim()
    .split(/\n{2,}/)
    .map((block) => html`<p>${block.split("\n").map((line, i) => (i ? html`<br />${line}` : html`${line}`))}</p>`)}`;
}

/** Formats a time for a message: minutes, UTC, the same in both languages. */
export const utcMinutes = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** A short letter: a greeting, one paragraph and (when given) the sender's name, as text and HTML. */
export function letter(locale: Locale, subject: string, greeting: string, body: string, signature = ""): RenderedMail {
  return {
    subject,
    text: `${greeting}\n\n${body}\n${signature ? `\n${signature}\n` : ""}`,
    html: layout(
      locale,
      html`<p>${greeting}</p>
        <p>${body}</p>`,
      signature,
    ),
  };
}
