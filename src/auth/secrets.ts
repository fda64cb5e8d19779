// Opaque secrets (refresh tokens, API keys, one-time links): random, shown once, stored as a SHA-256 hash. They carry
// 256 bits of entropy, so a fast hash is enough (argon2 is for low-entropy passwords).
import { createHash, randomBytes } from 'node:crypto';

export const newSecret = (): string => randomBytes(32).toString('base64url');
export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');
