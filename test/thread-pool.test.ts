import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";

const DIST = join(__dirname, "..");
const MODULE = join(DIST, "src", "platform", "thread-pool.js");

/** UV_THREADPOOL_SIZE as a fresh process sees it after loading the module, with this environment. */
function sizeIn(env: NodeJS.ProcessEnv): string {
  const { UV_THREADPOOL_SIZE: _inherited, ...base } = process.env;
  const child = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(MODULE)}); console.log(process.env.UV_THREADPOOL_SIZE)`], {
    env: { ...base, ...env },
    encoding: "utf8",
  });
  assert.equal(child.status, 0, child.stderr);
  return child.stdout.trim();
}

describe("libuv's thread pool (password hashing runs on it)", () => {
  test("is one thread per core, at least libuv's default of 4", () => {
    assert.equal(sizeIn({}), String(Math.max(4, os.availableParallelism())));
  });

  test("an operator's UV_THREADPOOL_SIZE wins", () => {
    assert.equal(sizeIn({ UV_THREADPOOL_SIZE: "3" }), "3");
  });

  test("is sized by the first import of both entry points, before anything can start the pool", () => {
    for (const entry of ["src/main.js", "workers/index.js"]) {
      const firstRequire = /require\("([^"]+)"\)/.exec(readFileSync(join(DIST, entry), "utf8"))?.[1];
      assert.match(firstRequire ?? "", /platform\/thread-pool$/, `${entry} loads ${firstRequire} first`);
    }
  });
});
