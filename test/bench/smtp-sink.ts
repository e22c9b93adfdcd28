// A counting SMTP sink for the fan-out measurement: a real SMTP server (smtp-server) in the bench
// process that Konto's pooled nodemailer transport delivers to over TCP, like to any relay. Unlike
// test/support/mailbox.ts it does not parse the messages (tens of thousands would cost the bench
// process more CPU than Konto's sending): it reads the DATA stream to its end, answers 250 and
// counts the envelope recipients.

import { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export class SmtpSink {
  /** Messages answered with 250. */
  accepted = 0;
  /** Accepted messages per envelope recipient (lower case). */
  readonly perRecipient = new Map<string, number>();
  /** When the first and the latest message were accepted (Date.now()). */
  firstAt: number | undefined;
  lastAt: number | undefined;
  /** SMTP sessions opened (nodemailer's pool opens a few and renews them every 100 messages). */
  connections = 0;

  private expected: Set<string> | undefined;
  private expectedSeen = 0;
  /** When every expected recipient had a message (Date.now()). */
  allExpectedAt: number | undefined;

  private readonly server: SMTPServer;
  port = 0;

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      disableReverseLookup: true,
      logger: false,
      onConnect: (_session, callback) => {
        this.connections++;
        callback();
      },
      onData: (stream, session, callback) => {
        stream.on("end", () => {
          const now = Date.now();
          this.accepted++;
          this.firstAt ??= now;
          this.lastAt = now;
          for (const { address } of session.envelope.rcptTo) this.count(address.toLowerCase(), now);
          callback();
        });
        stream.resume();
      },
    });
  }

  private count(address: string, now: number): void {
    const seen = this.perRecipient.get(address) ?? 0;
    this.perRecipient.set(address, seen + 1);
    if (seen === 0 && this.expected?.has(address)) {
      this.expectedSeen++;
      if (this.expectedSeen === this.expected.size) this.allExpectedAt = now;
    }
  }

  /** Forgets what was accepted so far (the read benchmark's reminder mails). */
  reset(): void {
    this.accepted = 0;
    this.perRecipient.clear();
    this.firstAt = undefined;
    this.lastAt = undefined;
    this.connections = 0;
    this.expected = undefined;
    this.expectedSeen = 0;
    this.allExpectedAt = undefined;
  }

  /** Starts counting toward `addresses` (lower case): allExpectedAt is set when each has a message. */
  expect(addresses: Set<string>): void {
    this.expected = addresses;
    this.expectedSeen = 0;
    this.allExpectedAt = undefined;
    for (const address of this.perRecipient.keys()) if (addresses.has(address)) this.expectedSeen++;
    if (this.expectedSeen === addresses.size) this.allExpectedAt = Date.now();
  }

  /** Distinct expected recipients that got at least one message. */
  get expectedReached(): number {
    return this.expectedSeen;
  }

  /** Envelope deliveries in all (one per message and recipient). */
  get deliveries(): number {
    let n = 0;
    for (const count of this.perRecipient.values()) n += count;
    return n;
  }

  async start(): Promise<string> {
    // A sender that goes away mid-connection resets it; counted mail is unaffected, so it must not end the bench.
    this.server.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "ECONNRESET") throw error;
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return `smtp://127.0.0.1:${this.port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
