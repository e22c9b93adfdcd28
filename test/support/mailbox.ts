import { AddressInfo } from "node:net";
import { ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  envelopeTo: string[];
  /** MAIL FROM: tells which sender (e.g. which worker process, by its MAIL_FROM) sent it. */
  envelopeFrom: string;
  /** The SMTP connection it came over. */
  sessionId: string;
  /** When it was accepted (Date.now()). */
  receivedAt: number;
  parsed: ParsedMail;
}

/** A transaction whose connection closed after RCPT TO but before the message was accepted. */
export interface InterruptedMail {
  envelopeTo: string[];
  envelopeFrom: string;
  sessionId: string;
  at: number;
}

/** A real SMTP server in the test process: Konto delivers to it over TCP like to any relay. */
export class Mailbox {
  readonly messages: ReceivedMail[] = [];
  /** Messages cut off by their sender going away (e.g. a killed process) before they were accepted. */
  readonly interrupted: InterruptedMail[] = [];
  private server: SMTPServer;
  private waiters: (() => void)[] = [];
  port = 0;

  private closedSessions = new Set<string>();
  /** Called when a message's data has arrived, before it is accepted. */
  onDataReceived?: () => void;
  /** Recipients this server answers 550 (no such mailbox), like a real relay for an unknown address. */
  readonly rejectRecipients = new Set<string>();
  /** Recipients answered 451 (try again later) for now. */
  readonly deferRecipients = new Set<string>();

  /**
   * `acceptDelayMs` holds each message this long before answering 250, like a slow relay; a
   * message whose sender disconnects meanwhile was never accepted and is not kept.
   */
  constructor(private readonly acceptDelayMs = 0) {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        const to = address.address.toLowerCase();
        if (this.rejectRecipients.has(to)) return callback(Object.assign(new Error("5.1.1 No such user"), { responseCode: 550 }));
        if (this.deferRecipients.has(to))
          return callback(Object.assign(new Error("4.2.0 Mailbox busy, try again later"), { responseCode: 451 }));
        callback();
      },
      onClose: (session) => {
        this.closedSessions.add(session.id);
        const { mailFrom, rcptTo } = session.envelope;
        if (rcptTo.length) {
          this.interrupted.push({
            envelopeTo: rcptTo.map((r) => r.address),
            envelopeFrom: mailFrom ? mailFrom.address : "",
            sessionId: session.id,
            at: Date.now(),
          });
        }
      },
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then(async (parsed) => {
            this.onDataReceived?.();
            if (this.acceptDelayMs) await new Promise((r) => setTimeout(r, this.acceptDelayMs));
            if (this.closedSessions.has(session.id)) return callback(new Error("sender went away"));
            const { mailFrom, rcptTo } = session.envelope;
            this.messages.push({
              envelopeTo: rcptTo.map((r) => r.address),
              envelopeFrom: mailFrom ? mailFrom.address : "",
              sessionId: session.id,
              receivedAt: Date.now(),
              parsed,
            });
            this.waiters.splice(0).forEach((wake) => wake());
            callback();
          })
          .catch(callback);
      },
    });
  }

  async start(port = 0): Promise<string> {
    // A sender that dies mid-message (the SIGKILL test) resets its connection; that is expected
    // here, and without a listener the server's "error" event would end the test process.
    this.server.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "ECONNRESET") throw error;
    });
    await new Promise<void>((resolve) => this.server.listen(port, "127.0.0.1", resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return `smtp://127.0.0.1:${this.port}`;
  }

  to(address: string): ReceivedMail[] {
    return this.messages.filter((m) => m.envelopeTo.includes(address));
  }

  /** Resolves once `count` messages match, or rejects after `timeoutMs`. */
  async waitFor(predicate: (m: ReceivedMail) => boolean, count = 1, timeoutMs = 15_000): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.filter(predicate);
      if (found.length >= count) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} matching mail(s), got ${found.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
