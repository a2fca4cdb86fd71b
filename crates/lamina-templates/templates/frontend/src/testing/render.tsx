import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import type { AuthContextProps } from "react-oidc-context";
import { createMemoryRouter, RouterProvider } from "react-router";

/** Renders `ui` at `path` with a fresh query client (no retries) and a router. */
export function renderPage(ui: ReactElement, { path = "/" }: { path?: string } = {}) {
  const queryClient = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  });
  const router = createMemoryRouter(
    [
      { path: "*", element: ui },
      { path: "/elsewhere", element: <p>elsewhere</p> },
    ],
    { initialEntries: [path] },
  );
  const result = render(
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return { ...result, router, queryClient };
}

/** A signed-in (or not) `useAuth()` value; only what the app reads is filled in. */
export function fakeAuth(overrides: Partial<AuthContextProps> = {}): AuthContextProps {
  return {
    isLoading: false,
    isAuthenticated: false,
    activeNavigator: undefined,
    error: undefined,
    user: null,
    signinRedirect: async () => {},
    ...overrides,
  } as AuthContextProps;
}

/** A signed-in user with the claims Cognito puts in an ID token. */
export function signedIn(username = "alice", state: unknown = undefined): Partial<AuthContextProps> {
  return {
    isAuthenticated: true,
    user: {
      access_token: "access-token",
      profile: { sub: "sub-1", "cognito:username": username, email: `${username}@example.com` },
      state,
    } as unknown as NonNullable<AuthContextProps["user"]>,
  };
}

/** A JSON response, as the API sends it. */
export function json(status: number, body: unknown, contentType = "application/json"): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": contentType } });
}
