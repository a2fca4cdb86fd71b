import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useAuth } from "react-oidc-context";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { displayName, UserMenu } from "@/features/auth/components/user-menu";
import { signOut } from "@/lib/auth";
import { fakeAuth, renderPage, signedIn } from "@/testing/render";

vi.mock("react-oidc-context", () => ({ useAuth: vi.fn() }));
vi.mock("@/lib/auth", async (original) => ({
  ...(await original<typeof import("@/lib/auth")>()),
  signOut: vi.fn(async () => {}),
}));
const mockedUseAuth = vi.mocked(useAuth);

describe("UserMenu", () => {
  beforeEach(() => mockedUseAuth.mockReset());

  it("offers sign-in, returning to the current page", async () => {
    const signinRedirect = vi.fn(async () => {});
    mockedUseAuth.mockReturnValue(fakeAuth({ signinRedirect }));
    renderPage(<UserMenu />);
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(signinRedirect).toHaveBeenCalledWith({ state: { returnTo: "/" } });
  });

  it("names the signed-in user and signs out through Cognito", async () => {
    mockedUseAuth.mockReturnValue(fakeAuth(signedIn("bob")));
    renderPage(<UserMenu />);
    expect(screen.getByText("bob")).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Sign out" }));
    expect(signOut).toHaveBeenCalledTimes(1);
    expect(screen.getByRole("button", { name: "Signing out…" })).toHaveProperty("disabled", true);
  });

  it("prefers the Cognito user name, then the email", () => {
    expect(displayName({ "cognito:username": "alice", email: "a@x" })).toBe("alice");
    expect(displayName({ email: "a@x", sub: "s" })).toBe("a@x");
    expect(displayName({})).toBe("you");
  });
});
