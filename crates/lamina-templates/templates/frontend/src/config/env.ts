import { z } from "zod";

// Every VITE_* variable the app reads, validated once at startup. `lamina build` and
// `lamina deploy` set them per stage from lamina.toml ([frontend.env.<stage>]) and the
// stage's Terraform outputs; `npm run dev` on its own falls back to the local defaults.

const optionalUrl = z.preprocess(
  (value) => (value === "" ? undefined : value),
  z.url().optional(),
);

const optionalString = z.preprocess(
  (value) => (value === "" ? undefined : value),
  z.string().optional(),
);

const EnvSchema = z.object({
  // Base URL of the HTTP API; routes are `${API_URL}/<domain>/...`. An empty value means
  // the page's own origin (the API and the app served behind one host).
  API_URL: z
    .union([z.literal(""), z.url()])
    .default("http://127.0.0.1:3000")
    .transform((url) => url.replace(/\/+$/, "")),
  // OIDC issuer (Cognito's or the local one of `lamina dev`) or the hosted-UI base URL.
  AUTH_URL: optionalUrl,
  // Cognito app client id (a public client: PKCE, no secret).
  AUTH_CLIENT_ID: optionalString,
  APP_TITLE: z.string().min(1).default("Lamina app"),
});

export type Env = z.infer<typeof EnvSchema>;

function createEnv(): Env {
  const raw = import.meta.env;
  const parsed = EnvSchema.safeParse({
    API_URL: raw.VITE_API_URL,
    AUTH_URL: raw.VITE_COGNITO_AUTHORITY,
    AUTH_CLIENT_ID: raw.VITE_COGNITO_CLIENT_ID,
    APP_TITLE: raw.VITE_APP_TITLE,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `- VITE_${issue.path.join(".")}: ${issue.message}`)
      .join("\n");
    throw new Error(`Invalid environment variables:\n${problems}`);
  }
  return parsed.data;
}

export const env = createEnv();

// Sign-in needs both the issuer and the client id.
export const authConfigured = env.AUTH_URL !== undefined && env.AUTH_CLIENT_ID !== undefined;
