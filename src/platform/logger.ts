import pino, { DestinationStream, Logger, LoggerOptions } from "pino";

export type { Logger };

// Paths that may carry secrets; pino replaces them before a line is written. Messages never
// contain tokens or passwords: services log ids, not payloads.
const REDACT = [
  "password",
  "*.password",
  "token",
  "*.token",
  "accessToken",
  "refreshToken",
  "iban",
  "*.iban",
  "pin",
  "req.headers.authorization",
  "headers.authorization",
  "variables",
];

/**
 * Errors without their SQL: mysql2 sends statements with the values filled in, and a failed
 * statement's values may be personal data or secrets (a PIN, an IBAN). The code stays.
 */
function errorSerializer(error: unknown) {
  const serialized = pino.stdSerializers.err(error as Error) as Record<string, unknown>;
  // The driver's message may quote a value too ("Duplicate entry 'someone@example.com' for key …").
  const ofStatement = Boolean(serialized.sql || serialized.query);
  for (const field of ["parameters", "driverError", "sql", "sqlMessage", "query"]) delete serialized[field];
  if (ofStatement) {
    serialized.message = "SQL statement failed";
    // The stack's first line repeats the message.
    const stack = typeof serialized.stack === "string" ? serialized.stack : "";
    const frames = stack.indexOf("\n    at ");
    serialized.stack = `${String(serialized.type ?? "Error")}: SQL statement failed${frames >= 0 ? stack.slice(frames) : ""}`;
  }
  return serialized;
}

/**
 * Structured JSON logs; human-readable lines (pino-pretty) when stdout is a terminal.
 * `destination` lets tests read what would be written.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    redact: { paths: REDACT, censor: "[redacted]" },
    base: { service: "konto" },
    serializers: { err: errorSerializer },
  };
  if (destination) return pino(options, destination);
  if (process.stdout.isTTY && level !== "silent")
    return pino({ ...options, transport: { target: "pino-pretty", options: { translateTime: "SYS:HH:MM:ss.l" } } });
  return pino(options, bufferedStdout());
}

const LOG_BUFFER_BYTES = 4096;
const LOG_FLUSH_MS = 500;

/**
 * stdout in blocks of 4 KiB instead of a write per line: one line per request made the log a
 * system call per request. What is buffered is written at least every 500 ms, and pino flushes
 * it when the process exits (a SIGKILL loses at most that half second).
 */
function bufferedStdout(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES });
  setInterval(() => destination.flush(), LOG_FLUSH_MS).unref();
  return destination;
}
