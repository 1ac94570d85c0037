import { basicCredential } from '../git/remote.js';

/**
 * Removes a secret from text before it is shown anywhere: the token itself, the base64 forms
 * git sends it in, and user:password parts of URLs. Every line the PR bot writes (stdout,
 * stderr, error messages, PR comments) goes through one of these.
 */
export class Redactor {
  private readonly secrets: string[];

  constructor(token: string | undefined) {
    const secrets = new Set<string>();
    if (token) {
      secrets.add(token);
      secrets.add(basicCredential(token));
      secrets.add(Buffer.from(token, 'utf8').toString('base64'));
      secrets.add(encodeURIComponent(token));
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('***');
    return out.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
  }
}
