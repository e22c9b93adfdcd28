import assert from "node:assert/strict";
import { test } from "node:test";
import { parseGlobalId, toGlobalId } from "../src/platform/global-id";

// Global ids are part of every client's stored state: the encoding through the reused buffer must
// give exactly base64url("Type:id"), as ids made before it did, whatever was encoded before.
test("a global id is base64url of Type:id, byte for byte, for short, long and non-ASCII texts, one after another", () => {
  const samples: [string, number | string][] = [
    ["Customer", 1],
    ["Contact", 4294967295],
    ["Product", 12],
    ["X".repeat(300), 7],
    ["Käufer", "ßü€"],
    ["A", 1],
  ];
  for (const [type, id] of samples) {
    assert.equal(toGlobalId(type, id), Buffer.from(`${type}:${id}`, "utf8").toString("base64url"), `${type.slice(0, 20)}:${id}`);
  }
  assert.deepEqual(parseGlobalId(toGlobalId("Invoice", 1204)), { type: "Invoice", id: 1204 });
  assert.equal(toGlobalId("Invoice", 1204), "SW52b2ljZToxMjA0");
});
