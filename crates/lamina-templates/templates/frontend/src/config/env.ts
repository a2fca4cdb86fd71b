// Every VITE_* variable the app reads, checked once at start-up. `lamina dev` (for Vite) and
// `lamina deploy` (for each stage's build) write them from lamina.toml and the stack's outputs, in
// the same shape; nobody edits them by hand. A missing or malformed value stops the app with a
// message that names it (see main.tsx), instead of a sign-in that fails somewhere later.

export type Env = {
  // Base URL of the HTTP API, without a trailing slash; "" is the page's own origin.
  API_URL: string;
  // OIDC issuer: https://cognito-idp.<region>.amazonaws.com/<pool id>, or the local Cognito's.
  COGNITO_AUTHORITY: string;
  // The SPA app client: public, code grant with PKCE, no secret.
  COGNITO_CLIENT_ID: string;
  // The hosted UI's base URL: /logout and /oauth2/revoke live there, not in the discovery document.
  COGNITO_DOMAIN: string;
  // Space-separated scopes to ask for.
  COGNITO_SCOPES: string;
  // Where Cognito sends the browser back after sign-in and after sign-out. Each must be one of the
  // app client's callback / sign-out URLs (lamina.toml `auth.urls.<stage>`; a deployed stage's own
  // URL is added by its Terraform).
  REDIRECT_URI: string;
  LOGOUT_URI: string;
  APP_TITLE: string;
  STAGE: string;
};

export type EnvResult = { ok: true; env: Env } | { ok: false; problems: string[] };

type Raw = Partial<Record<keyof ImportMetaEnv, string | undefined>>;

const WHO_SETS =
  "`lamina dev` sets it for Vite and `lamina deploy` for each stage; to run `npm run dev` alone, put it in .env.local (see .env.example)";

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

const trimSlash = (url: string) => url.replace(/\/+$/, "");

/** Checks `raw` (import.meta.env) and fills in the defaults; `origin` is the page's. */
export function parseEnv(raw: Raw, origin: string): EnvResult {
  const problems: string[] = [];
  const text = (name: keyof ImportMetaEnv): string | undefined => {
    const value = raw[name];
    return typeof value === "string" ? value.trim() : undefined;
  };
  const required = (name: keyof ImportMetaEnv, what: string, url: boolean): string => {
    const value = text(name);
    if (value === undefined || value === "") {
      problems.push(`${name} is missing: ${what}. ${WHO_SETS}.`);
      return "";
    }
    if (url && !isHttpUrl(value)) {
      problems.push(`${name} is not an http(s) URL: "${value}" (${what}).`);
      return "";
    }
    return trimSlash(value);
  };
  const optionalUrl = (name: keyof ImportMetaEnv, fallback: string): string => {
    const value = text(name);
    if (value === undefined || value === "") return fallback;
    if (!isHttpUrl(value)) problems.push(`${name} is not an http(s) URL: "${value}".`);
    return value;
  };

  // The API URL may be empty (same origin), but it must be said.
  const apiUrl = text("VITE_API_URL");
  if (apiUrl === undefined) {
    problems.push(`VITE_API_URL is missing: the HTTP API's base URL ("" for this origin). ${WHO_SETS}.`);
  } else if (apiUrl !== "" && !isHttpUrl(apiUrl)) {
    problems.push(`VITE_API_URL is not an http(s) URL: "${apiUrl}".`);
  }
  const env: Env = {
    API_URL: trimSlash(apiUrl ?? ""),
    COGNITO_AUTHORITY: required("VITE_COGNITO_AUTHORITY", "the user pool's OIDC issuer", true),
    COGNITO_CLIENT_ID: required("VITE_COGNITO_CLIENT_ID", "the Cognito app client id", false),
    COGNITO_DOMAIN: required("VITE_COGNITO_DOMAIN", "the hosted UI's base URL", true),
    COGNITO_SCOPES: text("VITE_COGNITO_SCOPES") || "openid email profile",
    REDIRECT_URI: optionalUrl("VITE_COGNITO_REDIRECT_URI", `${origin}/auth/callback`),
    LOGOUT_URI: optionalUrl("VITE_COGNITO_LOGOUT_URI", `${origin}/`),
    APP_TITLE: text("VITE_APP_TITLE") || "App",
    STAGE: text("VITE_STAGE") || "",
  };
  if (!env.COGNITO_SCOPES.split(/\s+/).includes("openid")) {
    problems.push(`VITE_COGNITO_SCOPES must include "openid" (it is "${env.COGNITO_SCOPES}").`);
  }
  return problems.length === 0 ? { ok: true, env } : { ok: false, problems };
}

export const envResult = parseEnv(import.meta.env, window.location.origin);

// Read by modules at render time only: main.tsx renders the app only when the env is valid.
export const env: Env = envResult.ok
  ? envResult.env
  : {
      API_URL: "",
      COGNITO_AUTHORITY: "",
      COGNITO_CLIENT_ID: "",
      COGNITO_DOMAIN: "",
      COGNITO_SCOPES: "",
      REDIRECT_URI: "",
      LOGOUT_URI: "",
      APP_TITLE: "App",
      STAGE: "",
    };
