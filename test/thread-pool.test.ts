import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";

const DIST = join(__dirname, "..");
const MODULE = join(DIST, "src", "platform", "thread-pool.js");

/** What a fresh process prints after loading the module and running `script`, with this environment. */
function outputOf(script: string, env: NodeJS.ProcessEnv): string {
  const { UV_THREADPOOL_SIZE: _inherited, ...base } = process.env;
  const child = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(MODULE)}); ${script}`], {
    env: { ...base, ...env },
    encoding: "utf8",
  });
  assert.equal(child.status, 0, child.stderr);
  return child.stdout.trim();
}

/** UV_THREADPOOL_SIZE as a fresh process sees it after loading the module, with this environment. */
const sizeIn = (env: NodeJS.ProcessEnv) => outputOf("console.log(process.env.UV_THREADPOOL_SIZE)", env);

describe("libuv's thread pool (password hashing runs on it)", () => {
  test("is one thread per core, at least libuv's default of 4", () => {
    assert.equal(sizeIn({}), String(Math.max(4, os.availableParallelism())));
  });

  test("an operator's UV_THREADPOOL_SIZE wins", () => {
    assert.equal(sizeIn({ UV_THREADPOOL_SIZE: "3" }), "3");
  });

  test("hashes at idle priority: its threads are SCHED_IDLE (nice 19 without chrt), the event loop's thread is untouched", () => {
    // Each thread's scheduling policy and nice value, from /proc (fields 41 and 19 of its stat).
    const script = `
      require(${JSON.stringify(MODULE)}).poolPriority.then((priority) => {
        const { readdirSync, readFileSync } = require("node:fs");
        const threads = readdirSync("/proc/self/task").map((tid) => {
          const fields = readFileSync("/proc/self/task/" + tid + "/stat", "utf8").split(") ")[1].split(" ");
          return { tid: Number(tid), nice: Number(fields[16]), policy: Number(fields[38]) };
        });
        console.log(JSON.stringify({ pid: process.pid, priority, threads }));
      });`;
    const { pid, priority, threads } = JSON.parse(outputOf(script, { UV_THREADPOOL_SIZE: "3" })) as {
      pid: number;
      priority: string;
      threads: { tid: number; nice: number; policy: number }[];
    };
    const SCHED_IDLE = 5;
    const lowered = threads.filter((t) => t.policy === SCHED_IDLE || t.nice === 19);
    assert.equal(priority, spawnSync("chrt", ["--version"]).status === 0 ? "idle" : "nice 19");
    assert.equal(lowered.length, 3, `three pool threads lowered: ${JSON.stringify(threads)}`);
    const main = threads.find((t) => t.tid === pid);
    assert.deepEqual(main && { nice: main.nice, policy: main.policy }, { nice: 0, policy: 0 }, "the event loop keeps its priority");
  });

  test("is sized by the first import of both entry points, before anything can start the pool", () => {
    for (const entry of ["src/main.js", "workers/index.js"]) {
      const firstRequire = /require\("([^"]+)"\)/.exec(readFileSync(join(DIST, entry), "utf8"))?.[1];
      assert.match(firstRequire ?? "", /platform\/thread-pool$/, `${entry} loads ${firstRequire} first`);
    }
  });
});
