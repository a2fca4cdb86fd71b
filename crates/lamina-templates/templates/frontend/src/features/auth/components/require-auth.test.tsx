import { screen } from "@testing-library/react";
import { useAuth } from "react-oidc-context";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { RequireAuth } from "@/features/auth/components/require-auth";
import { fakeAuth, renderPage, signedIn } from "@/testing/render";

vi.mock("react-oidc-context", () => ({ useAuth: vi.fn() }));
const mockedUseAuth = vi.mocked(useAuth);

describe("RequireAuth", () => {
  beforeEach(() => mockedUseAuth.mockReset());

  it("shows the page to a signed-in user", () => {
    mockedUseAuth.mockReturnValue(fakeAuth(signedIn()));
    renderPage(
      <RequireAuth>
        <p>secret</p>
      </RequireAuth>,
    );
    expect(screen.getByText("secret")).toBeTruthy();
  });

  it("sends an anonymous user to sign in, keeping the whole location", async () => {
    const signinRedirect = vi.fn(async () => {});
    mockedUseAuth.mockReturnValue(fakeAuth({ signinRedirect }));
    renderPage(
      <RequireAuth>
        <p>secret</p>
      </RequireAuth>,
      { path: "/rides?page=2#r1" },
    );
    expect(screen.queryByText("secret")).toBeNull();
    expect(screen.getByRole("status").textContent).toContain("Signing you in");
    await vi.waitFor(() => expect(signinRedirect).toHaveBeenCalledTimes(1));
    expect(signinRedirect).toHaveBeenCalledWith({ state: { returnTo: "/rides?page=2#r1" } });
  });

  it("waits while the sign-in state loads or a redirect is under way", () => {
    const signinRedirect = vi.fn(async () => {});
    mockedUseAuth.mockReturnValue(fakeAuth({ isLoading: true, signinRedirect }));
    renderPage(
      <RequireAuth>
        <p>secret</p>
      </RequireAuth>,
    );
    expect(signinRedirect).not.toHaveBeenCalled();
    mockedUseAuth.mockReturnValue(fakeAuth({ activeNavigator: "signinRedirect", signinRedirect }));
    expect(signinRedirect).not.toHaveBeenCalled();
  });

  it("shows why sign-in failed instead of looping through the hosted UI", () => {
    const signinRedirect = vi.fn(async () => {});
    mockedUseAuth.mockReturnValue(
      fakeAuth({ error: Object.assign(new Error("redirect_mismatch"), { source: "signinCallback" }) as never, signinRedirect }),
    );
    renderPage(
      <RequireAuth>
        <p>secret</p>
      </RequireAuth>,
    );
    expect(screen.getByRole("alert").textContent).toContain("redirect_mismatch");
    expect(signinRedirect).not.toHaveBeenCalled();
    expect(screen.getByRole("button", { name: "Sign in again" })).toBeTruthy();
  });
});
