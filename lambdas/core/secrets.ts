// Secrets never travel as values: not in a profile, not in a change request, not as a host-command parameter (SSM
// keeps command parameters in its history, shows them in the console and sends them in status events). A URL that
// carries a password (scheme://user:password@host) is refused wherever a URL is accepted, with what to do instead.

/** `scheme://user:password@…`; a user name alone (`postgresql://kis_user@host`) is not a secret. */
const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^/?#@\s:]*:[^/?#@\s]*@/i;

export const PASSWORD_IN_URL_MESSAGE = 'a URL must not carry a password (user:password@): store the secret as a SecureString in Parameter Store under /runbook/<environment>/ and give that parameter\'s name instead';

/** True when some URL in the text carries a password. */
export function hasPasswordInUrl(text: string): boolean {
  return URL_WITH_PASSWORD.test(text);
}
