// Upstream secrets (SPEC §8): references resolved at start-up, and the credentials the gateway adds.
export {
  decryptSecret,
  encryptSecret,
  generateSecretKey,
  parseSecretKey,
  runSecretCommand,
  SECRET_KEY_ENV,
  type SecretCommandIo,
} from "./encrypt.ts";
export {
  SecretError,
  type SecretErrorCode,
  UpstreamAuthError,
  type UpstreamAuthErrorCode,
} from "./errors.ts";
export { describeSecretRef, resolveSecret, type SecretContext } from "./resolve.ts";
export { createUpstreamAuth, type UpstreamAuth, type UpstreamAuthOptions } from "./upstream-auth.ts";
