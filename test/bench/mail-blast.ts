// The fan-out's floor (issue 25, target 6): a raw pooled nodemailer blast of the same maintenance
// notices to the same sink over the same number of SMTP connections. Konto's own transport
// settings (smtpTransport: pool, maxConnections = SMTP_POOL_SIZE, maxMessages) and its template
// (renderMaintenanceNotice, rendered per message as Konto's worker does), but no database, no
// queue, no ledger: the rate the SMTP path allows. Started by fanout.ts as a child, like Konto;
// prints one JSON line with the rate.
//
// Environment: SMTP_URL, SMTP_POOL_SIZE, MAIL_FROM, BLAST_CUSTOMERS (two technical recipients
// each, as fanout.ts seeds them), BLAST_ANNOUNCEMENT (JSON: the announcement's titles, messages
// and window), BLAST_PROVIDER (the provider's name in the footer), BLAST_IN_FLIGHT (messages
// handed to the pool at once).

import { renderMaintenanceNotice } from "../../src/notifications/templates";
import { smtpTransport } from "../../src/notifications/mailer";

const customers = Number(process.env.BLAST_CUSTOMERS ?? 0);
const poolSize = Number(process.env.SMTP_POOL_SIZE ?? 10);
const inFlight = Number(process.env.BLAST_IN_FLIGHT ?? 100);
const from = process.env.MAIL_FROM ?? "Konto <no-reply@konto.localhost>";
const announcement = JSON.parse(process.env.BLAST_ANNOUNCEMENT ?? "{}") as {
  titleDe: string;
  titleEn: string;
  messageDe: string;
  messageEn: string;
  startsAt: string;
  endsAt: string;
};
const providerName = process.env.BLAST_PROVIDER ?? "Konto";

async function main() {
  const transport = smtpTransport(process.env.SMTP_URL!, poolSize);
  const messages: { to: string; i: number }[] = [];
  for (let i = 1; i <= customers; i++) for (const n of [1, 2]) messages.push({ to: `tech${n}@c${i}.fanout.example`, i });
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, messages.length) }, async () => {
      while (next < messages.length) {
        const { to, i } = messages[next++];
        const rendered = renderMaintenanceNotice(
          {
            revision: 1,
            cancelled: false,
            titleDe: announcement.titleDe,
            titleEn: announcement.titleEn,
            messageDe: announcement.messageDe,
            messageEn: announcement.messageEn,
            startsAt: new Date(announcement.startsAt),
            endsAt: new Date(announcement.endsAt),
            products: [{ identifier: `LINE-AT-${String(i).padStart(8, "0")}`, plan: "Business Fiber 300/100" }],
            providerName,
          },
          i % 4 === 0 ? "en" : "de",
        );
        await transport.sendMail({ from, to, ...rendered, messageId: `<blast-${next}@konto-bench.example>` });
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  transport.close();
  console.log(JSON.stringify({ msg: "mail blast", sent: messages.length, seconds, perSecond: messages.length / seconds }));
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
