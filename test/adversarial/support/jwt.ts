// Hand-made compact JWS tokens (RFC 7515), so that headers jose refuses to produce
// (`alg: none`, unknown `crit`, HS signed with a public key) can be sent anyway.
import { createHmac, createSign, type KeyObject } from "node:crypto";

const b64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

export function unsignedParts(header: object, payload: object): string {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
}

export function signRs256(header: object, payload: object, key: KeyObject): string {
  const input = unsignedParts({ alg: "RS256", ...header }, payload);
  const signature = createSign("RSA-SHA256").update(input).sign(key);
  return `${input}.${b64url(signature)}`;
}

export function signHs256(header: object, payload: object, secret: string | Buffer): string {
  const input = unsignedParts({ alg: "HS256", ...header }, payload);
  return `${input}.${b64url(createHmac("sha256", secret).update(input).digest())}`;
}

export function algNone(payload: object, alg = "none"): string {
  return `${unsignedParts({ alg, typ: "JWT" }, payload)}.`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
