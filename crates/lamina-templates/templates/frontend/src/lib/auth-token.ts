// The current access token, kept in memory only (never localStorage). The OIDC code + PKCE
// flow that fills it comes in a later version of this template; until then it stays null
// and requests go out without an Authorization header.

let accessToken: string | null = null;

export function getAccessToken(): string | null {
  return accessToken;
}

export function setAccessToken(token: string | null): void {
  accessToken = token;
}
