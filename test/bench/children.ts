// Child processes of the benchmark (Konto and the floor): start, wait for "listening", ask for
// memory over IPC, stop with SIGTERM (SIGKILL after a grace period).

import { ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";

export interface Child {
  name: string;
  proc: ChildProcess;
  /** The GraphQL endpoint, e.g. http://127.0.0.1:41234/graphql; "" for a child that serves no HTTP (the workers). */
  url: string;
  /** The last lines of stdout and stderr, for error messages. */
  tail: string[];
  /** Log lines at warn level or above (pino level >= 40), and stderr lines. */
  warnings: string[];
}

const TAIL = 200;
const PINO_WARN = 40;
const PINO_INFO = 30;

/** Node's flags for a CPU profile in BENCH_CPU_PROF's directory, written when the process exits; none without it. */
export function cpuProfileFlags(): string[] {
  return process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
}

/**
 * Spawns `node <script>` with an IPC channel and waits for a JSON log line whose msg is `readyMsg`,
 * with the `url` the child listens on when it serves HTTP.
 */
export function startChild(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
  readyMsg: string,
  cwd: string,
  timeoutMs = 60_000,
  nodeFlags: string[] = [],
): Promise<Child> {
  // BENCH_CPU_PROF=<dir>: every Konto child, the read floor and the mail blast (fanout.ts) write a CPU profile there when they exit (open it in Chrome's DevTools).
  // BENCH_HEAP_PROF=<dir>: an allocation profile of every Konto child, written when it stops (allocation-profile.ts).
  const konto = name.startsWith("konto");
  const profile = [
    ...(konto || name === "floor" ? cpuProfileFlags() : []),
    ...(process.env.BENCH_HEAP_PROF && konto ? ["--require", path.join(__dirname, "allocation-profile.js")] : []),
  ];
  const proc = spawn(process.execPath, [...nodeFlags, ...profile, script], { cwd, env, stdio: ["ignore", "pipe", "pipe", "ipc"] });
  const tail: string[] = [];
  const warnings: string[] = [];
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL) tail.shift();
  };

  return new Promise<Child>((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      if (ready) return;
      proc.kill("SIGKILL");
      reject(new Error(`${name} did not start within ${timeoutMs} ms; its output:\n${tail.join("\n")}`));
    }, timeoutMs);

    createInterface({ input: proc.stdout! }).on("line", (line) => {
      remember(line);
      // Konto writes a line per request; parsing each would cost the load generator's process
      // (on the same cores) CPU that the floor, which logs nothing, does not cost it.
      if (ready && line.startsWith(`{"level":${PINO_INFO},`)) return;
      let entry: { msg?: string; url?: string; level?: number } | undefined;
      try {
        entry = JSON.parse(line);
      } catch {
        entry = undefined;
      }
      if (entry && typeof entry.level === "number" && entry.level >= PINO_WARN) warnings.push(line);
      if (!ready && entry?.msg === readyMsg) {
        ready = true;
        clearTimeout(timer);
        resolve({ name, proc, url: typeof entry.url === "string" ? entry.url : "", tail, warnings });
      }
    });
    createInterface({ input: proc.stderr! }).on("line", (line) => {
      remember(`[stderr] ${line}`);
      warnings.push(`[stderr] ${line}`);
    });
    proc.on("error", (error) => {
      clearTimeout(timer);
      if (!ready) reject(error);
    });
    proc.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`${name} exited before listening (code ${code}, signal ${signal}); its output:\n${tail.join("\n")}`));
    });
  });
}

export function isRunning(child: Child): boolean {
  return child.proc.exitCode === null && child.proc.signalCode === null;
}

/** Asks the child for process.memoryUsage() over IPC (src/main.ts answers); after a full GC if asked and the child runs with --expose-gc. */
export async function memoryOf(child: Child, timeoutMs = 5000, afterGc = false): Promise<NodeJS.MemoryUsage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.proc.off("message", onMessage);
      reject(new Error(`${child.name} did not answer "memory" within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: unknown) => {
      const memory = (message as { memory?: NodeJS.MemoryUsage } | null)?.memory;
      if (!memory) return;
      clearTimeout(timer);
      child.proc.off("message", onMessage);
      resolve(memory);
    };
    child.proc.on("message", onMessage);
    child.proc.send(afterGc ? "memory-after-gc" : "memory");
  });
}

/** SIGTERM, then waits for the exit; SIGKILL when it takes longer than `graceMs`. Returns the exit code. */
export async function stopChild(child: Child, graceMs = 15_000): Promise<number | string | null> {
  const { proc } = child;
  if (!isRunning(child)) return proc.exitCode ?? proc.signalCode;
  const exited = once(proc, "exit");
  proc.kill("SIGTERM");
  const timer = setTimeout(() => {
    console.error(`${child.name} did not exit within ${graceMs} ms after SIGTERM; killing it`);
    proc.kill("SIGKILL");
  }, graceMs);
  const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return code ?? signal;
}
