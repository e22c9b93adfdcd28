import pino, { Logger } from "pino";

export type { Logger };

// Paths that may carry secrets; pino replaces them before a line is written.
const REDACT = [
  "password",
  "*.password",
  "token",
  "*.token",
  "req.headers.authorization",
  "headers.authorization",
  "variables.password",
  "variables.input.password",
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACT, censor: "[redacted]" }, base: { service: "konto" } });
}
