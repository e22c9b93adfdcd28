// Finding the first difference between Konto's and the floor's answers, including key order
// (the floor must return the same bytes, and JSON key order is part of the bytes).

const show = (value: unknown): string => {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 200 ? `${text.slice(0, 200)}…` : text;
};

/** A description of the first place where `konto` and `floor` differ, or undefined when equal. */
export function firstDifference(konto: unknown, floor: unknown, path = "$"): string | undefined {
  if (konto === floor) return undefined;
  const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
  if (kind(konto) !== kind(floor)) return `${path}: konto ${show(konto)} vs floor ${show(floor)}`;
  if (Array.isArray(konto) && Array.isArray(floor)) {
    for (let i = 0; i < Math.min(konto.length, floor.length); i++) {
      const diff = firstDifference(konto[i], floor[i], `${path}[${i}]`);
      if (diff) return diff;
    }
    return konto.length === floor.length ? undefined : `${path}: konto has ${konto.length} items, floor ${floor.length}`;
  }
  if (kind(konto) === "object") {
    const a = konto as Record<string, unknown>;
    const b = floor as Record<string, unknown>;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    const missing = ka.filter((k) => !(k in b));
    const extra = kb.filter((k) => !(k in a));
    if (missing.length || extra.length) {
      return `${path}: keys only in konto [${missing.join(", ")}], only in floor [${extra.join(", ")}]`;
    }
    for (const key of ka) {
      const diff = firstDifference(a[key], b[key], `${path}.${key}`);
      if (diff) return diff;
    }
    if (ka.join() !== kb.join()) return `${path}: key order differs: konto [${ka.join(", ")}] vs floor [${kb.join(", ")}]`;
    return undefined;
  }
  return `${path}: konto ${show(konto)} vs floor ${show(floor)}`;
}

/** Where two texts first differ, with some context. */
export function firstTextDifference(konto: string, floor: string): string | undefined {
  if (konto === floor) return undefined;
  let i = 0;
  while (i < konto.length && i < floor.length && konto[i] === floor[i]) i++;
  const around = (text: string) => JSON.stringify(text.slice(Math.max(0, i - 60), i + 60));
  return `offset ${i} (lengths ${konto.length} and ${floor.length}): konto ${around(konto)} vs floor ${around(floor)}`;
}
