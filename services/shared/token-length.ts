// The shortest internal token either service accepts, from INTERNAL_TOKEN or
// the secret. A module of its own, importing nothing, so the config schema
// and the token reader both use it without importing each other.
export const MIN_TOKEN_LENGTH = 16;
