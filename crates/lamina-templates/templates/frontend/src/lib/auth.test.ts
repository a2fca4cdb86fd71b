import { ErrorResponse, User } from "oidc-client-ts";
import { describe, expect, it, vi } from "vitest";

import { accessToken, renew, safeReturnTo, signOut, userManager } from "@/lib/auth";

function user(expiresIn: number, token = "t1"): User {
  return new User({
    access_token: token,
    token_type: "Bearer",
    profile: { sub: "s", iss: "i", aud: "a", exp: 0, iat: 0 },
    expires_at: Math.floor(Date.now() / 1000) + expiresIn,
  });
}

describe("renew", () => {
  it("refreshes once however many callers ask at the same time", async () => {
    const silent = vi.spyOn(userManager(), "signinSilent").mockResolvedValue(user(3600, "t2"));
    const [a, b] = await Promise.all([renew(), renew()]);
    expect(silent).toHaveBeenCalledTimes(1);
    expect(a?.access_token).toBe("t2");
    expect(b).toBe(a);
  });

  it("forgets the user when Cognito refuses the refresh token", async () => {
    vi.spyOn(userManager(), "signinSilent").mockRejectedValue(new ErrorResponse({ error: "invalid_grant" }));
    const remove = vi.spyOn(userManager(), "removeUser").mockResolvedValue();
    vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(await renew()).toBeNull();
    expect(remove).toHaveBeenCalledTimes(1);
  });

  it("keeps the user when the renewal failed for another reason", async () => {
    vi.spyOn(userManager(), "signinSilent").mockRejectedValue(new TypeError("Failed to fetch"));
    const remove = vi.spyOn(userManager(), "removeUser").mockResolvedValue();
    vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(await renew()).toBeNull();
    expect(remove).not.toHaveBeenCalled();
  });
});

describe("accessToken", () => {
  it("is the current token while it has time left", async () => {
    vi.spyOn(userManager(), "getUser").mockResolvedValue(user(600));
    const silent = vi.spyOn(userManager(), "signinSilent");
    expect(await accessToken()).toBe("t1");
    expect(silent).not.toHaveBeenCalled();
  });

  it("is renewed first when it is about to expire (a laptop woke up)", async () => {
    vi.spyOn(userManager(), "getUser").mockResolvedValue(user(10));
    vi.spyOn(userManager(), "signinSilent").mockResolvedValue(user(3600, "fresh"));
    expect(await accessToken()).toBe("fresh");
  });

  it("is null without a user", async () => {
    vi.spyOn(userManager(), "getUser").mockResolvedValue(null);
    expect(await accessToken()).toBeNull();
  });
});

describe("signOut", () => {
  it("revokes the refresh token, then ends the hosted UI session through /logout", async () => {
    const revoke = vi.spyOn(userManager(), "revokeTokens").mockResolvedValue();
    const assign = vi.fn();
    vi.stubGlobal("location", { ...window.location, origin: window.location.origin, assign });
    await signOut();
    expect(revoke).toHaveBeenCalledWith(["refresh_token"]);
    const target = new URL(assign.mock.calls[0]![0] as string);
    expect(`${target.origin}${target.pathname}`).toBe("http://auth.test/logout");
    expect(target.searchParams.get("client_id")).toBe("test-client");
    expect(target.searchParams.get("logout_uri")).toMatch(/\/$/);
    vi.unstubAllGlobals();
  });
});

describe("safeReturnTo", () => {
  it("keeps paths of this app and nothing else", () => {
    expect(safeReturnTo("/rides?x=1#y")).toBe("/rides?x=1#y");
    expect(safeReturnTo("//evil.example/")).toBe("/");
    expect(safeReturnTo("https://evil.example/")).toBe("/");
    expect(safeReturnTo("/auth/callback?code=1")).toBe("/");
    expect(safeReturnTo(undefined)).toBe("/");
  });
});
