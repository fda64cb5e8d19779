// What a password must be: long enough to resist guessing, short enough not to be a denial-of-service lever on argon2,
// and not the e-mail itself. Length over composition rules (NIST SP 800-63B).
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export function passwordProblem(password: string, email?: string): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (/^(.)\1*$/u.test(password)) return 'must not repeat a single character';
  if (email && password.trim().toLowerCase() === email.trim().toLowerCase()) return 'must not be the e-mail address';
  return undefined;
}
