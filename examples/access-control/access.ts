// Access levels, and the rule generator that turns an access table into proxy rules.
// Imported by policy.ts; it is a helper, not a policy of its own.
import { allow, deny, type Rule } from "rrc";

/** What a caller may do on one proxy. `+admin` adds the admin API; nothing else does. */
export type Access = "read" | "readwrite" | "read+admin" | "readwrite+admin";

/** proxy id → proxy credential id → access. */
export type AccessTable = Readonly<Record<string, Readonly<Record<string, Access>>>>;

export const USERS_PATH = "^/api/users(/.*)?$";
export const EVENTS_PATH = "^/api/events(/.*)?$";
export const ADMIN_PATH = "^/api/admin(/.*)?$";

const canRead = (access: Access) => access.startsWith("read");
const canWrite = (access: Access) => access.startsWith("readwrite");
const isAdmin = (access: Access) => access.endsWith("+admin");

/** The credentials a proxy accepts: the table's callers for it, then any extra ones. */
export function acceptedCredentials(
  table: AccessTable,
  proxy: string,
  extra: readonly string[] = [],
): string[] {
  return [...Object.keys(table[proxy] ?? {}), ...extra];
}

/**
 * The proxy-scope rules for one proxy, one rule per kind of access, each limited with
 * `credentials` to the callers that hold it. The admin denial names every accepted
 * credential *without* admin access (`extra` callers included): deny wins within a scope,
 * so a denial that also matched admins would lock them out of the admin API.
 */
export function accessRules(table: AccessTable, proxy: string, extra: readonly string[] = []): Rule[] {
  const grants = Object.entries(table[proxy] ?? {});
  const holders = (test: (access: Access) => boolean) =>
    grants.filter(([, access]) => test(access)).map(([id]) => id);
  const readers = holders(canRead);
  const writers = holders(canWrite);
  const admins = holders(isAdmin);
  const others = acceptedCredentials(table, proxy, extra).filter((id) => !admins.includes(id));

  const rules: Rule[] = [];
  if (readers.length > 0) {
    rules.push(allow("read-users", { methods: ["GET"], path: USERS_PATH, credentials: readers }));
  }
  if (writers.length > 0) {
    rules.push(allow("write-events", { methods: ["POST"], path: EVENTS_PATH, credentials: writers }));
  }
  if (admins.length > 0) {
    rules.push(
      allow("admin-api", {
        path: ADMIN_PATH,
        credentials: admins,
        notes: "admin access: any method on the admin API",
      }),
    );
  }
  if (others.length > 0) {
    rules.push(
      deny("no-admin", {
        priority: 900,
        path: ADMIN_PATH,
        credentials: others,
        notes: "the admin API is for admin callers only",
      }),
    );
  }
  return rules;
}
