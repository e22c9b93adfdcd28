import { Mailbox } from "./mailbox";

/**
 * `npm run mail-sink`: a local SMTP server on 127.0.0.1:1025 that prints every email it receives,
 * for trying Konto's emails without a real relay (start Konto with SMTP_URL=smtp://127.0.0.1:1025).
 */
async function main() {
  const port = Number(process.env.MAIL_SINK_PORT ?? 1025);
  const mailbox = new Mailbox();
  const seen = () => mailbox.messages.length;
  await mailbox.start(port);
  console.log(`mail sink listening on smtp://127.0.0.1:${mailbox.port}; Ctrl-C to stop`);
  let printed = 0;
  setInterval(() => {
    for (; printed < seen(); printed++) {
      const { envelopeTo, parsed } = mailbox.messages[printed];
      console.log(`\n--- mail ${printed + 1} to ${envelopeTo.join(", ")}: ${parsed.subject}\n${parsed.text?.trim() ?? ""}`);
    }
  }, 200);
  process.on("SIGINT", () => void mailbox.stop().then(() => process.exit(0)));
}

void main();
