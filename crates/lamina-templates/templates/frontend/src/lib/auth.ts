import {
  ErrorResponse,
  InMemoryWebStorage,
  UserManager,
  WebStorageStateStore,
  type User,
} from "oidc-client-ts";

import { env } from "@/config/env";

// Sign-in with Cognito's hosted UI (or the local Cognito of `lamina dev`, which behaves the same):
// OIDC authorization code + PKCE through oidc-client-ts, a maintained, certified client.
//
// * Tokens live in memory only, never in localStorage or sessionStorage, out of reach of a script
//   that reads storage. A reload or a new tab signs in again through the hosted UI, whose own
//   session cookie makes that one round trip without a password while it lasts.
// * Only a sign-in in progress (PKCE verifier, nonce, where to return) sits in sessionStorage: it
//   must survive the trip to Cognito and back, and it is useless without the code Cognito returns.
// * Renewal uses the refresh token (Cognito has no `prompt=none` and no session iframe). With
//   rotation on, each refresh returns a new refresh token and the old one stops working.

/** What a sign-in carries through the hosted UI: where to go afterwards. */
export type SignInState = { returnTo: string };

let manager: UserManager | undefined;

export function userManager(): UserManager {
  manager ??= new UserManager({
    authority: env.COGNITO_AUTHORITY,
    client_id: env.COGNITO_CLIENT_ID,
    redirect_uri: env.REDIRECT_URI,
    post_logout_redirect_uri: env.LOGOUT_URI,
    response_type: "code",
    scope: env.COGNITO_SCOPES,
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
    // Renewal is ours (see `renew`): one refresh at a time, however many callers ask. Two refreshes
    // racing with one rotating refresh token would make the second fail and end the session.
    automaticSilentRenew: false,
    monitorSession: false,
    loadUserInfo: false,
    // Cognito's discovery document names neither; both live on the hosted UI's domain.
    metadataSeed: {
      end_session_endpoint: `${env.COGNITO_DOMAIN}/logout`,
      revocation_endpoint: `${env.COGNITO_DOMAIN}/oauth2/revoke`,
    },
  });
  return manager;
}

/** Only paths of this app, so a crafted `state` cannot send the browser elsewhere. */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//")) return "/";
  if (value.startsWith("/auth/callback")) return "/";
  return value;
}

export function currentLocation(): string {
  const { pathname, search, hash } = window.location;
  return `${pathname}${search}${hash}`;
}

/** To the hosted UI; back at `returnTo` once signed in. */
export function signIn(returnTo: string = currentLocation()): Promise<void> {
  const state: SignInState = { returnTo: safeReturnTo(returnTo) };
  return userManager().signinRedirect({ state });
}

/**
 * Revokes the refresh token (Cognito's /logout ends the hosted UI's session but leaves refresh
 * tokens valid), then ends that session through /logout, which sends the browser back to
 * LOGOUT_URI. The tokens live in this page's memory, so leaving the page forgets them; forgetting
 * them first would let a protected page start a new sign-in before the browser is gone.
 */
export async function signOut(): Promise<void> {
  try {
    await userManager().revokeTokens(["refresh_token"]);
  } catch (error) {
    console.warn("could not revoke the refresh token", error);
  }
  const logout = new URL(`${env.COGNITO_DOMAIN}/logout`);
  logout.searchParams.set("client_id", env.COGNITO_CLIENT_ID);
  logout.searchParams.set("logout_uri", env.LOGOUT_URI);
  window.location.assign(logout.toString());
}

let renewing: Promise<User | null> | null = null;

/**
 * New tokens from the refresh token: one refresh at a time, however many callers ask (the expiry
 * timer, requests). Null when it failed. Cognito refusing the refresh token (revoked, expired, or
 * rotated away) ends the session: the user is forgotten, so protected pages send them to sign in.
 * Any other failure (offline) keeps the user; the next request tries again.
 */
export function renew(): Promise<User | null> {
  renewing ??= userManager()
    .signinSilent()
    .catch(async (error: unknown) => {
      console.warn("token renewal failed", error);
      if (isRefreshRefused(error)) await userManager().removeUser();
      return null;
    })
    .finally(() => {
      renewing = null;
    });
  return renewing;
}

/** Renew this many seconds before the access token expires, so no request carries a dying one. */
const RENEW_AHEAD_SECONDS = 30;

/**
 * The access token to send, renewed first when it is (about to be) expired: timers do not run
 * while a laptop sleeps, so the renewal timer alone cannot be trusted.
 */
export async function accessToken(): Promise<string | null> {
  const user = await userManager().getUser();
  if (user === null) return null;
  const left = user.expires_in;
  if (left !== undefined && left <= RENEW_AHEAD_SECONDS) {
    const renewed = await renew();
    return renewed?.access_token ?? null;
  }
  return user.access_token;
}

/**
 * The API refused the token even after a renewal: to sign-in, and back to where the user was.
 * Leaving the page forgets the refused tokens.
 */
export function signInAgain(): Promise<void> {
  return signIn(currentLocation());
}

/** Cognito's answer when the refresh token was revoked, expired or already rotated. */
export function isRefreshRefused(error: unknown): boolean {
  return error instanceof ErrorResponse && error.error === "invalid_grant";
}
