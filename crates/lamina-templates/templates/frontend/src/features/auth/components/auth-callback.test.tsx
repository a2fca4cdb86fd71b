import { screen } from "@testing-library/react";
import { useAuth } from "react-oidc-context";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { AuthCallback } from "@/features/auth/components/auth-callback";
import { fakeAuth, renderPage, signedIn } from "@/testing/render";

vi.mock("react-oidc-context", () => ({ useAuth: vi.fn() }));
const mockedUseAuth = vi.mocked(useAuth);

describe("AuthCallback", () => {
  beforeEach(() => mockedUseAuth.mockReset());

  it("goes back where the sign-in started", async () => {
    mockedUseAuth.mockReturnValue(fakeAuth(signedIn("alice", { returnTo: "/elsewhere" })));
    const { router } = renderPage(<AuthCallback />, { path: "/auth/callback" });
    await vi.waitFor(() => expect(router.state.location.pathname).toBe("/elsewhere"));
  });

  it("never follows a return address off this app", async () => {
    mockedUseAuth.mockReturnValue(fakeAuth(signedIn("alice", { returnTo: "//evil.example/x" })));
    const { router } = renderPage(<AuthCallback />, { path: "/auth/callback" });
    await vi.waitFor(() => expect(router.state.location.pathname).toBe("/"));
  });

  it("shows Cognito's error", () => {
    mockedUseAuth.mockReturnValue(fakeAuth({ error: new Error("invalid_scope") as never }));
    renderPage(<AuthCallback />, { path: "/auth/callback" });
    expect(screen.getByRole("alert").textContent).toContain("invalid_scope");
    expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
  });
});
