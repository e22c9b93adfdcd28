// Konto with tracing compiled out, for the bench's "with and without" runs of tracing when off
// (issues 22 and 25): a copy of dist/ beside it in which src/platform/telemetry.js and
// src/tracing.js are replaced by modules that do nothing, so every call site runs its work
// directly, with no check of whether tracing is on. Everything else is the same build.
import { cpSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const TELEMETRY_STUB = `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SpanKind = { INTERNAL: 0, SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 };
exports.setTelemetryEnabled = () => undefined;
exports.telemetryEnabled = () => false;
exports.activeTraceparent = () => null;
exports.inSpan = (_name, _options, work) => work(undefined);
`;

const TRACING_STUB = `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.stopTracing = async () => undefined;
`;

/**
 * Copies `root`/dist to `root`/dist-without-tracing (the same depth, so node_modules and every
 * path relative to the build resolve as before) with tracing stubbed out; `remove` deletes it.
 */
export function buildWithoutTracing(root: string): { main: string; remove: () => void } {
  const dir = path.join(root, "dist-without-tracing");
  rmSync(dir, { recursive: true, force: true });
  cpSync(path.join(root, "dist"), dir, { recursive: true });
  writeFileSync(path.join(dir, "src/platform/telemetry.js"), TELEMETRY_STUB);
  writeFileSync(path.join(dir, "src/tracing.js"), TRACING_STUB);
  return { main: path.join(dir, "src/main.js"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
