import createClient, { type Client, type Middleware } from "openapi-fetch";

import type { paths } from "@/api/schema";
import { env } from "@/config/env";
import { accessToken, renew, signInAgain } from "@/lib/auth";
import { ApiError, toProblem, unreachable } from "@/lib/problem";

// The one client of every domain's API: openapi-fetch typed by `src/api/schema.d.ts`, which
// `lamina openapi` generates from the merged OpenAPI document (and `lamina dev` keeps current).
// Paths, parameters, bodies and responses are checked by `tsc`: a renamed route is a type error.
//
// Its middleware sends the bearer token, and on a 401 renews the token once and retries; when
// that fails too, the user is sent to sign in and comes back to the same page.

export type ApiClient = Client<paths>;

type Auth = {
  accessToken: () => Promise<string | null>;
  renew: () => Promise<{ access_token: string } | null>;
  signInAgain: () => Promise<void>;
};

export function authMiddleware(auth: Auth, fetchImpl: () => typeof fetch): Middleware {
  // A copy of each request as sent, to replay it once after a renewal (its body is spent).
  const sent = new Map<string, Request>();
  return {
    async onRequest({ request, id }) {
      const token = await auth.accessToken();
      if (token !== null) request.headers.set("Authorization", `Bearer ${token}`);
      sent.set(id, request.clone());
      return request;
    },
    async onResponse({ response, id }) {
      const original = sent.get(id);
      sent.delete(id);
      if (response.status !== 401 || original === undefined) return response;
      const user = await auth.renew();
      if (user !== null) {
        const retry = new Request(original);
        retry.headers.set("Authorization", `Bearer ${user.access_token}`);
        const again = await fetchImpl()(retry);
        if (again.status !== 401) return again;
      }
      await auth.signInAgain();
      return response;
    },
    onError({ id }) {
      sent.delete(id);
    },
  };
}

export function createApiClient(
  baseUrl: string = env.API_URL,
  auth: Auth = { accessToken, renew, signInAgain },
): ApiClient {
  // Looked up on each call, so tests can replace `fetch`.
  const fetchImpl = () => globalThis.fetch;
  const client = createClient<paths>({ baseUrl, fetch: (request) => fetchImpl()(request) });
  client.use(authMiddleware(auth, fetchImpl));
  return client;
}

export const api = createApiClient();

type Result<T> = { data?: T; error?: unknown; response: Response };

/** The data of a successful call, or an `ApiError` with the problem details of a failed one. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await call;
  } catch (error) {
    throw unreachable(env.API_URL || window.location.origin, error);
  }
  const { data, error, response } = result;
  if (!response.ok || error !== undefined) {
    throw new ApiError(toProblem(response.status, response.statusText, error));
  }
  return data as T;
}
