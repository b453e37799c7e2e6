// A small policy and a scratch workspace shared by the `rrc test` tests.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const digest = (char: string) => `sha256:${char.repeat(64)}`;

/** Four rules: a target deny, two proxy allows (one limited to alice) and a proxy deny. */
export const SMALL_POLICY = {
  targets: [
    {
      id: "api",
      url: "http://127.0.0.1:9",
      rules: [{ id: "no-secrets", effect: "deny", path: "^/secrets" }],
    },
  ],
  targetCredentials: [
    { id: "api-key", target: "api", auth: { type: "bearer", secret: { env: "API_TOKEN" } } },
  ],
  proxyCredentials: [
    { id: "alice", auth: { type: "apiKey", keys: [digest("a")] } },
    { id: "bob", auth: { type: "apiKey", keys: [digest("b")] } },
  ],
  proxies: [
    {
      id: "shop",
      target: "api",
      targetCredential: "api-key",
      credentials: ["alice", "bob"],
      default: "deny",
      rules: [
        { id: "read", effect: "allow", methods: ["GET"], path: "^/items" },
        { id: "write", effect: "allow", methods: ["POST"], path: "^/items$", credentials: ["alice"] },
        { id: "no-debug", effect: "deny", query: [{ name: "debug" }] },
      ],
    },
  ],
};

export interface Workspace {
  readonly root: string;
  /** Writes a file under the workspace (creating folders) and returns its path. */
  write(path: string, content: unknown): string;
  dispose(): void;
}

export function workspace(prefix: string): Workspace {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return {
    root,
    write(path, content) {
      const file = join(root, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, typeof content === "string" ? content : `${JSON.stringify(content, null, 2)}\n`);
      return file;
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

export const request = (method: string, path: string, extra: object = {}) => ({
  proxy: "shop",
  credential: "alice",
  method,
  path,
  ...extra,
});
