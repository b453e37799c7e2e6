// ASCII codes the hot loops compare bytes and characters with, as a const enum: esbuild writes its
// members as literals, even across modules. Module constants would not do: when bundling, esbuild turns
// every top-level `const` into a `var` (by design), a mutable slot that TurboFan loads and checks at
// every comparison (seen in `--print-opt-code` against callgrind's per-instruction counts).
// biome-ignore lint/suspicious/noConstEnum: inlined by esbuild; the runtime never iterates it
export const enum Ascii {
  Tab = 0x09,
  LineFeed = 0x0a,
  CarriageReturn = 0x0d,
  Space = 0x20,
  Quote = 0x22,
  Percent = 0x25,
  Comma = 0x2c,
  Minus = 0x2d,
  Dot = 0x2e,
  Slash = 0x2f,
  Zero = 0x30,
  Nine = 0x39,
  Colon = 0x3a,
  Semicolon = 0x3b,
  UpperA = 0x41,
  UpperZ = 0x5a,
  OpenBracket = 0x5b,
  Backslash = 0x5c,
  CloseBracket = 0x5d,
  LowerA = 0x61,
  LowerF = 0x66,
  LowerN = 0x6e,
  LowerT = 0x74,
  LowerZ = 0x7a,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
}

/** The bit that tells an ASCII letter's lower case from its upper case. */
// biome-ignore lint/suspicious/noConstEnum: see Ascii
export const enum AsciiBit {
  Case = 0x20,
}
