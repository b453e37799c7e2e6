// Copy-on-write rebuilding of JSON containers. Filters never mutate their input: a container is copied only
// when one of its children changes, and unchanged subtrees are shared with the input.

/** Returned by a rebuild callback to leave a child out. */
export const DROP: unique symbol = Symbol("drop");

const OBJECT_PROTO = Object.prototype;

/**
 * Sets an own enumerable property. Plain assignment would call the `__proto__` setter (changing the
 * prototype) or throw on a key that a frozen Object.prototype holds; defineProperty does neither.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key in OBJECT_PROTO) {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else target[key] = value;
}

export function isContainer(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}

/** `node` itself when `each` returns every child unchanged, else a new array without the DROPped children. */
export function rebuildArray(
  node: readonly unknown[],
  each: (child: unknown, index: number) => unknown | typeof DROP,
): readonly unknown[] {
  let out: unknown[] | undefined;
  for (let index = 0; index < node.length; index++) {
    const child = node[index];
    const next = each(child, index);
    if (out !== undefined) {
      if (next !== DROP) out.push(next);
    } else if (next !== child) {
      out = node.slice(0, index);
      if (next !== DROP) out.push(next);
    }
  }
  return out ?? node;
}

/** Like rebuildArray for a (non-array) object: same own keys in the same order, less the DROPped ones. */
export function rebuildObject(
  node: Readonly<Record<string, unknown>>,
  each: (child: unknown, key: string) => unknown | typeof DROP,
): Readonly<Record<string, unknown>> {
  const keys = Object.keys(node);
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const child = node[key];
    const next = each(child, key);
    if (out !== undefined) {
      if (next !== DROP) setOwn(out, key, next);
    } else if (next !== child) {
      out = {};
      for (let j = 0; j < i; j++) setOwn(out, keys[j]!, node[keys[j]!]);
      if (next !== DROP) setOwn(out, key, next);
    }
  }
  return out ?? node;
}
